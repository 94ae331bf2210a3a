// The bus thread's Verify: answered at once when nothing needs waiting for, declined (so that a
// worker answers) when policy must load, a write may follow, or another thread holds the pins.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "crypto/Digest.h"
#include "crypto/HashedHostName.h"
#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

class VerifyWithoutWaitingTest : public EngineFixture {
protected:
    void SetUp() override {
        root = selfSigned(caSpec("Inline Root"));
        leaf = issue(serverSpec("www.example.com"), root);
        other = issue(serverSpec("mail.example.com"), root);
        anchorId = addAnchor(system(), root, {}, "Inline Root");
    }

    VerifyRequest request(const Issued& cert, const std::string& peer, bool pinOnFirstUse = false) {
        return {"https", peer, KeyFormat::X509Chain, cert.der, m_now, pinOnFirstUse};
    }

    Issued root, leaf, other;
    std::string anchorId;
};

TEST_F(VerifyWithoutWaitingTest, DecidesUncachedRequestsAsVerifyAsDoes) {
    // Opening the engine loaded policy; a request never seen before (so not in the verdict
    // cache) is decided at once.
    auto now = user().verifyWithoutWaiting(request(other, "mail.example.com"), 0);
    ASSERT_TRUE(now.has_value());
    ASSERT_OK(*now);
    EXPECT_EQ((*now)->reason, "anchor");
    EXPECT_EQ((*now)->details.anchorId, anchorId);

    // And its answer is the one verifyAs gives, also for a rejection.
    auto mismatch = user().verifyWithoutWaiting(request(other, "www.example.com"), 0);
    ASSERT_TRUE(mismatch.has_value());
    ASSERT_OK(*mismatch);
    auto viaWorker = user().verifyAs(request(other, "www.example.com"), 0);
    ASSERT_OK(viaWorker);
    EXPECT_EQ((*mismatch)->reason, "name-mismatch");
    EXPECT_EQ((*mismatch)->explanation, viaWorker->explanation);
}

// Hashed known_hosts names cost an HMAC each to test: the bus thread tests a few, and leaves
// many to a worker (which decides the same), so that a store full of them cannot hold the bus
// thread, and with it every other caller.
TEST_F(VerifyWithoutWaitingTest, LeavesManyHashedPinsToAWorker) {
    const std::string key = openSshLine(generateKey(KeyType::Ed25519).get());
    auto hashedLines = [&](int from, int to) {
        std::string text;
        for (int i = from; i < to; ++i) {
            crypto::HashedHostName name;
            name.salt.fill(static_cast<std::uint8_t>(i));
            name.hmac = crypto::hostHmac(name.salt, "host" + std::to_string(i) + ".example");
            text += crypto::formatHashedHostName(name) + " " + key + "\n";
        }
        return Bytes(text.begin(), text.end());
    };
    auto sshRequest = [&](const std::string& peer) {
        return VerifyRequest{"ssh", peer, KeyFormat::OpenSsh, bytesOf(key), m_now, false};
    };
    auto settle = [&] {  // the engine's own import makes the next Verify reload policy
        ASSERT_OK(user().verifyAs(request(other, "mail.example.com"), 0));
    };
    ASSERT_OK(user().importKnownHosts(hashedLines(0, 10)));
    settle();
    auto few = user().verifyWithoutWaiting(sshRequest("host3.example"), 0);
    ASSERT_TRUE(few.has_value()) << "declined with 10 hashed pins";
    ASSERT_OK(*few);
    EXPECT_EQ((*few)->reason, "pinned");

    ASSERT_OK(user().importKnownHosts(hashedLines(10, 50)));
    settle();
    auto many = user().verifyWithoutWaiting(sshRequest("host42.example"), 0);
    EXPECT_FALSE(many.has_value()) << "tested 50 hashed pins on the bus thread";
    auto viaWorker = user().verifyAs(sshRequest("host42.example"), 0);
    ASSERT_OK(viaWorker);
    EXPECT_EQ(viaWorker->reason, "pinned");
    // A plain pin that answers needs no hashed one: still decided at once.
    ASSERT_OK(user().addPin({"ssh", "plain.example", KeyFormat::OpenSsh, bytesOf(key)}));
    settle();
    auto plain = user().verifyWithoutWaiting(sshRequest("plain.example"), 0);
    ASSERT_TRUE(plain.has_value());
    ASSERT_OK(*plain);
    EXPECT_EQ((*plain)->reason, "pinned");
}

