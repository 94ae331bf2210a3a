// Trust1.VerifyKnown, the conditional repeat of a Verify (two digests instead of the key and
// the verdict), against a real peertrustd: when it holds, when it must not, its errors, and
// libpeertrust's use of it never returning a verdict the daemon would no longer give.
#include <gtest/gtest.h>

#include <sdbus-c++/sdbus-c++.h>

#include "DbusWire.h"
#include "peertrust/Client.h"
#include "support/CertFactory.h"
#include "support/ResultAssertions.h"
#include "support/SessionDaemonTest.h"

namespace peertrust::testing {
namespace {

class VerifyKnownTest : public SessionDaemonTest {
protected:
    void SetUp() override {
        root = selfSigned(caSpec("Known Root"));
        leaf = issue(serverSpec("www.example.com"), root);
        pem = pemChain({&leaf});
    }

    void connectRaw() {
        connection = sdbus::createSessionBusConnection();
        proxy = sdbus::createProxy(*connection, wire::kBusName, wire::kObjectPath);
        proxy->finishRegistration();
    }

    // A full Verify as any D-Bus client makes it; returns the verdict's digest.
    wire::Sha256Digest verifyInFull(const std::string& peer, Verdict* out = nullptr) {
        std::string kind, reasonCode, explanation;
        wire::VerdictDetailsWire details;
        proxy->callMethod("Verify")
            .onInterface(wire::kBusName)
            .withArguments("https", peer, "x509-chain", pem, wire::Dict{})
            .storeResultsTo(kind, reasonCode, explanation, details);
        auto verdict = wire::verdictFromWire(kind, reasonCode, explanation, details);
        EXPECT_TRUE(verdict.ok());
        if (out != nullptr) {
            *out = *verdict;
        }
        return verdictSha256(*verdict);
    }

    bool verifyKnown(const std::string& peer, const std::string& keySha256,
                     const std::string& verdictSha256, wire::Dict options = {}) {
        bool holds = false;
        proxy->callMethod("VerifyKnown")
            .onInterface(wire::kBusName)
            .withArguments("https", peer, "x509-chain", keySha256, options, verdictSha256)
            .storeResultsTo(holds);
        return holds;
    }

    std::string keyDigest() const { return wire::sha256ToWire(wire::keyTextSha256(pem)); }

