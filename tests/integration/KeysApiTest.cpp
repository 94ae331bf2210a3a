// Every method of org.peertrust.Keys1 and its errors, through libpeertrust's KeysClient,
// against a real peertrustd on a private dbus-daemon whose key layer runs a real SoftHSM2
// token in the test's directory; and the same interface on a daemon without a key layer.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "peertrust/Client.h"
#include "peertrust/KeysClient.h"
#include "support/CertFactory.h"
#include "support/ContextSwitches.h"
#include "support/ResultAssertions.h"
#include "support/SessionDaemonTest.h"

namespace peertrust::testing {
namespace {

void expectError(const Error& error, ErrorCategory category, const std::string& fragment) {
    EXPECT_EQ(error.category(), category) << error.message();
    EXPECT_NE(error.message().find(fragment), std::string::npos) << error.message();
}

class KeysApiTest : public SessionDaemonTest {
protected:
    void SetUp() override {
        startDaemon(
            {"--keys-socket", (dir / "keys.sock").string(), "--keys-dir", (dir / "keys").string()});
        auto connected = KeysClient::connect(Bus::Session);
        ASSERT_OK(connected);
        keys = std::move(connected).value();
    }

    KeyInfo create(const KeySpec& spec) {
        auto key = keys->create(spec);
        EXPECT_TRUE(key.ok()) << key.error().message();
        return key.ok() ? *key : KeyInfo{};
    }

