// Every method of org.peertrust.Trust1, its error names and the Changed signal, against a
// real peertrustd on a private dbus-daemon, through libpeertrust.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include <sdbus-c++/sdbus-c++.h>
#include <sqlite3.h>

#include "peertrust/Client.h"
#include "policy/PolicyEngine.h"
#include "policy/ProtocolRegistry.h"
#include "support/CertFactory.h"
#include "support/CrlFactory.h"
#include "support/OcspFactory.h"
#include "support/ResultAssertions.h"
#include "support/SessionDaemonTest.h"
#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {
namespace {

using Change = std::pair<std::string, std::string>;  // kind, id

// The Changed signals a second client receives, in order.
class ChangeLog {
public:
    Result<void> subscribe() {
        PEERTRUST_TRY_ASSIGN(m_watcher, Client::connect(Bus::Session));
        return m_watcher->subscribe([this](const std::string& kind, const std::string& id) {
            std::lock_guard lock(m_mutex);
            m_changes.emplace_back(kind, id);
            m_arrived.notify_all();
        });
    }
    // The first `count` changes, or fewer when they do not arrive within ten seconds.
    std::vector<Change> waitFor(std::size_t count) {
        std::unique_lock lock(m_mutex);
        m_arrived.wait_for(lock, std::chrono::seconds(10),
                           [&] { return m_changes.size() >= count; });
        return m_changes;
    }

private:
    std::unique_ptr<Client> m_watcher;
    std::mutex m_mutex;
    std::condition_variable m_arrived;
    std::vector<Change> m_changes;
};

class DbusApiTest : public SessionDaemonTest {
protected:
    void SetUp() override {
        startDaemon();
        root = selfSigned(caSpec("Api Root"));
        leaf = issue(serverSpec("www.example.com"), root);
    }

    Result<Verdict> verifyLeaf(const std::string& peer, bool pinOnFirstUse = false) {
        return client->verify(
            {"https", peer, KeyFormat::X509Chain, leaf.der, std::nullopt, pinOnFirstUse});
    }

