// Pinning on first use under concurrency: several Verify calls for one peer, each with a key
// of its own and all asking to pin, leave exactly one key pinned and one tofu-new answer; the
// others are decided against that pin.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

class FirstUseTest : public EngineFixture {};

TEST_F(FirstUseTest, ConcurrentFirstUsesOfOnePeerPinOneKey) {
    constexpr int kRounds = 12;
    constexpr int kCallers = 4;
    policy::PolicyEngine& engine = user();
    for (int round = 0; round < kRounds; ++round) {
        const std::string peer = "device" + std::to_string(round) + ".lan";
        std::vector<Issued> keys;
        for (int i = 0; i < kCallers; ++i) {
            keys.push_back(selfSigned(serverSpec(peer)));
        }
        std::vector<std::string> reasons(kCallers);
        std::atomic<int> ready{0};
        std::vector<std::thread> callers;
        for (int i = 0; i < kCallers; ++i) {
            callers.emplace_back([&, i] {
                ++ready;
                while (ready.load() < kCallers) {
                    // start together, to meet between reading the pins and writing one
                }
                auto verdict = engine.verify(
                    {"tls", peer, KeyFormat::X509Chain, keys[i].der, std::nullopt, true});
                reasons[i] = verdict ? verdict->reason : "error: " + verdict.error().message();
            });
        }
        for (auto& caller : callers) {
            caller.join();
        }
        std::map<std::string, int> count;
        for (const auto& reason : reasons) {
            ++count[reason];
        }
        EXPECT_EQ(count["tofu-new"], 1) << peer;
        EXPECT_EQ(count["pin-mismatch"], kCallers - 1) << peer;
        auto pins = engine.listPins();
        ASSERT_OK(pins);
        int pinned = 0;
        for (const auto& pin : *pins) {
            pinned += pin.peer == peer ? 1 : 0;
        }
        EXPECT_EQ(pinned, 1) << "keys pinned for " << peer;
    }
}

}  // namespace
}  // namespace peertrust::testing