    std::unique_ptr<KeysClient> keys;
};

TEST_F(KeysApiTest, CreateAnswersTheRecordThatListShows) {
    KeyInfo ec = create({"ec-p256", "sign", "web-ec", "web"});
    EXPECT_EQ(ec.id.size(), 16u);
    EXPECT_EQ(ec.id.find_first_not_of("0123456789abcdef"), std::string::npos) << ec.id;
    EXPECT_EQ(ec.label, "web-ec");
    EXPECT_EQ(ec.set, "web");
    EXPECT_EQ(ec.type, "ec-p256");
    EXPECT_EQ(ec.use, "sign");
    EXPECT_EQ(ec.uri.rfind("pkcs11:", 0), 0u) << ec.uri;
    EXPECT_NE(ec.uri.find(";token=web;"), std::string::npos) << ec.uri;
    EXPECT_NE(ec.uri.find("object=web-ec"), std::string::npos) << ec.uri;
    EXPECT_EQ(ec.publicKeyPem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u) << ec.publicKeyPem;
    EXPECT_FALSE(ec.certificate);
    EXPECT_GT(ec.created, 1700000000);
    EXPECT_TRUE(ec.grants.empty());

    // No set: a set of its own, named as the label.
    KeyInfo rsa = create({"rsa-2048", "decrypt", "mail-rsa", ""});
    EXPECT_EQ(rsa.set, "mail-rsa");
    EXPECT_EQ(rsa.use, "decrypt");

    auto listed = keys->list();
    ASSERT_OK(listed);
    ASSERT_EQ(listed->size(), 2u);
    for (const KeyInfo& key : *listed) {
        const KeyInfo& created = key.id == ec.id ? ec : rsa;
        EXPECT_EQ(key.id, created.id);
        EXPECT_EQ(key.uri, created.uri);
        EXPECT_EQ(key.publicKeyPem, created.publicKeyPem);
        EXPECT_EQ(key.type, created.type);
    }
}

TEST_F(KeysApiTest, GrantsShowInTheListingUntilRevoked) {
    KeyInfo key = create({"ec-p384", "sign", "api-key", "api"});
    ASSERT_OK(keys->grant("api", 1234, UnixTime{2100000000}));
    ASSERT_OK(keys->grant(key.id.substr(0, 6), 0, std::nullopt));  // a unique id prefix
    auto listed = keys->list();
    ASSERT_OK(listed);
    ASSERT_EQ(listed->size(), 1u);
    const auto& grants = listed->front().grants;
    ASSERT_EQ(grants.size(), 2u);
    bool sawSet = false, sawKey = false;
    for (const KeyGrantInfo& grant : grants) {
        if (grant.kind == "set") {
            sawSet = true;
            EXPECT_EQ(grant.subject, "api");
            EXPECT_EQ(grant.uid, 1234u);
            EXPECT_EQ(grant.until, UnixTime{2100000000});
        } else {
            sawKey = true;
            EXPECT_EQ(grant.kind, "key");
            EXPECT_EQ(grant.subject, key.id);
            EXPECT_EQ(grant.uid, 0u);
            EXPECT_FALSE(grant.until);
        }
    }
    EXPECT_TRUE(sawSet && sawKey);

    // Granting again replaces the end.
    ASSERT_OK(keys->grant("api", 1234, std::nullopt));
    ASSERT_OK(keys->revoke("api-key", 0));  // by label
    listed = keys->list();
    ASSERT_OK(listed);
    ASSERT_EQ(listed->front().grants.size(), 1u);
    EXPECT_FALSE(listed->front().grants.front().until);
    expectError(keys->revoke("api-key", 0).error(), ErrorCategory::NotFound, "has no grant");
}

TEST_F(KeysApiTest, ImportCertificateAttachesOnlyTheKeysOwnCertificate) {
    KeyInfo key = create({"ec-p256", "sign", "client", ""});
    Issued ca = selfSigned(caSpec("Keys Root"));
    Issued mine = issueFor(serverSpec("client.example"), key.publicKeyPem, ca);
    Issued other = issue(serverSpec("other.example"), ca);

    expectError(keys->importCertificate("client", other.der).error(), ErrorCategory::InvalidInput,
                "for another key");
    expectError(keys->importCertificate("client", bytesOf("not a certificate")).error(),
                ErrorCategory::InvalidInput, "");
    ASSERT_OK(keys->importCertificate("client", mine.der));  // DER travels as PEM
    auto listed = keys->list();
    ASSERT_OK(listed);
    ASSERT_TRUE(listed->front().certificate);
    EXPECT_EQ(*listed->front().certificate, mine.pem);
}

TEST_F(KeysApiTest, DisposeDestroysTheKey) {
    KeyInfo key = create({"ec-p256", "sign", "short-lived", ""});
    ASSERT_OK(keys->grant("short-lived", 0, std::nullopt));
    ASSERT_OK(keys->dispose(key.id));
    EXPECT_TRUE(keys->list()->empty());
    expectError(keys->dispose(key.id).error(), ErrorCategory::NotFound, "");
    // The label is free again, for a new key with another id.
    KeyInfo again = create({"ec-p256", "sign", "short-lived", ""});
    EXPECT_NE(again.id, key.id);
}

// D-Bus strings end at a NUL: sent as it is, "<prefix>\0..." would name whichever key the
// prefix names.
TEST_F(KeysApiTest, AnIdWithANulByteIsRefusedNotCutShort) {
    KeyInfo key = create({"ec-p256", "sign", "kept", ""});
    const std::string cut = key.id.substr(0, 6) + std::string(1, '\0') + "other";
    expectError(keys->dispose(cut).error(), ErrorCategory::InvalidInput,
                "the key id holds a NUL byte (offset 6)");
    expectError(keys->revoke(cut, 0).error(), ErrorCategory::InvalidInput, "NUL byte");
    expectError(keys->grant(cut, 0, std::nullopt).error(), ErrorCategory::InvalidInput, "NUL byte");
    expectError(keys->create({"ec-p256", "sign", std::string("a\0b", 3), ""}).error(),
                ErrorCategory::InvalidInput, "the label holds a NUL byte");
    auto listed = keys->list();
    ASSERT_OK(listed);
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->front().id, key.id);
    EXPECT_TRUE(listed->front().grants.empty());
}

TEST_F(KeysApiTest, AuditIsEmptyBeforeAnyUse) {
    // Uses through the gateway and their rows: KeysCliTest's end-to-end test.
    create({"ec-p256", "sign", "unused", ""});
    auto rows = keys->audit(0);
    ASSERT_OK(rows);
    EXPECT_TRUE(rows->empty());
}

// The key layer's threads (the socket's acceptor, the audit writer) sleep until a program
// connects or a use is to be written: a daemon with --keys does not wake when idle either.
TEST_F(KeysApiTest, AnIdleKeyLayerDoesNotWake) {
    create({"ec-p256", "sign", "idle", "idle-set"});
    std::this_thread::sleep_for(std::chrono::milliseconds(2600));  // the last timed rounds
    const pid_t pid = daemon->process().pid();
    const std::uint64_t before = contextSwitches(pid);
    std::this_thread::sleep_for(std::chrono::seconds(3));
    EXPECT_EQ(contextSwitches(pid), before) << "an idle peertrustd --keys woke up";
    auto listed = keys->list();  // and it still answers
    ASSERT_OK(listed);
    EXPECT_EQ(listed->size(), 1u);
}

TEST_F(KeysApiTest, EveryErrorNameWithAMessage) {
    expectError(keys->create({"ed25519", "sign", "x", ""}).error(), ErrorCategory::InvalidInput,
                "unknown key type");
    expectError(keys->create({"ec-p256", "wrap", "x", ""}).error(), ErrorCategory::InvalidInput,
                "unknown key use");
    expectError(keys->create({"ec-p256", "sign", "has space", ""}).error(),
                ErrorCategory::InvalidInput, "a key label is");
    expectError(keys->create({"ec-p256", "sign", std::string(33, 'a'), ""}).error(),
                ErrorCategory::InvalidInput, "a key label is");
    create({"ec-p256", "sign", "taken", ""});
    expectError(keys->create({"ec-p256", "sign", "taken", ""}).error(), ErrorCategory::Conflict,
                "exists already");
    expectError(keys->grant("nothing-here", 1000, std::nullopt).error(), ErrorCategory::NotFound,
                "no key or set named");
    expectError(keys->revoke("nothing-here", 1000).error(), ErrorCategory::NotFound,
                "no key or set named");
    expectError(keys->dispose("nothing-here").error(), ErrorCategory::NotFound, "");
    Issued certificate = selfSigned(serverSpec("x.example"));
    expectError(keys->importCertificate("nothing-here", certificate.der).error(),
                ErrorCategory::NotFound, "");
    expectError(keys->grant("taken", 1000, UnixTime{-5}).error(), ErrorCategory::InvalidInput,
                "after 1970");
}

// The same daemon without --keys-socket: Keys1 is there and says how to start the key layer;
// Trust1 is unaffected.
class KeysUnavailableTest : public SessionDaemonTest {};

TEST_F(KeysUnavailableTest, EveryMethodAnswersUnavailableWithTheOptionToStartIt) {
    startDaemon();
    auto connected = KeysClient::connect(Bus::Session);
    ASSERT_OK(connected);
    KeysClient& keys = **connected;
    std::vector<Error> errors = {
        keys.create({"ec-p256", "sign", "x", ""}).error(),
        keys.importCertificate("x", selfSigned(serverSpec("x.example")).der).error(),
        keys.grant("x", 0, std::nullopt).error(),
        keys.revoke("x", 0).error(),
        keys.dispose("x").error(),
        keys.list().error(),
        keys.audit(0).error(),
    };
    for (const Error& error : errors) {
        expectError(error, ErrorCategory::Unavailable,
                    "the key layer is not running: start peertrustd with --keys-socket");
    }
    EXPECT_TRUE(client->listProtocols().ok());
}

}  // namespace
}  // namespace peertrust::testing