    Issued root, leaf;
};

TEST_F(DbusApiTest, VerifyCarriesTheWholeVerdict) {
    auto anchor = client->addAnchor({root.der, {}, "Api Root"});
    ASSERT_OK(anchor);
    EXPECT_TRUE(anchor->created);
    auto verdict = verifyLeaf("WWW.example.com:443");
    ASSERT_OK(verdict);
    EXPECT_EQ(verdict->kind, VerdictKind::Accepted);
    EXPECT_EQ(verdict->reason, "anchor");
    EXPECT_EQ(verdict->details.anchorId, anchor->id);
    EXPECT_EQ(verdict->details.anchorLabel, "Api Root");
    EXPECT_EQ(verdict->details.peer, "www.example.com");
    EXPECT_EQ(verdict->details.spkiSha256, leaf.spkiSha256Hex());
    EXPECT_NE(verdict->explanation.find("leads to the anchor \"Api Root\""), std::string::npos);

    auto rejected = verifyLeaf("other.example.com");
    ASSERT_OK(rejected);
    EXPECT_EQ(rejected->reason, "name-mismatch");
    EXPECT_EQ(rejected->details.failures, std::vector<std::string>{"name-mismatch"});

    // Options travel: a time when the leaf had expired.
    auto later = client->verify(
        {"https", "www.example.com", KeyFormat::X509Chain, leaf.der, 2100000000, false});
    ASSERT_OK(later);
    EXPECT_EQ(later->reason, "expired");
}

TEST_F(DbusApiTest, StapledOcspTravelsAsOption) {
    ASSERT_OK(client->addAnchor({root.der, {}, "Api Root"}));
    const UnixTime at = 1800000000;
    OcspSpec spec;
    spec.thisUpdate = at - 3600;
    spec.nextUpdate = at + 86400;
    spec.revokedAt = at - 7200;
    VerifyRequest request{"https", "www.example.com", KeyFormat::X509Chain, leaf.der, at, false};
    request.ocsp = makeOcspResponse(leaf, root, spec);
    auto good = client->verify(request);
    ASSERT_OK(good);
    EXPECT_EQ(good->reason, "anchor");

    spec.status = OcspSpec::Status::Revoked;
    request.ocsp = makeOcspResponse(leaf, root, spec);
    auto revoked = client->verify(request);
    ASSERT_OK(revoked);
    EXPECT_EQ(revoked->kind, VerdictKind::Rejected);
    EXPECT_EQ(revoked->reason, "revoked");
    EXPECT_NE(revoked->explanation.find("was revoked on 2027-01-15T06:00:00Z"), std::string::npos)
        << revoked->explanation;

    request.ocsp = bytesOf("not an OCSP response");
    auto malformed = client->verify(request);
    ASSERT_FALSE(malformed.ok());
    EXPECT_EQ(malformed.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(malformed.error().message().find("not a valid OCSP response"), std::string::npos)
        << malformed.error().message();
}

TEST_F(DbusApiTest, KeysInEveryFormTravelAsText) {
    Issued self = selfSigned(serverSpec("printer.lan"));
    auto first = client->verify(
        {"tls", "printer.lan", KeyFormat::X509Chain, bytesOf(self.pem), std::nullopt, true});
    ASSERT_OK(first);
    EXPECT_EQ(first->reason, "tofu-new");
    ASSERT_EQ(first->details.pins.size(), 1u);
    auto raw =
        client->verify({"tls", "printer.lan", KeyFormat::Spki, self.spkiDer, std::nullopt, false});
    ASSERT_OK(raw);
    EXPECT_EQ(raw->reason, "pinned");
    auto key = generateKey(KeyType::Ed25519);
    auto ssh = client->verify({"ssh", "git.lan", KeyFormat::OpenSsh,
                               bytesOf(openSshLine(key.get())), std::nullopt, false});
    ASSERT_OK(ssh);
    EXPECT_EQ(ssh->reason, "first-use");
    EXPECT_EQ(ssh->kind, VerdictKind::Unknown);
}

TEST_F(DbusApiTest, PinsAddListRemoveForget) {
    Issued self = selfSigned(serverSpec("nas.lan"));
    auto added = client->addPin({"tls", "nas.lan", KeyFormat::X509Chain, self.der});
    ASSERT_OK(added);
    EXPECT_TRUE(added->created);
    auto again = client->addPin({"tls", "NAS.lan.", KeyFormat::X509Chain, self.der});
    ASSERT_OK(again);
    EXPECT_FALSE(again->created);
    auto pins = client->listPins();
    ASSERT_OK(pins);
    ASSERT_EQ(pins->size(), 1u);
    EXPECT_EQ(pins->front().peer, "nas.lan");
    EXPECT_EQ(pins->front().origin, PinOrigin::Manual);
    EXPECT_EQ(pins->front().layer, StoreLayer::User);
    ASSERT_OK(client->removePin(added->id.substr(0, 5)));
    EXPECT_TRUE(client->listPins()->empty());

    ASSERT_OK(client->addPin({"tls", "a.lan", KeyFormat::X509Chain, self.der}));
    ASSERT_OK(client->addPin({"tls", "a.lan:8443", KeyFormat::X509Chain, self.der}));
    auto forgotten = client->forgetPins({std::string("a.lan"), std::nullopt});
    ASSERT_OK(forgotten);
    EXPECT_EQ(*forgotten, 2u);
    ASSERT_OK(client->addPin({"tls", "b.lan", KeyFormat::X509Chain, self.der}));
    auto aged = client->forgetPins({std::nullopt, std::int64_t{4000000000}});
    ASSERT_OK(aged);
    EXPECT_EQ(*aged, 1u);
}

// AddPin's origin travels in its options; a pin already there keeps the origin it had; an
// unknown origin or option is InvalidInput and stores nothing.
TEST_F(DbusApiTest, APinKeepsTheOriginItWasAddedWith) {
    Issued first = selfSigned(serverSpec("nas.lan"));
    Issued second = selfSigned(serverSpec("nas.lan"));
    PinAddRequest tofu{"tls", "nas.lan", KeyFormat::X509Chain, first.der};
    tofu.origin = PinOrigin::Tofu;
    ASSERT_OK(client->addPin(tofu));
    PinAddRequest imported{"tls", "nas.lan", KeyFormat::X509Chain, second.der};
    imported.origin = PinOrigin::Imported;
    ASSERT_OK(client->addPin(imported));
    PinAddRequest again = tofu;
    again.origin = PinOrigin::Manual;
    auto repeated = client->addPin(again);
    ASSERT_OK(repeated);
    EXPECT_FALSE(repeated->created);
    auto pins = client->listPins();
    ASSERT_OK(pins);
    std::map<std::string, PinOrigin> origins;
    for (const PinInfo& pin : *pins) {
        origins[pin.spkiSha256] = pin.origin;
    }
    ASSERT_EQ(origins.size(), 2u);
    EXPECT_EQ(origins[first.spkiSha256Hex()], PinOrigin::Tofu);
    EXPECT_EQ(origins[second.spkiSha256Hex()], PinOrigin::Imported);

    // Straight on the bus, as any D-Bus client may call it.
    auto connection = sdbus::createSessionBusConnection();
    auto proxy = sdbus::createProxy(*connection, "org.peertrust.Trust1", "/org/peertrust/Trust1");
    proxy->finishRegistration();
    Issued third = selfSigned(serverSpec("nas.lan"));
    auto addRaw = [&](std::map<std::string, sdbus::Variant> options) -> std::string {
        try {
            std::string id;
            bool created = false;
            proxy->callMethod("AddPin")
                .onInterface("org.peertrust.Trust1")
                .withArguments("tls", "nas.lan", "x509-chain", pemChain({&third}), false, options)
                .storeResultsTo(id, created);
            return "added";
        } catch (const sdbus::Error& e) {
            return e.getName() + ": " + e.getMessage();
        }
    };
    std::string badOrigin = addRaw({{"origin", sdbus::Variant(std::string("friend"))}});
    EXPECT_EQ(badOrigin.rfind("org.peertrust.Error.InvalidInput", 0), 0u) << badOrigin;
    EXPECT_NE(badOrigin.find("unknown pin origin \"friend\""), std::string::npos) << badOrigin;
    std::string badKey = addRaw({{"colour", sdbus::Variant(std::string("blue"))}});
    EXPECT_EQ(badKey.rfind("org.peertrust.Error.InvalidInput", 0), 0u) << badKey;
    std::string badType = addRaw({{"origin", sdbus::Variant(true)}});
    EXPECT_EQ(badType.rfind("org.peertrust.Error.InvalidInput", 0), 0u) << badType;
    auto afterRefusals = client->listPins();
    ASSERT_OK(afterRefusals);
    EXPECT_EQ(afterRefusals->size(), 2u) << "a refused AddPin stored a pin";
    EXPECT_EQ(addRaw({}), "added") << "no origin given is manual, not an error";
    pins = client->listPins();
    ASSERT_OK(pins);
    ASSERT_EQ(pins->size(), 3u);
    for (const PinInfo& pin : *pins) {
        if (pin.spkiSha256 == third.spkiSha256Hex()) {
            EXPECT_EQ(pin.origin, PinOrigin::Manual);
        }
    }
}

TEST_F(DbusApiTest, AnchorsScopeListRemoveImport) {
    AnchorScope brOnly;
    brOnly.protocols = {"tls"};
    brOnly.permitted = {{NameSubtree::Type::Dns, "br"}};
    auto added = client->addAnchor({root.der, brOnly, ""});
    ASSERT_OK(added);
    auto anchors = client->listAnchors();
    ASSERT_OK(anchors);
    ASSERT_EQ(anchors->size(), 1u);
    const AnchorInfo& anchor = anchors->front();
    EXPECT_EQ(anchor.label, "Api Root");
    EXPECT_EQ(anchor.scope.protocols, std::vector<std::string>{"tls"});
    ASSERT_EQ(anchor.scope.permitted.size(), 1u);
    EXPECT_EQ(anchor.scope.permitted[0].value, "br");
    EXPECT_EQ(anchor.exports.gnutls.level, ExportLevel::AnchorWithNameConstraints);
    EXPECT_EQ(anchor.exports.nss.level, ExportLevel::MustVerify);
    EXPECT_EQ(verifyLeaf("www.example.com")->reason, "out-of-scope");

    ASSERT_OK(client->setAnchorScope(added->id, {}));
    EXPECT_EQ(verifyLeaf("www.example.com")->reason, "anchor");
    ASSERT_OK(client->removeAnchor(added->id));
    EXPECT_EQ(verifyLeaf("www.example.com")->reason, "untrusted-issuer");

    Bytes bundle = readFile("/etc/ssl/certs/ca-certificates.crt");
    auto imported = client->importSystemAnchors(bundle);
    ASSERT_OK(imported);
    EXPECT_GT(imported->imported, 100u);
    EXPECT_EQ(client->listAnchors()->size(), imported->imported);
}

TEST_F(DbusApiTest, DistrustAddListRemove) {
    ASSERT_OK(client->addAnchor({root.der, {}, ""}));
    auto distrust = client->addDistrust({DistrustKind::Certificate, root.der, "compromised"});
    ASSERT_OK(distrust);
    EXPECT_EQ(verifyLeaf("www.example.com")->reason, "distrusted");
    auto entries = client->listDistrust();
    ASSERT_OK(entries);
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ(entries->front().label, "compromised");
    EXPECT_EQ(entries->front().kind, DistrustKind::Certificate);
    ASSERT_OK(client->removeDistrust(distrust->id));
    EXPECT_EQ(verifyLeaf("www.example.com")->reason, "anchor");
    auto key = client->addDistrust({DistrustKind::Spki, bytesOf(leaf.spkiDerPem), ""});
    ASSERT_OK(key);
    EXPECT_EQ(verifyLeaf("www.example.com")->reason, "distrusted");
}

// A client that subscribes again gets the new handler only, and the old subscription's
// connection is gone with it (under ASan, a use after free would show here).
TEST_F(DbusApiTest, SubscribingAgainReplacesTheHandler) {
    auto watcher = Client::connect(Bus::Session);
    ASSERT_OK(watcher);
    std::mutex mutex;
    std::condition_variable arrived;
    int first = 0, second = 0;
    auto counting = [&](int& count) {
        return [&](const std::string&, const std::string&) {
            std::lock_guard lock(mutex);
            ++count;
            arrived.notify_all();
        };
    };
    ASSERT_OK((*watcher)->subscribe(counting(first)));
    ASSERT_OK((*watcher)->subscribe(counting(second)));
    ASSERT_OK(client->addAnchor({root.der, {}, "Api Root"}));
    std::unique_lock lock(mutex);
    arrived.wait_for(lock, std::chrono::seconds(10), [&] { return second > 0; });
    EXPECT_EQ(second, 1);
    EXPECT_EQ(first, 0) << "the replaced handler still hears changes";
}

// The handler runs on the thread subscribe() would stop: from there it is refused, not a
// crash; a handler that throws keeps its subscription.
TEST_F(DbusApiTest, AHandlerCannotSubscribeAgainAndMayThrow) {
    auto watcher = Client::connect(Bus::Session);
    ASSERT_OK(watcher);
    Client& watching = **watcher;
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<Result<void>> resubscribed;
    int calls = 0;
    ASSERT_OK(watching.subscribe([&](const std::string&, const std::string&) {
        Result<void> again = watching.subscribe([](const std::string&, const std::string&) {});
        {
            std::lock_guard lock(mutex);
            resubscribed.push_back(again);
            ++calls;
        }
        arrived.notify_all();
        throw std::runtime_error("a handler's own failure");
    }));
    Issued other = selfSigned(caSpec("Other Root"));
    ASSERT_OK(client->addAnchor({root.der, {}, ""}));
    ASSERT_OK(client->addAnchor({other.der, {}, ""}));
    std::unique_lock lock(mutex);
    arrived.wait_for(lock, std::chrono::seconds(10), [&] { return calls >= 2; });
    ASSERT_EQ(calls, 2) << "the handler that threw lost its subscription";
    for (const Result<void>& again : resubscribed) {
        ASSERT_FALSE(again.ok());
        EXPECT_EQ(again.error().category(), ErrorCategory::Usage);
        EXPECT_NE(again.error().message().find("from the change handler"), std::string::npos);
    }
}

TEST_F(DbusApiTest, CrlsAddListRemoveWithErrorsAndChangedSignal) {
    ChangeLog changes;
    ASSERT_OK(changes.subscribe());
    // No anchor signed it yet: InvalidInput, nothing stored.
    const UnixTime now = static_cast<UnixTime>(std::time(nullptr));
    CrlSpec spec;
    spec.revoked = {{&leaf, now - 7200}};
    spec.thisUpdate = now - 3600;
    spec.nextUpdate = now + 86400;
    spec.number = 2;
    Bytes crl = makeCrl(root, spec);
    auto early = client->addCrl({crl});
    ASSERT_FALSE(early.ok());
    EXPECT_EQ(early.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(early.error().message().find("no anchor is the CRL's issuer"), std::string::npos)
        << early.error().message();

    ASSERT_OK(client->addAnchor({root.der, {}, "Api Root"}));
    auto added = client->addCrl({crl});  // DER here, PEM on the wire
    ASSERT_OK(added);
    EXPECT_TRUE(added->created);
    EXPECT_EQ(verifyLeaf("www.example.com")->reason, "revoked");
    auto again = client->addCrl({bytesOf(makeCrlPem(root, spec))});
    ASSERT_FALSE(again.ok());  // re-signed: another CRL, and not newer
    EXPECT_EQ(again.error().category(), ErrorCategory::Conflict);
    auto same = client->addCrl({crl});
    ASSERT_OK(same);
    EXPECT_FALSE(same->created);
    EXPECT_EQ(same->id, added->id);

    auto listed = client->listCrls();
    ASSERT_OK(listed);
    ASSERT_EQ(listed->size(), 1u);
    const CrlInfo& info = listed->front();
    EXPECT_EQ(info.id, added->id);
    EXPECT_EQ(info.issuer, "CN=Api Root");
    EXPECT_EQ(info.layer, StoreLayer::User);
    EXPECT_EQ(info.thisUpdate, spec.thisUpdate);
    EXPECT_EQ(info.nextUpdate, spec.nextUpdate);
    EXPECT_EQ(info.crlNumber, "2");
    EXPECT_EQ(info.entries, 1u);
    EXPECT_FALSE(info.stale);

    CrlSpec older = spec;
    older.number = 1;
    auto conflict = client->addCrl({makeCrl(root, older)});
    ASSERT_FALSE(conflict.ok());
    EXPECT_EQ(conflict.error().category(), ErrorCategory::Conflict);
    EXPECT_NE(conflict.error().message().find(added->id), std::string::npos);
    EXPECT_EQ(added->replacedId, "");
    // A newer list of the same issuer replaces it, says which, and signals both.
    CrlSpec newer = spec;
    newer.number = 3;
    auto replacing = client->addCrl({makeCrl(root, newer)});
    ASSERT_OK(replacing);
    EXPECT_TRUE(replacing->created);
    EXPECT_EQ(replacing->replacedId, added->id);
    ASSERT_EQ(client->listCrls()->size(), 1u);
    EXPECT_EQ(client->listCrls()->front().id, replacing->id);
    auto garbage =
        client->addCrl({bytesOf("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")});
    ASSERT_FALSE(garbage.ok());
    EXPECT_EQ(garbage.error().category(), ErrorCategory::InvalidInput);
    auto badIssuer = client->addCrl({crl, bytesOf("not a certificate")});
    ASSERT_FALSE(badIssuer.ok());
    EXPECT_EQ(badIssuer.error().category(), ErrorCategory::InvalidInput);

    ASSERT_OK(client->removeCrl(replacing->id.substr(0, 5)));
    EXPECT_EQ(verifyLeaf("www.example.com")->reason, "anchor");
    auto gone = client->removeCrl(replacing->id);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().category(), ErrorCategory::NotFound);
    EXPECT_TRUE(client->listCrls()->empty());

    auto seen = changes.waitFor(5);
    ASSERT_EQ(seen.size(), 5u);
    EXPECT_EQ(seen[0].first, "anchor");
    EXPECT_EQ(seen[1], (Change{"crl", added->id}));
    EXPECT_EQ(seen[2], (Change{"crl", added->id}));  // the replaced list
    EXPECT_EQ(seen[3], (Change{"crl", replacing->id}));
    EXPECT_EQ(seen[4], (Change{"crl", replacing->id}));  // the whole id, not the prefix used
}

TEST_F(DbusApiTest, ProtocolsListAndAdd) {
    auto protocols = client->listProtocols();
    ASSERT_OK(protocols);
    EXPECT_EQ(protocols->size(), 11u);
    auto added = client->addProtocol({"irc", "tls", ProtocolPolicy::Tofu});
    ASSERT_OK(added);
    EXPECT_TRUE(added->created);
    EXPECT_EQ(client->listProtocols()->size(), 12u);
}

TEST_F(DbusApiTest, EveryErrorNameWithAMessage) {
    auto expectError = [](const Error& error, ErrorCategory category, const char* fragment) {
        EXPECT_EQ(error.category(), category) << error.message();
        EXPECT_NE(error.message().find(fragment), std::string::npos) << error.message();
    };
    // InvalidInput: malformed key, peer, protocol.
    expectError(client
                    ->verify({"https", "x.example", KeyFormat::X509Chain, bytesOf("garbage"),
                              std::nullopt, false})
                    .error(),
                ErrorCategory::InvalidInput, "neither PEM nor complete DER");
    expectError(
        client->verify({"https", "bad..peer", KeyFormat::X509Chain, leaf.der, std::nullopt, false})
            .error(),
        ErrorCategory::InvalidInput, "malformed peer name");
    expectError(
        client->verify({"gopher", "x.example", KeyFormat::X509Chain, leaf.der, std::nullopt, false})
            .error(),
        ErrorCategory::InvalidInput, "unknown protocol");
    // NotFound.
    expectError(client->removePin("0123456789abcdef").error(), ErrorCategory::NotFound,
                "no pin with id");
    // Conflict: an existing anchor with another scope.
    ASSERT_OK(client->addAnchor({root.der, {}, ""}));
    AnchorScope smtp;
    smtp.protocols = {"smtp"};
    expectError(client->addAnchor({root.der, smtp, ""}).error(), ErrorCategory::Conflict,
                "already exists with another scope");
    // Unavailable: the store is held by another writer for longer than the daemon waits.
    sqlite3* holder = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "user.db").c_str(), &holder), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    auto busy = client->addPin({"tls", "busy.lan", KeyFormat::X509Chain, leaf.der});
    sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(holder);
    ASSERT_FALSE(busy.ok());
    expectError(busy.error(), ErrorCategory::Unavailable, "locked");
}

