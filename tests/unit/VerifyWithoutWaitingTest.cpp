// The bus thread's Verify: answered at once when nothing needs waiting for, declined (so that a
// worker answers) when policy must load, a write may follow, or another thread holds the pins.
#include <gtest/gtest.h>

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
