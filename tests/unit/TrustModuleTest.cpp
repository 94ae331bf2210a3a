// The PKCS#11 trust module driven through its function list, as p11-kit would: the objects
// each anchor becomes under "never over-trust", a change seen by a module that stays
// initialised, gcr's pinned-certificate assertions as pins, and the CKR_* code of each misuse.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <set>

#include "Pkcs11Entry.h"
#include "TrustModule.h"
#include "VendorDefinitions.h"
#include "policy/AnchorScope.h"
#include "support/CrlFactory.h"
#include "support/EngineFixture.h"
#include "support/TestBus.h"

namespace peertrust::testing {
namespace {

using namespace trustmodule;

class TrustModuleTest : public EngineFixture {
protected:
    void SetUp() override {
        ASSERT_EQ(functionListOf(&f), CKR_OK);
        root = selfSigned(caSpec("Open Root"));
        openId = addAnchor(system(), root, {}, "Open Root");
        setenv("PEERTRUST_SYSTEM_DB", systemPath().c_str(), 1);
        setenv("PEERTRUST_USER_DB", userPath().c_str(), 1);
    }
    void TearDown() override { f->C_Finalize(nullptr); }

    void initialize() {
        CK_C_INITIALIZE_ARGS args{};
        args.flags = CKF_OS_LOCKING_OK;
        ASSERT_EQ(f->C_Initialize(&args), CKR_OK);
    }
    CK_SESSION_HANDLE open(CK_SLOT_ID slot, CK_FLAGS flags = CKF_SERIAL_SESSION) {
        CK_SESSION_HANDLE session = 0;
        EXPECT_EQ(f->C_OpenSession(slot, flags, nullptr, nullptr, &session), CKR_OK);
        return session;
    }
    std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE session,
                                       std::vector<CK_ATTRIBUTE> attributes) {
        EXPECT_EQ(f->C_FindObjectsInit(session, attributes.data(), attributes.size()), CKR_OK);
        std::vector<CK_OBJECT_HANDLE> out(64);
        CK_ULONG count = 0;
        EXPECT_EQ(f->C_FindObjects(session, out.data(), out.size(), &count), CKR_OK);
        EXPECT_EQ(f->C_FindObjectsFinal(session), CKR_OK);
        out.resize(count);
        return out;
    }
    Bytes attribute(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
        CK_ATTRIBUTE a{type, nullptr, 0};
        EXPECT_EQ(f->C_GetAttributeValue(session, object, &a, 1), CKR_OK);
        Bytes value(a.ulValueLen);
        a.pValue = value.data();
        EXPECT_EQ(f->C_GetAttributeValue(session, object, &a, 1), CKR_OK);
        return value;
    }
    // Certificates by label, with their CKA_TRUSTED.
    std::map<std::string, bool> certificates(CK_SESSION_HANDLE session) {
        CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
        std::map<std::string, bool> out;
        for (CK_OBJECT_HANDLE h : find(session, {{CKA_CLASS, &cls, sizeof cls}})) {
            Bytes label = attribute(session, h, CKA_LABEL);
            out[std::string(label.begin(), label.end())] = attribute(session, h, CKA_TRUSTED)[0];
        }
        return out;
    }
    CK_ULONG nssServerTrust(CK_SESSION_HANDLE session, const std::string& label) {
        CK_OBJECT_CLASS cls = CKO_NSS_TRUST;
        auto found = find(session, {{CKA_CLASS, &cls, sizeof cls},
                                    {CKA_LABEL, const_cast<char*>(label.data()), label.size()}});
        EXPECT_EQ(found.size(), 1u);
        if (found.empty()) {
            return 0;
        }
        Bytes value = attribute(session, found[0], CKA_TRUST_SERVER_AUTH);
        CK_ULONG trust = 0;
        std::memcpy(&trust, value.data(), sizeof trust);
        return trust;
    }