// A NUL byte in a text argument would cut it short on the wire (sdbus-c++ sends c_str()):
// "www.example.com\0.evil" would be checked as www.example.com. Each is refused before sending.
TEST_F(DbusApiTest, ATextWithANulByteIsRefusedNotCutShort) {
    ASSERT_OK(client->addAnchor({root.der, {}, "Api Root"}));
    const std::string cut("www.example.com\0.evil.example", 30);
    auto verdict = verifyLeaf(cut);
    ASSERT_FALSE(verdict.ok()) << "verified as " << verdict->reason;
    EXPECT_EQ(verdict.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(verdict.error().message().find("the peer holds a NUL byte (offset 15)"),
              std::string::npos)
        << verdict.error().message();
    auto pin = client->addPin({"tls", cut, KeyFormat::X509Chain, leaf.der});
    ASSERT_FALSE(pin.ok());
    EXPECT_EQ(pin.error().category(), ErrorCategory::InvalidInput);

    Issued other = selfSigned(caSpec("Other Root"));
    AnchorScope scope;
    scope.excluded = {{NameSubtree::Type::Dns, std::string("bank.example\0.org", 17)}};
    auto anchor = client->addAnchor({other.der, scope, ""});
    ASSERT_FALSE(anchor.ok());
    EXPECT_EQ(anchor.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(anchor.error().message().find("a name of the scope"), std::string::npos);

    auto anchors = client->listAnchors();
    ASSERT_OK(anchors);
    ASSERT_EQ(anchors->size(), 1u);
    auto removed = client->removeAnchor(anchors->front().id.substr(0, 8) + std::string(1, '\0'));
    ASSERT_FALSE(removed.ok());
    EXPECT_EQ(removed.error().category(), ErrorCategory::InvalidInput);
    EXPECT_EQ(client->listAnchors()->size(), 1u);
}

// KnownKey::key is DER for certificates and keys, over D-Bus as in the engine.
TEST_F(DbusApiTest, PinnedKeysAreTheBytesThatWerePinned) {
    Issued self = selfSigned(serverSpec("nas.lan"));
    ASSERT_OK(client->addPin({"tls", "nas.lan", KeyFormat::X509Chain, self.der}));
    const std::string ssh = openSshLine(generateKey(KeyType::Ed25519).get());
    ASSERT_OK(client->addPin({"ssh", "nas.lan", KeyFormat::OpenSsh, bytesOf(ssh)}));
    auto tls = client->pinnedKeys("tls", "nas.lan");
    ASSERT_OK(tls);
    ASSERT_EQ(tls->size(), 1u);
    EXPECT_EQ(tls->front().keyFormat, KeyFormat::X509Chain);
    EXPECT_EQ(tls->front().key, self.der);
    auto viaSsh = client->pinnedKeys("ssh", "nas.lan");
    ASSERT_OK(viaSsh);
    ASSERT_EQ(viaSsh->size(), 1u);
    EXPECT_EQ(viaSsh->front().keyFormat, KeyFormat::OpenSsh);
    const std::string stored(viaSsh->front().key.begin(), viaSsh->front().key.end());
    EXPECT_EQ(stored, ssh.substr(0, ssh.find(' ', ssh.find(' ') + 1)));  // without a comment
}

TEST_F(DbusApiTest, ChangedSignalReachesASubscriber) {
    ChangeLog changes;
    ASSERT_OK(changes.subscribe());
    auto added = client->addAnchor({root.der, {}, ""});
    ASSERT_OK(added);
    Issued self = selfSigned(serverSpec("nas.lan"));
    auto pin = client->addPin({"tls", "nas.lan", KeyFormat::X509Chain, self.der});
    ASSERT_OK(pin);
    auto seen = changes.waitFor(2);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0], (Change{"anchor", added->id}));
    EXPECT_EQ(seen[1], (Change{"pin", pin->id}));
}

