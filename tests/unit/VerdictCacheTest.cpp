// The verdict cache against changes that land while a Verify is under way: a verdict decided
// from the policy as it was before a change is answered, but never kept.
#include <gtest/gtest.h>

#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

class VerdictCacheTest : public EngineFixture {
protected:
    // As the daemon runs: a read snapshot serves successive calls, so that only the engine's
    // own bookkeeping (not a renewed snapshot) can tell a verdict from before a change.
    void SetUp() override { m_options.readSnapshotAge = std::chrono::hours(1); }
};

TEST_F(VerdictCacheTest, AVerdictDecidedFromPolicyThatChangedMeanwhileIsNotKept) {
    Issued root = selfSigned(caSpec("Race Root"));
    Issued leaf = issue(serverSpec("www.example.com"), root);
    addAnchor(system(), root, {}, "Race Root");
    policy::PolicyEngine& engine = system();
    const VerifyRequest request{"https",  "www.example.com", KeyFormat::X509Chain,
                                leaf.der, std::nullopt,      false};
    VerifyRequest another = request;
    another.peer = "mail.example.com";
    // The engine reads the clock after it took its policy snapshot and before it decides:
    // there another thread's write lands, and a third thread's Verify sees it.
    bool armed = true;
    m_onClock = [&] {
        if (armed) {
            armed = false;
            ASSERT_OK(engine.addDistrust({DistrustKind::Certificate, root.der, "bad root"}));
            ASSERT_OK(engine.verify(another));
        }
    };
    auto during = engine.verify(request);
    ASSERT_OK(during);
    ASSERT_FALSE(armed) << "the change did not land during the call";
    EXPECT_EQ(during->reason, "anchor") << "decided from the policy the call began with";

    auto after = engine.verify(request);
    ASSERT_OK(after);
    EXPECT_EQ(after->reason, "distrusted") << "a verdict from before the change was kept";
}

}  // namespace
}  // namespace peertrust::testing