    Issued root, leaf;
    std::string pem;
    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<sdbus::IProxy> proxy;
};

TEST_F(VerifyKnownTest, HoldsOnlyForTheVerdictTheDaemonWouldGiveNow) {
    startDaemon();
    connectRaw();
    ASSERT_OK(client->addAnchor({root.der, {}, "Known Root"}));

    // Nothing verified yet: nothing can hold, whatever digest is claimed.
    Verdict accepted;
    std::string claimed(64, '0');
    EXPECT_FALSE(verifyKnown("www.example.com", keyDigest(), claimed));

    wire::Sha256Digest acceptedDigest = verifyInFull("www.example.com", &accepted);
    EXPECT_EQ(accepted.reason, "anchor");
    EXPECT_TRUE(verifyKnown("www.example.com", keyDigest(), wire::sha256ToWire(acceptedDigest)));
    // Another verdict's digest, another key, another peer or another time: no.
    EXPECT_FALSE(verifyKnown("www.example.com", keyDigest(), claimed));
    std::string otherKey = wire::sha256ToWire(wire::keyTextSha256(pemChain({&root})));
    EXPECT_FALSE(verifyKnown("www.example.com", otherKey, wire::sha256ToWire(acceptedDigest)));
    EXPECT_FALSE(verifyKnown("mail.example.com", keyDigest(), wire::sha256ToWire(acceptedDigest)));
    EXPECT_FALSE(verifyKnown("www.example.com", keyDigest(), wire::sha256ToWire(acceptedDigest),
                             {{"at", sdbus::Variant(std::int64_t{2100000000})}}));
    // Pinning on first use may write: only a full Verify does that.
    EXPECT_FALSE(verifyKnown("www.example.com", keyDigest(), wire::sha256ToWire(acceptedDigest),
                             {{"pin-on-first-use", sdbus::Variant(true)}}));

    // A change drops the cached verdict: the old one no longer holds, and the new one is
    // only known after a full Verify.
    ASSERT_OK(client->addDistrust({DistrustKind::Certificate, root.der, "test"}));
    EXPECT_FALSE(verifyKnown("www.example.com", keyDigest(), wire::sha256ToWire(acceptedDigest)));
    Verdict rejected;
    wire::Sha256Digest rejectedDigest = verifyInFull("www.example.com", &rejected);
    EXPECT_EQ(rejected.reason, "distrusted");
    EXPECT_TRUE(verifyKnown("www.example.com", keyDigest(), wire::sha256ToWire(rejectedDigest)));
    EXPECT_FALSE(verifyKnown("www.example.com", keyDigest(), wire::sha256ToWire(acceptedDigest)));
}

TEST_F(VerifyKnownTest, MalformedDigestsAreInvalidInput) {
    startDaemon();
    connectRaw();
    for (const std::string& bad :
         {std::string("abc"), std::string(64, 'g'), std::string(65, 'a')}) {
        try {
            verifyKnown("www.example.com", bad, std::string(64, 'a'));
            ADD_FAILURE() << "accepted key_sha256 " << bad;
        } catch (const sdbus::Error& e) {
            EXPECT_EQ(e.getName(), "org.peertrust.Error.InvalidInput");
            EXPECT_NE(e.getMessage().find("key_sha256 must be 64 hexadecimal digits"),
                      std::string::npos)
                << e.getMessage();
        }
        try {
            verifyKnown("www.example.com", std::string(64, 'a'), bad);
            ADD_FAILURE() << "accepted verdict_sha256 " << bad;
        } catch (const sdbus::Error& e) {
            EXPECT_EQ(e.getName(), "org.peertrust.Error.InvalidInput");
        }
    }
    try {
        verifyKnown("www.example.com", std::string(64, 'a'), std::string(64, 'a'),
                    {{"colour", sdbus::Variant(true)}});
        ADD_FAILURE() << "accepted an unknown option";
    } catch (const sdbus::Error& e) {
        EXPECT_EQ(e.getName(), "org.peertrust.Error.InvalidInput");
    }
}

TEST_F(VerifyKnownTest, ADaemonWithoutVerdictCacheSaysUnavailable) {
    startDaemon({"--verdict-cache", "no"});
    connectRaw();
    try {
        verifyKnown("www.example.com", keyDigest(), std::string(64, 'a'));
        ADD_FAILURE() << "answered without a cache";
    } catch (const sdbus::Error& e) {
        EXPECT_EQ(e.getName(), "org.peertrust.Error.Unavailable");
        EXPECT_NE(e.getMessage().find("verdict_cache = no"), std::string::npos);
    }
    // libpeertrust then keeps sending the key, and its answers stay right.
    ASSERT_OK(client->addAnchor({root.der, {}, "Known Root"}));
    VerifyRequest request{"https",  "www.example.com", KeyFormat::X509Chain,
                          leaf.der, std::nullopt,      false};
    for (int i = 0; i < 3; ++i) {
        auto verdict = client->verify(request);
        ASSERT_OK(verdict);
        EXPECT_EQ(verdict->reason, "anchor");
    }
}

// A bus error on a repeat (here: the daemon restarting) is no reason to stop asking
// VerifyKnown; once the daemon is back, repeats go as VerifyKnown again, which the new
// daemon's debug log shows.
TEST_F(VerifyKnownTest, ADaemonRestartDoesNotEndTheClientsRepeats) {
    startDaemon();
    ASSERT_OK(client->addAnchor({root.der, {}, "Known Root"}));
    VerifyRequest request{"https",  "www.example.com", KeyFormat::X509Chain,
                          leaf.der, std::nullopt,      false};
    ASSERT_OK(client->verify(request));
    ASSERT_EQ(daemon->process().terminate(), 0);
    daemon.reset();
    EXPECT_FALSE(client->verify(request).ok()) << "answered with no daemon";

    daemon = std::make_unique<DaemonUnderTest>(
        *bus, BusKind::Session,
        std::vector<std::string>{"--db", (dir / "user.db").string(), "--system-db",
                                 (dir / "system.db").string(), "--log-level", "debug"},
        static_cast<uid_t>(-1), static_cast<gid_t>(-1), dir / "again.err");
    for (int i = 0; i < 3; ++i) {
        auto verdict = client->verify(request);
        ASSERT_OK(verdict);
        EXPECT_EQ(verdict->reason, "anchor");
    }
    const Bytes written = readFile(dir / "again.err");
    const std::string log(written.begin(), written.end());
    EXPECT_NE(log.find("VerifyKnown https"), std::string::npos)
        << "no repeat went as VerifyKnown after the restart:\n"
        << log;
}

// The client library asks VerifyKnown for repeats; a change made by another client of the
// daemon must reach its next answer, never a stale verdict.
TEST_F(VerifyKnownTest, ClientRepeatsSeeEveryChange) {
    startDaemon();
    ASSERT_OK(client->addAnchor({root.der, {}, "Known Root"}));
    VerifyRequest request{"https",  "www.example.com", KeyFormat::X509Chain,
                          leaf.der, std::nullopt,      false};
    auto first = client->verify(request);
    ASSERT_OK(first);
    for (int i = 0; i < 5; ++i) {
        auto again = client->verify(request);
        ASSERT_OK(again);
        EXPECT_EQ(again->reason, "anchor");
        EXPECT_EQ(again->explanation, first->explanation);
        EXPECT_EQ(again->details.anchorId, first->details.anchorId);
        EXPECT_EQ(again->details.spkiSha256, first->details.spkiSha256);
    }

    auto other = Client::connect(Bus::Session);
    ASSERT_OK(other);
    auto distrust = (*other)->addDistrust({DistrustKind::Certificate, root.der, "other client"});
    ASSERT_OK(distrust);
    auto afterDistrust = client->verify(request);
    ASSERT_OK(afterDistrust);
    EXPECT_EQ(afterDistrust->reason, "distrusted");

    // And from the CLI, another process.
    ASSERT_EQ(cli({"distrust", "remove", distrust->id}).exitCode, 0);
    auto afterRemove = client->verify(request);
    ASSERT_OK(afterRemove);
    EXPECT_EQ(afterRemove->reason, "anchor");

    // Other inputs are other entries: the peer, and an explicit time.
    request.peer = "other.example.com";
    auto otherPeer = client->verify(request);
    ASSERT_OK(otherPeer);
    EXPECT_EQ(otherPeer->reason, "name-mismatch");
    request.peer = "www.example.com";
    request.at = 2100000000;
    auto later = client->verify(request);
    ASSERT_OK(later);
    EXPECT_EQ(later->reason, "expired");
}

}  // namespace
}  // namespace peertrust::testing