// A caller may name an item by a prefix of its id; the signal names it by the whole id, the
// one listings show, so that a subscriber can find what changed.
TEST_F(DbusApiTest, ChangedSignalsCarryWholeIdsWhateverPrefixTheCallerUsed) {
    auto anchor = client->addAnchor({root.der, {}, ""});
    ASSERT_OK(anchor);
    Issued self = selfSigned(serverSpec("nas.lan"));
    auto pin = client->addPin({"tls", "nas.lan", KeyFormat::X509Chain, self.der});
    ASSERT_OK(pin);
    ChangeLog changes;
    ASSERT_OK(changes.subscribe());
    AnchorScope scope;
    scope.protocols = {"tls"};
    ASSERT_OK(client->setAnchorScope(anchor->id.substr(0, 6), scope));
    ASSERT_OK(client->removePin(pin->id.substr(0, 5)));
    ASSERT_OK(client->removeAnchor(anchor->id.substr(0, 4)));
    auto seen = changes.waitFor(3);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], (Change{"anchor", anchor->id}));
    EXPECT_EQ(seen[1], (Change{"pin", pin->id}));
    EXPECT_EQ(seen[2], (Change{"anchor", anchor->id}));
    // A prefix that names nothing is still NotFound, and signals nothing.
    auto none = client->removePin("ffff");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().category(), ErrorCategory::NotFound);
}

