// The verdict cache against changes that land while a Verify is under way: a verdict decided
// from the policy as it was before a change is answered, but never kept.
#include <gtest/gtest.h>

#include "crypto/Digest.h"
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

// Pin statistics change no verdict: the engine's own flush of them (every few seconds in the
// daemon) keeps the cache, while a policy change committed by another connection drops it.
class StatisticsFlushTest : public EngineFixture {};

TEST_F(StatisticsFlushTest, FlushedPinStatisticsKeepTheVerdictCache) {
    Issued host = selfSigned(caSpec("host.example"));
    policy::PolicyEngine& engine = user();
    ASSERT_OK(engine.addPin({"ssh", "host.example", KeyFormat::Spki, host.spkiDer}));
    const VerifyRequest request{"ssh",        "host.example", KeyFormat::Spki,
                                host.spkiDer, std::nullopt,   false};
    auto first = engine.verify(request);
    ASSERT_OK(first);
    ASSERT_EQ(first->kind, VerdictKind::Accepted) << first->explanation;
    policy::VerdictCacheKey key;
    key.protocol = request.protocol;
    key.peer = request.peer;
    key.keyFormat = request.keyFormat;
    key.keySha256 = crypto::sha256(host.spkiDer);
    const auto verdict = verdictSha256(*first);
    ASSERT_TRUE(engine.cachedVerdictHolds(key, std::nullopt, verdict));

    ASSERT_OK(engine.flushPinStatistics());
    auto pins = engine.listPins();
    ASSERT_OK(pins);
    ASSERT_EQ(pins->size(), 1u);
    EXPECT_EQ((*pins)[0].seenCount, 2u) << "the sightings were not written";
    EXPECT_TRUE(engine.cachedVerdictHolds(key, std::nullopt, verdict))
        << "the engine's own statistics flush dropped the verdict cache";

    // Another connection (here the system engine's) writing policy still counts.
    addAnchor(system(), selfSigned(caSpec("Late Root")), {}, "Late Root");
    EXPECT_FALSE(engine.cachedVerdictHolds(key, std::nullopt, verdict))
        << "a policy change from elsewhere kept the verdict cache";
}

}  // namespace
}  // namespace peertrust::testing