// Trust1.VerifyKnown's lookup: the same input (its key named by SHA-256) and the same user,
// while nothing changed and no validity edge passed; nothing else.
TEST_F(VerifyWithoutWaitingTest, CachedVerdictHoldsOnlyForTheSameInputUserAndTime) {
    VerifyRequest asked = request(leaf, "www.example.com");
    auto given = user().verifyAs(asked, 1000);
    ASSERT_OK(given);
    EXPECT_EQ(given->reason, "anchor");
    const auto digest = verdictSha256(*given);
    policy::VerdictCacheKey key{
        asked.protocol, asked.peer, asked.keyFormat, crypto::sha256(asked.key), false, 1000, {}};
    EXPECT_TRUE(user().cachedVerdictHolds(key, m_now, digest));

    // Another verdict's digest: the one for another peer.
    auto otherVerdict = user().verifyAs(request(leaf, "mail.example.com"), 1000);
    ASSERT_OK(otherVerdict);
    EXPECT_FALSE(user().cachedVerdictHolds(key, m_now, verdictSha256(*otherVerdict)));

    auto differs = [&](auto change) {
        policy::VerdictCacheKey changed = key;
        change(changed);
        return !user().cachedVerdictHolds(changed, m_now, digest);
    };
    EXPECT_TRUE(differs([](auto& k) { k.uid = 1001; }));
    EXPECT_TRUE(differs([](auto& k) { k.peer = "mail.example.com"; }));
    EXPECT_TRUE(differs([](auto& k) { k.protocol = "smtp"; }));
    EXPECT_TRUE(differs([](auto& k) { k.keySha256[0] ^= 1; }));
    EXPECT_TRUE(differs([](auto& k) { k.pinOnFirstUse = true; }));
    // Past the leaf's notAfter the cached verdict no longer applies.
    EXPECT_FALSE(user().cachedVerdictHolds(key, 4102444800, digest));
    ASSERT_TRUE(user().cachedVerdictHolds(key, m_now, digest));

    // A change written through another connection, as another process would: gone.
    Issued second = selfSigned(caSpec("Second Root"));
    addAnchor(system(), second, {}, "Second Root");
    EXPECT_FALSE(user().cachedVerdictHolds(key, m_now, digest));
}

// The engine asks PRAGMA data_version only when a read snapshot begins (inside one SQLite
// holds it fixed); another process's change still shows once the snapshot is renewed.
TEST_F(VerifyWithoutWaitingTest, HeldReadSnapshotsStillSeeAnotherProcessesChange) {
    m_options.readSnapshotAge = std::chrono::milliseconds(50);
    auto before = user().verifyAs(request(leaf, "www.example.com"), 0);
    ASSERT_OK(before);
    EXPECT_EQ(before->reason, "anchor");
    ASSERT_OK(system().addDistrust({DistrustKind::Certificate, root.der, "later"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    auto after = user().verifyAs(request(leaf, "www.example.com"), 0);
    ASSERT_OK(after);
    EXPECT_EQ(after->reason, "distrusted");
}

TEST_F(VerifyWithoutWaitingTest, DeclinesPinOnFirstUseBecauseItMayWrite) {
    ASSERT_OK(user().verifyAs(request(leaf, "www.example.com"), 0));
    Issued self = selfSigned(serverSpec("tofu.example"));
    VerifyRequest tofu{"tls", "tofu.example", KeyFormat::X509Chain, self.der, m_now, true};
    EXPECT_FALSE(user().verifyWithoutWaiting(tofu, 0).has_value());
}

TEST_F(VerifyWithoutWaitingTest, DeclinesAfterAnotherProcessChangedTheStore) {
    ASSERT_OK(user().verifyAs(request(leaf, "www.example.com"), 0));
    ASSERT_TRUE(user().verifyWithoutWaiting(request(leaf, "www.example.com"), 0).has_value());

    // The administrator's engine is another connection, as another process would be.
    Issued second = selfSigned(caSpec("Second Root"));
    addAnchor(system(), second, {}, "Second Root");
    EXPECT_FALSE(user().verifyWithoutWaiting(request(leaf, "www.example.com"), 0).has_value());

    // A worker reloads policy; after that the bus thread answers again, from the new policy.
    Issued fromSecond = issue(serverSpec("www.second.example"), second);
    ASSERT_OK(user().verifyAs(request(leaf, "www.example.com"), 0));
    auto now = user().verifyWithoutWaiting(request(fromSecond, "www.second.example"), 0);
    ASSERT_TRUE(now.has_value());
    ASSERT_OK(*now);
    EXPECT_EQ((*now)->reason, "anchor");
}

}  // namespace
}  // namespace peertrust::testing