// The bus's match rules for Changed, over all connections (dbus-daemon's Debug.Stats).
std::size_t changedMatchRules() {
    auto bus = sdbus::createSessionBusConnection();
    auto dbus = sdbus::createProxy(*bus, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    std::map<std::string, std::vector<std::string>> rules;
    dbus->callMethod("GetAllMatchRules")
        .onInterface("org.freedesktop.DBus.Debug.Stats")
        .storeResultsTo(rules);
    std::size_t count = 0;
    for (const auto& [connection, theirs] : rules) {
        for (const std::string& rule : theirs) {
            count += rule.find("member='Changed'") != std::string::npos ? 1 : 0;
        }
    }
    return count;
}

TEST_F(DbusApiTest, OnlyASubscriberIsSentChangedSignals) {
    // The fixture's client only calls: the bus must not queue signals on its connection.
    ASSERT_OK(client->listPins());
    EXPECT_EQ(changedMatchRules(), 0u);
    ChangeLog changes;
    ASSERT_OK(changes.subscribe());
    EXPECT_EQ(changedMatchRules(), 1u);
    ASSERT_OK(client->addAnchor({root.der, {}, ""}));
    EXPECT_EQ(changes.waitFor(1).size(), 1u);
}

// Writes the daemon did not make: the administrator's (the system store below this session
// daemon) and another program's in the user's own store (the trust module inside gcr).
class ChangesByOthersOverDbusTest : public SessionDaemonTest {
protected:
    void SetUp() override {
        admin = openEngine({dir / "system.db", true, std::nullopt});  // there before the daemon
        startDaemon();
    }

    static std::unique_ptr<policy::PolicyEngine> openEngine(const store::StoreConfig& config) {
        auto store = store::TrustStore::open(config);
        EXPECT_TRUE(store.ok());
        auto engine = policy::PolicyEngine::create(std::move(store).value());
        EXPECT_TRUE(engine.ok());
        return std::move(engine).value();
    }

    std::unique_ptr<policy::PolicyEngine> admin;
};

TEST_F(ChangesByOthersOverDbusTest, AnotherProgramsWritesAreSignalledAsStoreOnce) {
    ChangeLog changes;
    ASSERT_OK(changes.subscribe());
    Issued own = selfSigned(caSpec("Own Root"));
    auto added = client->addAnchor({own.der, {}, ""});
    ASSERT_OK(added);
    ASSERT_EQ(changes.waitFor(1).size(), 1u);
    // Time for a wrong "store" signal of the daemon's own write to arrive (the watch settles
    // for 50 ms before it asks).
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(changes.waitFor(1), (std::vector<Change>{{"anchor", added->id}}));

    Issued machineRoot = selfSigned(caSpec("Machine Root"));
    ASSERT_OK(admin->addAnchor({machineRoot.der, {}, "Machine Root"}));
    auto seen = changes.waitFor(2);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[1], (Change{"store", ""}));
    Issued leaf = issue(serverSpec("www.example.com"), machineRoot);
    auto verdict = client->verify({"https", "www.example.com", KeyFormat::X509Chain,
                                   concat({&leaf, &machineRoot}), std::nullopt, false});
    ASSERT_OK(verdict);
    EXPECT_EQ(verdict->reason, "anchor");

    auto program = openEngine({dir / "system.db", false, dir / "user.db"});
    Issued self = selfSigned(serverSpec("nas.lan"));
    ASSERT_OK(program->addPin({"tls", "nas.lan", KeyFormat::X509Chain, self.der}));
    seen = changes.waitFor(3);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[2], (Change{"store", ""}));
    program.reset();  // its last commits (statistics, checkpoint) change nothing more
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(changes.waitFor(3).size(), 3u) << "one change, one signal";
}