    CK_FUNCTION_LIST_PTR f = nullptr;
    Issued root;
    std::string openId;
};

AnchorScope scoped(std::vector<std::string> protocols, std::vector<std::string> permit) {
    AnchorScope s;
    s.protocols = std::move(protocols);
    for (const auto& p : permit) {
        s.permitted.push_back(*policy::parseNameSubtree(p));
    }
    return s;
}

TEST_F(TrustModuleTest, EachAnchorGetsWhatEachClientCanEnforce) {
    addAnchor(system(), selfSigned(caSpec("Brazil Root")), scoped({}, {".br"}), "Brazil Root");
    addAnchor(system(), selfSigned(caSpec("Mail Root")), scoped({"smtp"}, {}), "Mail Root");
    AnchorScope late;
    late.notAfter = kNow + 86400;
    addAnchor(system(), selfSigned(caSpec("Late Root")), late, "Late Root");
    initialize();
    CK_SESSION_HANDLE s = open(kSystemSlot);

    auto certs = certificates(s);
    EXPECT_EQ(certs, (std::map<std::string, bool>{{"Open Root", true}, {"Brazil Root", true}}))
        << "an smtp-only anchor and one with a not-after override are exported to nobody";
    EXPECT_EQ(nssServerTrust(s, "Open Root"), CKT_NSS_TRUSTED_DELEGATOR);
    EXPECT_EQ(nssServerTrust(s, "Brazil Root"), CKT_NSS_MUST_VERIFY_TRUST)
        << "NSS ignores stapled NameConstraints: a name-scoped anchor must not be its anchor";

    // GnuTLS gets the name scope as stapled NameConstraints, and only the scoped anchor does.
    CK_OBJECT_CLASS ext = CKO_X_CERTIFICATE_EXTENSION;
    const std::uint8_t ncOid[] = {0x06, 0x03, 0x55, 0x1d, 0x1e};
    auto nc = find(s, {{CKA_CLASS, &ext, sizeof ext},
                       {CKA_OBJECT_ID, const_cast<std::uint8_t*>(ncOid), sizeof ncOid}});
    ASSERT_EQ(nc.size(), 1u);
    Bytes label = attribute(s, nc[0], CKA_LABEL);
    EXPECT_EQ(std::string(label.begin(), label.end()), "Brazil Root");

    // gcr's anchored assertions: what NSS gets, so not the name-scoped anchor.
    CK_OBJECT_CLASS assertion = kClassTrustAssertion;
    CK_ULONG anchored = kAssertionAnchored;
    std::string serverAuth = policy::kPurposeServerAuth;
    auto assertions = find(s, {{CKA_CLASS, &assertion, sizeof assertion},
                               {kAttrAssertionType, &anchored, sizeof anchored},
                               {kAttrPurpose, serverAuth.data(), serverAuth.size()}});
    ASSERT_EQ(assertions.size(), 1u);
    EXPECT_EQ(attribute(s, assertions[0], kAttrCertificateValue), root.der);

    // The user token holds the user store's objects only (and every layer's distrust, of
    // which there is none here).
    EXPECT_TRUE(certificates(open(kUserSlot)).empty());
}

// GnuTLS looks for distrust only in the token its trust URL names: each token carries every
// layer's distrust, so a client of either token sees the administrator's and the user's.
TEST_F(TrustModuleTest, EachTokenCarriesEveryLayersDistrust) {
    Issued adminBad = issue(caSpec("Admin Distrusted"), root);
    Issued userBad = issue(caSpec("User Distrusted"), root);
    ASSERT_TRUE(system().addDistrust({DistrustKind::Certificate, adminBad.der, "admin"}).ok());
    ASSERT_TRUE(user().addDistrust({DistrustKind::Certificate, userBad.der, "user"}).ok());
    initialize();
    for (CK_SLOT_ID slot : {kSystemSlot, kUserSlot}) {
        CK_SESSION_HANDLE s = open(slot);
        CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
        CK_BBOOL yes = CK_TRUE;
        std::set<std::string> distrusted;
        for (CK_OBJECT_HANDLE h :
             find(s, {{CKA_CLASS, &cls, sizeof cls}, {CKA_X_DISTRUSTED, &yes, sizeof yes}})) {
            Bytes label = attribute(s, h, CKA_LABEL);
            distrusted.insert(std::string(label.begin(), label.end()));
        }
        EXPECT_EQ(distrusted, (std::set<std::string>{"admin", "user"})) << "token " << slot;
    }
}

// gcr builds a chain to an anchored assertion without looking for distrust objects under it:
// an anchor that issued a distrusted certificate gets none, while GnuTLS and NSS, which check
// the chain against the distrust beside it, keep theirs.
TEST_F(TrustModuleTest, AnAnchorThatIssuedADistrustedCertificateIsNoGcrAnchor) {
    Issued leaked = issue(caSpec("Leaked Sub CA"), root);
    ASSERT_TRUE(system().addDistrust({DistrustKind::Certificate, leaked.der, "leaked"}).ok());
    initialize();
    CK_SESSION_HANDLE s = open(kSystemSlot);
    CK_OBJECT_CLASS assertion = kClassTrustAssertion;
    CK_ULONG anchored = kAssertionAnchored;
    EXPECT_TRUE(find(s, {{CKA_CLASS, &assertion, sizeof assertion},
                         {kAttrAssertionType, &anchored, sizeof anchored}})
                    .empty())
        << "gcr was given the anchor above a distrusted certificate";
    EXPECT_TRUE(certificates(s).at("Open Root"));
    EXPECT_EQ(nssServerTrust(s, "Open Root"), CKT_NSS_TRUSTED_DELEGATOR);
}

TEST_F(TrustModuleTest, AChangeMadeElsewhereShowsAtTheNextSearch) {
    initialize();
    CK_SESSION_HANDLE s = open(kSystemSlot);
    EXPECT_EQ(certificates(s).size(), 1u);
    // Another connection to the store, as the CLI or the daemon would be.
    addAnchor(system(), selfSigned(caSpec("Second Root")), {}, "Second Root");
    EXPECT_EQ(certificates(s),
              (std::map<std::string, bool>{{"Open Root", true}, {"Second Root", true}}));
    ASSERT_OK(system().addDistrust({DistrustKind::Certificate, root.der, "bad root"}));
    auto after = certificates(s);
    EXPECT_EQ(after.count("Open Root"), 0u) << "a distrusted anchor is no longer an anchor";
    EXPECT_EQ(after.at("bad root"), false);

    // The peertrust CLI, a separate process writing the same store.
    const auto pem = systemPath().parent_path() / "cli-root.pem";
    std::ofstream(pem) << selfSigned(caSpec("CLI Root")).pem;
    const std::string command = builtProgram("peertrust") + " --system --db " +
                                systemPath().string() + " anchor add " + pem.string() +
                                " --label 'CLI Root' >/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    EXPECT_EQ(certificates(s).count("CLI Root"), 1u) << "the CLI's anchor is not seen";
}

// fork(): the child starts uninitialised (PKCS#11 asks it to call C_Initialize) instead of
// answering from the parent's state, its engine and SQLite connections; after C_Initialize it
// reads the store afresh. The parent goes on as before.
TEST_F(TrustModuleTest, AForkedChildInitialisesAfreshAndTheParentGoesOn) {
    initialize();
    CK_SESSION_HANDLE s = open(kSystemSlot);
    ASSERT_EQ(certificates(s).size(), 1u);
    addAnchor(system(), selfSigned(caSpec("Second Root")), {}, "Second Root");
    const pid_t child = fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        // No gtest in here: each failed step is an exit status the parent reports.
        CK_INFO info{};
        if (f->C_GetInfo(&info) != CKR_CRYPTOKI_NOT_INITIALIZED)
            _exit(10);
        CK_SESSION_INFO sessionInfo{};
        if (f->C_GetSessionInfo(s, &sessionInfo) != CKR_CRYPTOKI_NOT_INITIALIZED)
            _exit(11);
        CK_C_INITIALIZE_ARGS args{};
        args.flags = CKF_OS_LOCKING_OK;
        if (f->C_Initialize(&args) != CKR_OK)
            _exit(12);
        CK_SESSION_HANDLE mine = 0;
        if (f->C_OpenSession(kSystemSlot, CKF_SERIAL_SESSION, nullptr, nullptr, &mine) != CKR_OK)
            _exit(13);
        CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
        CK_ATTRIBUTE query{CKA_CLASS, &cls, sizeof cls};
        CK_OBJECT_HANDLE found[8];
        CK_ULONG count = 0;
        if (f->C_FindObjectsInit(mine, &query, 1) != CKR_OK ||
            f->C_FindObjects(mine, found, 8, &count) != CKR_OK ||
            f->C_FindObjectsFinal(mine) != CKR_OK)
            _exit(14);
        if (count != 2)
            _exit(15);
        _exit(f->C_Finalize(nullptr) == CKR_OK ? 0 : 16);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the child failed at step " << WEXITSTATUS(status);
    EXPECT_EQ(certificates(s),
              (std::map<std::string, bool>{{"Open Root", true}, {"Second Root", true}}));
}

TEST_F(TrustModuleTest, AnAnchorUnderACrlWithEntriesIsNobodysAnchor) {
    Issued other = selfSigned(caSpec("Other Root"));
    addAnchor(system(), other, {}, "Other Root");
    Issued intermediate = issue(caSpec("Open Intermediate"), root);
    Issued leaf = issue(serverSpec("www.example.com"), intermediate);
    CrlSpec empty;
    empty.thisUpdate = kNow - 3600;
    empty.number = 1;
    ASSERT_OK(system().addCrl({makeCrl(root, empty)}));
    initialize();
    CK_SESSION_HANDLE s = open(kSystemSlot);
    EXPECT_EQ(certificates(s),
              (std::map<std::string, bool>{{"Open Root", true}, {"Other Root", true}}))
        << "an empty CRL changes nothing";
    EXPECT_EQ(nssServerTrust(s, "Open Root"), CKT_NSS_TRUSTED_DELEGATOR);

    // A CRL signed by a certificate the anchor issued, with an entry: GnuTLS, NSS and gcr
    // reading the module cannot apply it, so the anchor is not theirs any more.
    CrlSpec revoking = empty;
    revoking.revoked = {{&leaf, kNow - 60}};
    ASSERT_OK(system().addCrl({makeCrl(intermediate, revoking), intermediate.der}));
    EXPECT_EQ(certificates(s), (std::map<std::string, bool>{{"Other Root", true}}));
    CK_OBJECT_CLASS assertion = kClassTrustAssertion;
    CK_ULONG anchored = kAssertionAnchored;
    auto assertions = find(s, {{CKA_CLASS, &assertion, sizeof assertion},
                               {kAttrAssertionType, &anchored, sizeof anchored}});
    for (CK_OBJECT_HANDLE h : assertions) {
        EXPECT_NE(attribute(s, h, kAttrCertificateValue), root.der);
    }
    EXPECT_FALSE(assertions.empty()) << "the other anchor is still gcr's anchor";
}

TEST_F(TrustModuleTest, GcrPinnedCertificateAssertionsArePins) {
    Issued leaf = selfSigned(serverSpec("www.example.com"));
    user();  // the user store exists, as a session daemon would have made it
    initialize();
    CK_SESSION_HANDLE s = open(kUserSlot, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    CK_OBJECT_CLASS cls = kClassTrustAssertion;
    CK_ULONG pinned = kAssertionPinned;
    CK_BBOOL yes = CK_TRUE;
    std::string purpose = policy::kPurposeServerAuth;
    std::string peer = "WWW.Example.COM";
    std::vector<CK_ATTRIBUTE> pin{{CKA_CLASS, &cls, sizeof cls},
                                  {kAttrAssertionType, &pinned, sizeof pinned},
                                  {kAttrCertificateValue, leaf.der.data(), leaf.der.size()},
                                  {kAttrPurpose, purpose.data(), purpose.size()},
                                  {kAttrPeer, peer.data(), peer.size()},
                                  {CKA_TOKEN, &yes, sizeof yes}};
    CK_OBJECT_HANDLE created = 0;
    ASSERT_EQ(f->C_CreateObject(s, pin.data(), pin.size(), &created), CKR_OK);

    auto pins = user().listPins();
    ASSERT_OK(pins);
    ASSERT_EQ(pins->size(), 1u);
    EXPECT_EQ((*pins)[0].protocol, "tls");
    EXPECT_EQ((*pins)[0].peer, "www.example.com");
    EXPECT_EQ((*pins)[0].origin, PinOrigin::Gcr);

    // gcr's lookup: the certificate, purpose and peer as the application spells them.
    pin.pop_back();
    EXPECT_EQ(find(s, pin), std::vector<CK_OBJECT_HANDLE>{created});
    std::string client = policy::kPurposeClientAuth;
    pin[3] = {kAttrPurpose, client.data(), client.size()};
    EXPECT_TRUE(find(s, pin).empty()) << "a tls pin is not a tls-client pin";

    // A read-only session may not, the system token may not, and anchors are not pins.
    CK_SESSION_HANDLE ro = open(kUserSlot);
    EXPECT_EQ(f->C_DestroyObject(ro, created), CKR_SESSION_READ_ONLY);
    ASSERT_EQ(f->C_DestroyObject(s, created), CKR_OK);
    pins = user().listPins();
    ASSERT_OK(pins);
    EXPECT_TRUE(pins->empty());
    EXPECT_EQ(f->C_DestroyObject(s, created), CKR_OBJECT_HANDLE_INVALID);
}

// gcr asks whether a certificate is pinned for a peer: the answer is yes only where the
// daemon's own Verify would accept it as pinned. Distrust and revocation come first there.
TEST_F(TrustModuleTest, APinTheDaemonWouldRefuseIsNotGcrsPinEither) {
    Issued intermediate = issue(caSpec("Open Intermediate"), root);
    Issued leaf = issue(serverSpec("www.example.com"), intermediate);
    ASSERT_OK(user().addPin({"tls", "www.example.com", KeyFormat::X509Chain, leaf.der}));
    initialize();
    CK_SESSION_HANDLE s = open(kUserSlot);
    CK_OBJECT_CLASS cls = kClassTrustAssertion;
    CK_ULONG pinned = kAssertionPinned;
    std::string purpose = policy::kPurposeServerAuth;
    std::string peer = "www.example.com";
    const std::vector<CK_ATTRIBUTE> anyPin{{CKA_CLASS, &cls, sizeof cls},
                                           {kAttrAssertionType, &pinned, sizeof pinned}};
    std::vector<CK_ATTRIBUTE> lookup = anyPin;
    lookup.push_back({kAttrCertificateValue, leaf.der.data(), leaf.der.size()});
    lookup.push_back({kAttrPurpose, purpose.data(), purpose.size()});
    lookup.push_back({kAttrPeer, peer.data(), peer.size()});
    ASSERT_EQ(find(s, lookup).size(), 1u) << "the pin itself";

    // Revoked by its issuer's CRL: Verify says revoked, so gcr hears of no pin.
    const UnixTime now = static_cast<UnixTime>(std::time(nullptr));
    CrlSpec revoking;
    revoking.thisUpdate = now - 3600;
    revoking.revoked = {{&leaf, now - 60}};
    auto crl = system().addCrl({makeCrl(intermediate, revoking), intermediate.der});
    ASSERT_OK(crl);
    EXPECT_TRUE(find(s, lookup).empty()) << "a revoked certificate is still pinned for gcr";
    ASSERT_OK(system().removeCrl(crl->id));
    ASSERT_EQ(find(s, lookup).size(), 1u);

    // Distrusted, the certificate or its key: no pin object at all, looked up or listed.
    auto distrust = system().addDistrust({DistrustKind::Certificate, leaf.der, "bad leaf"});
    ASSERT_OK(distrust);
    EXPECT_TRUE(find(s, lookup).empty()) << "a distrusted certificate is still pinned for gcr";
    EXPECT_TRUE(find(s, anyPin).empty()) << "a distrusted certificate is still exported as pinned";
    ASSERT_OK(system().removeDistrust(distrust->id));
    ASSERT_EQ(find(s, anyPin).size(), 1u);
    ASSERT_OK(system().addDistrust({DistrustKind::Spki, leaf.spkiDer, "bad key"}));
    EXPECT_TRUE(find(s, lookup).empty()) << "a distrusted key is still pinned for gcr";
    EXPECT_TRUE(find(s, anyPin).empty()) << "a distrusted key is still exported as pinned";
}

// A program that searched before the user had a store of their own: the store made later (by
// the user's first pin or distrust) counts from the next search, not from the next start.
TEST_F(TrustModuleTest, AUserStoreMadeAfterTheFirstSearchCountsFromTheNextSearch) {
    ASSERT_FALSE(std::filesystem::exists(userPath()));
    initialize();
    CK_SESSION_HANDLE s = open(kSystemSlot);
    ASSERT_EQ(certificates(s), (std::map<std::string, bool>{{"Open Root", true}}));

    ASSERT_OK(user().addDistrust({DistrustKind::Certificate, root.der, "not mine"}));
    ASSERT_TRUE(std::filesystem::exists(userPath()));
    EXPECT_EQ(certificates(s).count("Open Root"), 0u)
        << "the user's distrust of a system anchor is not seen by a running program";
}

// A user store that appears but cannot be opened (here: not a database) may hold the user's
// distrust: the module then serves nothing, not what it read before.
TEST_F(TrustModuleTest, AStoreThatCannotBeReadAfterTheFirstSearchIsServedAsNothing) {
    ASSERT_FALSE(std::filesystem::exists(userPath()));
    initialize();
    CK_SESSION_HANDLE s = open(kSystemSlot);
    ASSERT_EQ(certificates(s), (std::map<std::string, bool>{{"Open Root", true}}));
    std::filesystem::create_directories(userPath().parent_path());
    writeFile(userPath(), std::string(4096, 'x'));
    EXPECT_TRUE(certificates(s).empty()) << "the anchors read before were served on";
}

TEST_F(TrustModuleTest, EveryMisuseGetsItsCode) {
    CK_SESSION_HANDLE s = 0;
    CK_ULONG count = 0;
    EXPECT_EQ(f->C_GetSlotList(CK_TRUE, nullptr, &count), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT_EQ(f->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
    CK_SLOT_ID event = 0;
    EXPECT_EQ(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &event, nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT_EQ(f->C_InitToken(kUserSlot, nullptr, 0, nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
    CK_C_INITIALIZE_ARGS ownLocks{};
    ownLocks.CreateMutex = [](CK_VOID_PTR_PTR) -> CK_RV { return CKR_OK; };
    ownLocks.DestroyMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
    ownLocks.LockMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
    ownLocks.UnlockMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
    EXPECT_EQ(f->C_Initialize(&ownLocks), CKR_CANT_LOCK);
    ownLocks.LockMutex = nullptr;
    EXPECT_EQ(f->C_Initialize(&ownLocks), CKR_ARGUMENTS_BAD);
    initialize();
    EXPECT_EQ(f->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    int reserved = 0;
    EXPECT_EQ(f->C_Finalize(&reserved), CKR_ARGUMENTS_BAD);

    // The two-call length pattern and a buffer too small.
    EXPECT_EQ(f->C_GetSlotList(CK_TRUE, nullptr, &count), CKR_OK);
    EXPECT_EQ(count, 2u);
    CK_SLOT_ID one[1];
    count = 1;
    EXPECT_EQ(f->C_GetSlotList(CK_TRUE, one, &count), CKR_BUFFER_TOO_SMALL);
    EXPECT_EQ(count, 2u);
    CK_TOKEN_INFO token;
    EXPECT_EQ(f->C_GetTokenInfo(7, &token), CKR_SLOT_ID_INVALID);
    EXPECT_EQ(f->C_OpenSession(7, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_SLOT_ID_INVALID);
    EXPECT_EQ(f->C_OpenSession(kSystemSlot, 0, nullptr, nullptr, &s),
              CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    EXPECT_EQ(
        f->C_OpenSession(kSystemSlot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s),
        CKR_TOKEN_WRITE_PROTECTED);
    EXPECT_EQ(f->C_OpenSession(kSystemSlot, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr),
              CKR_ARGUMENTS_BAD);
    s = open(kSystemSlot);

    CK_OBJECT_HANDLE objects[4];
    EXPECT_EQ(f->C_FindObjects(s, objects, 4, &count), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT_EQ(f->C_FindObjectsInit(s, nullptr, 0), CKR_OK);
    EXPECT_EQ(f->C_FindObjectsInit(s, nullptr, 0), CKR_OPERATION_ACTIVE);
    ASSERT_EQ(f->C_FindObjects(s, objects, 4, &count), CKR_OK);
    ASSERT_GT(count, 0u);
    EXPECT_EQ(f->C_FindObjectsFinal(s), CKR_OK);

    CK_OBJECT_HANDLE cert = objects[0];
    std::uint8_t small[1];
    CK_ATTRIBUTE attributes[] = {
        {CKA_LABEL, small, sizeof small}, {CKA_MODULUS, nullptr, 0}, {CKA_TOKEN, nullptr, 0}};
    EXPECT_EQ(f->C_GetAttributeValue(s, cert, attributes, 3), CKR_ATTRIBUTE_TYPE_INVALID);
    EXPECT_EQ(attributes[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);  // too small
    EXPECT_EQ(attributes[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);  // not there
    EXPECT_EQ(attributes[2].ulValueLen, sizeof(CK_BBOOL));            // still answered
    CK_ATTRIBUTE label{CKA_LABEL, small, sizeof small};
    EXPECT_EQ(f->C_GetAttributeValue(s, cert, &label, 1), CKR_BUFFER_TOO_SMALL);
    EXPECT_EQ(f->C_GetAttributeValue(s, 999999, &label, 1), CKR_OBJECT_HANDLE_INVALID);
    EXPECT_EQ(f->C_GetAttributeValue(999, cert, &label, 1), CKR_SESSION_HANDLE_INVALID);
    // A system object is not reachable from the user token's session.
    CK_SESSION_HANDLE u = open(kUserSlot);
    EXPECT_EQ(f->C_GetAttributeValue(u, cert, &label, 1), CKR_OBJECT_HANDLE_INVALID);

    EXPECT_EQ(f->C_SetAttributeValue(s, cert, &label, 1), CKR_ACTION_PROHIBITED);
    EXPECT_EQ(f->C_DestroyObject(s, cert), CKR_TOKEN_WRITE_PROTECTED);
    CK_OBJECT_HANDLE created = 0;
    EXPECT_EQ(f->C_CreateObject(s, &label, 1, &created), CKR_TOKEN_WRITE_PROTECTED);
    CK_SESSION_HANDLE rw = open(kUserSlot, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    CK_OBJECT_CLASS certificateClass = CKO_CERTIFICATE;
    CK_ATTRIBUTE notAPin[] = {{CKA_CLASS, &certificateClass, sizeof certificateClass}};
    EXPECT_EQ(f->C_CreateObject(rw, notAPin, 1, &created), CKR_TEMPLATE_INCOMPLETE);
    CK_MECHANISM mechanism{CKM_SHA256, nullptr, 0};
    EXPECT_EQ(f->C_DigestInit(s, &mechanism), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_SignInit(999, &mechanism, cert), CKR_SESSION_HANDLE_INVALID);
    EXPECT_EQ(f->C_Login(s, CKU_USER, nullptr, 0), CKR_FUNCTION_NOT_SUPPORTED);

    EXPECT_EQ(f->C_CloseSession(s), CKR_OK);
    EXPECT_EQ(f->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
    EXPECT_EQ(f->C_CloseAllSessions(7), CKR_SLOT_ID_INVALID);
}

// Every session-taking function of the list: not initialised, then a handle that is no session.
TEST_F(TrustModuleTest, EveryFunctionChecksItsSessionFirst) {
    CK_BYTE byte = 0;
    CK_ULONG length = 1;
    CK_MECHANISM mechanism{CKM_SHA256, nullptr, 0};
    CK_OBJECT_HANDLE object = 0;
    CK_ATTRIBUTE attribute{CKA_LABEL, nullptr, 0};
    CK_SESSION_INFO info;
    const std::vector<std::pair<const char*, std::function<CK_RV(CK_SESSION_HANDLE)>>> calls = {
        {"C_CloseSession", [&](auto h) { return f->C_CloseSession(h); }},
        {"C_GetSessionInfo", [&](auto h) { return f->C_GetSessionInfo(h, &info); }},
        {"C_GetOperationState",
         [&](auto h) { return f->C_GetOperationState(h, nullptr, &length); }},
        {"C_SetOperationState", [&](auto h) { return f->C_SetOperationState(h, &byte, 1, 0, 0); }},
        {"C_Login", [&](auto h) { return f->C_Login(h, CKU_USER, &byte, 1); }},
        {"C_Logout", [&](auto h) { return f->C_Logout(h); }},
        {"C_InitPIN", [&](auto h) { return f->C_InitPIN(h, &byte, 1); }},
        {"C_SetPIN", [&](auto h) { return f->C_SetPIN(h, &byte, 1, &byte, 1); }},
        {"C_CreateObject", [&](auto h) { return f->C_CreateObject(h, &attribute, 1, &object); }},
        {"C_CopyObject", [&](auto h) { return f->C_CopyObject(h, 1, &attribute, 1, &object); }},
        {"C_DestroyObject", [&](auto h) { return f->C_DestroyObject(h, 1); }},
        {"C_GetObjectSize", [&](auto h) { return f->C_GetObjectSize(h, 1, &length); }},
        {"C_GetAttributeValue",
         [&](auto h) { return f->C_GetAttributeValue(h, 1, &attribute, 1); }},
        {"C_SetAttributeValue",
         [&](auto h) { return f->C_SetAttributeValue(h, 1, &attribute, 1); }},
        {"C_FindObjectsInit", [&](auto h) { return f->C_FindObjectsInit(h, &attribute, 1); }},
        {"C_FindObjects", [&](auto h) { return f->C_FindObjects(h, &object, 1, &length); }},
        {"C_FindObjectsFinal", [&](auto h) { return f->C_FindObjectsFinal(h); }},
        {"C_EncryptInit", [&](auto h) { return f->C_EncryptInit(h, &mechanism, 1); }},
        {"C_Encrypt", [&](auto h) { return f->C_Encrypt(h, &byte, 1, nullptr, &length); }},
        {"C_EncryptUpdate",
         [&](auto h) { return f->C_EncryptUpdate(h, &byte, 1, nullptr, &length); }},
        {"C_EncryptFinal", [&](auto h) { return f->C_EncryptFinal(h, nullptr, &length); }},
        {"C_DecryptInit", [&](auto h) { return f->C_DecryptInit(h, &mechanism, 1); }},
        {"C_Decrypt", [&](auto h) { return f->C_Decrypt(h, &byte, 1, nullptr, &length); }},
        {"C_DecryptUpdate",
         [&](auto h) { return f->C_DecryptUpdate(h, &byte, 1, nullptr, &length); }},
        {"C_DecryptFinal", [&](auto h) { return f->C_DecryptFinal(h, nullptr, &length); }},
        {"C_DigestInit", [&](auto h) { return f->C_DigestInit(h, &mechanism); }},
        {"C_Digest", [&](auto h) { return f->C_Digest(h, &byte, 1, nullptr, &length); }},
        {"C_DigestUpdate", [&](auto h) { return f->C_DigestUpdate(h, &byte, 1); }},
        {"C_DigestKey", [&](auto h) { return f->C_DigestKey(h, 1); }},
        {"C_DigestFinal", [&](auto h) { return f->C_DigestFinal(h, nullptr, &length); }},
        {"C_SignInit", [&](auto h) { return f->C_SignInit(h, &mechanism, 1); }},
        {"C_Sign", [&](auto h) { return f->C_Sign(h, &byte, 1, nullptr, &length); }},
        {"C_SignUpdate", [&](auto h) { return f->C_SignUpdate(h, &byte, 1); }},
        {"C_SignFinal", [&](auto h) { return f->C_SignFinal(h, nullptr, &length); }},
        {"C_SignRecoverInit", [&](auto h) { return f->C_SignRecoverInit(h, &mechanism, 1); }},
        {"C_SignRecover", [&](auto h) { return f->C_SignRecover(h, &byte, 1, nullptr, &length); }},
        {"C_VerifyInit", [&](auto h) { return f->C_VerifyInit(h, &mechanism, 1); }},
        {"C_Verify", [&](auto h) { return f->C_Verify(h, &byte, 1, &byte, 1); }},
        {"C_VerifyUpdate", [&](auto h) { return f->C_VerifyUpdate(h, &byte, 1); }},
        {"C_VerifyFinal", [&](auto h) { return f->C_VerifyFinal(h, &byte, 1); }},
        {"C_VerifyRecoverInit", [&](auto h) { return f->C_VerifyRecoverInit(h, &mechanism, 1); }},
        {"C_VerifyRecover",
         [&](auto h) { return f->C_VerifyRecover(h, &byte, 1, nullptr, &length); }},
        {"C_DigestEncryptUpdate",
         [&](auto h) { return f->C_DigestEncryptUpdate(h, &byte, 1, nullptr, &length); }},
        {"C_DecryptDigestUpdate",
         [&](auto h) { return f->C_DecryptDigestUpdate(h, &byte, 1, nullptr, &length); }},
        {"C_SignEncryptUpdate",
         [&](auto h) { return f->C_SignEncryptUpdate(h, &byte, 1, nullptr, &length); }},
        {"C_DecryptVerifyUpdate",
         [&](auto h) { return f->C_DecryptVerifyUpdate(h, &byte, 1, nullptr, &length); }},
        {"C_GenerateKey",
         [&](auto h) { return f->C_GenerateKey(h, &mechanism, &attribute, 1, &object); }},
        {"C_GenerateKeyPair",
         [&](auto h) {
             return f->C_GenerateKeyPair(h, &mechanism, &attribute, 1, &attribute, 1, &object,
                                         &object);
         }},
        {"C_WrapKey", [&](auto h) { return f->C_WrapKey(h, &mechanism, 1, 2, nullptr, &length); }},
        {"C_UnwrapKey",
         [&](auto h) {
             return f->C_UnwrapKey(h, &mechanism, 1, &byte, 1, &attribute, 1, &object);
         }},
        {"C_DeriveKey",
         [&](auto h) { return f->C_DeriveKey(h, &mechanism, 1, &attribute, 1, &object); }},
        {"C_SeedRandom", [&](auto h) { return f->C_SeedRandom(h, &byte, 1); }},
        {"C_GenerateRandom", [&](auto h) { return f->C_GenerateRandom(h, &byte, 1); }},
    };
    for (const auto& [name, call] : calls) {
        EXPECT_EQ(call(1), CKR_CRYPTOKI_NOT_INITIALIZED) << name;
    }
    initialize();
    for (const auto& [name, call] : calls) {
        EXPECT_EQ(call(4242), CKR_SESSION_HANDLE_INVALID) << name;
    }
    // The legacy parallel functions answer the same on any session.
    CK_SESSION_HANDLE s = open(kSystemSlot);
    EXPECT_EQ(f->C_GetFunctionStatus(s), CKR_FUNCTION_NOT_PARALLEL);
    EXPECT_EQ(f->C_CancelFunction(s), CKR_FUNCTION_NOT_PARALLEL);
    // No crypto on a trust token: every operation is refused on a live session.
    EXPECT_EQ(f->C_SignInit(s, &mechanism, 1), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_GenerateRandom(s, &byte, 1), CKR_FUNCTION_NOT_SUPPORTED);
    CK_SLOT_ID slot = kSystemSlot;
    EXPECT_EQ(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(f->C_InitToken(kSystemSlot, &byte, 1, &byte), CKR_FUNCTION_NOT_SUPPORTED);
}

}  // namespace
}  // namespace peertrust::testing
