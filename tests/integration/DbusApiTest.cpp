// Every method of org.peertrust.Trust1, its error names and the Changed signal, against a
// real peertrustd on a private dbus-daemon, through libpeertrust.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include <sqlite3.h>

#include "peertrust/Client.h"
#include "policy/ProtocolRegistry.h"
#include "support/CertFactory.h"
#include "support/OcspFactory.h"
#include "support/SessionDaemonTest.h"
#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {
namespace {

#define ASSERT_OK(result)                                                     \
    do {                                                                      \
        const auto& assertOkResult = (result);                                \
        ASSERT_TRUE(assertOkResult.ok()) << assertOkResult.error().message(); \
    } while (false)

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

TEST_F(DbusApiTest, ChangedSignalReachesASubscriber) {
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<std::pair<std::string, std::string>> changes;
    auto watcher = Client::connect(Bus::Session);
    ASSERT_OK(watcher);
    ASSERT_OK((*watcher)->subscribe([&](const std::string& kind, const std::string& id) {
        std::lock_guard lock(mutex);
        changes.emplace_back(kind, id);
        arrived.notify_all();
    }));
    auto added = client->addAnchor({root.der, {}, ""});
    ASSERT_OK(added);
    Issued self = selfSigned(serverSpec("nas.lan"));
    auto pin = client->addPin({"tls", "nas.lan", KeyFormat::X509Chain, self.der});
    ASSERT_OK(pin);
    std::unique_lock lock(mutex);
    ASSERT_TRUE(
        arrived.wait_for(lock, std::chrono::seconds(10), [&] { return changes.size() >= 2; }));
    EXPECT_EQ(changes[0], (std::pair<std::string, std::string>{"anchor", added->id}));
    EXPECT_EQ(changes[1], (std::pair<std::string, std::string>{"pin", pin->id}));
}

TEST_F(DbusApiTest, DaemonStopsCleanlyOnSigterm) {
    ASSERT_OK(client->addAnchor({root.der, {}, ""}));
    EXPECT_EQ(daemon->process().terminate(), 0);
    auto gone = client->listAnchors();
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().category(), ErrorCategory::Unavailable);
}

}  // namespace
}  // namespace peertrust::testing