TEST_F(DbusApiTest, DaemonStopsCleanlyOnSigterm) {
    ASSERT_OK(client->addAnchor({root.der, {}, ""}));
    EXPECT_EQ(daemon->process().terminate(), 0);
    auto gone = client->listAnchors();
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().category(), ErrorCategory::Unavailable);
}

// Something else owns the name (an older peertrustd after an upgrade, say): it answers, so the
// message must not say that no daemon does.
TEST(DbusErrorsTest, AnOwnerThatDoesNotKnowTheCallIsNamedAsSuch) {
    TempDir dir;
    TestBus bus(BusKind::Session, dir.path());
    bus.exportAddress();
    auto impostor = sdbus::createSessionBusConnection("org.peertrust.Trust1");
    impostor->enterEventLoopAsync();
    auto client = Client::connect(Bus::Session);
    ASSERT_OK(client);
    auto pins = (*client)->listPins();
    ASSERT_FALSE(pins.ok());
    EXPECT_EQ(pins.error().category(), ErrorCategory::Unavailable);
    EXPECT_NE(pins.error().message().find("does not know this call"), std::string::npos)
        << pins.error().message();
    EXPECT_EQ(pins.error().message().find("no peertrust daemon answers"), std::string::npos);
    impostor->leaveEventLoop();
}

}  // namespace
}  // namespace peertrust::testing
