// An engine over real SQLite files in a temporary directory, with injected time: a system
// store written by an "administrator" engine and a user store over it, as a session daemon
// would have them.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "policy/PolicyEngine.h"
#include "support/CertFactory.h"
#include "support/ResultAssertions.h"
#include "support/TempDir.h"

namespace peertrust::testing {

inline constexpr UnixTime kNow = 1800000000;  // 2027-01-15T08:00:00Z

class EngineFixture : public ::testing::Test {
protected:
    // The administrator's view: the system store, writable.
    policy::PolicyEngine& system();
    // A user's view: the system store read-only below the user's own store.
    policy::PolicyEngine& user();
    void closeEngines();

    std::filesystem::path systemPath() const { return m_dir / "system.db"; }
    std::filesystem::path userPath() const { return m_dir / "user.db"; }

    Verdict verify(policy::PolicyEngine& engine, const std::string& protocol,
                   const std::string& peer, KeyFormat format, const Bytes& key,
                   bool pinOnFirstUse = false);
    Verdict verifyChain(const std::string& protocol, const std::string& peer,
                        const std::vector<const Issued*>& chain, bool pinOnFirstUse = false);

    std::string addAnchor(policy::PolicyEngine& engine, const Issued& cert, AnchorScope scope = {},
                          const std::string& label = "");

    UnixTime m_now = kNow;
    // Runs each time an engine reads the clock: a test's way into the middle of a call.
    std::function<void()> m_onClock;
    TempDir m_dir;
    // No background flushing and a fresh read snapshot per call: tests see every change at once.
    policy::EngineOptions m_options{true, 4096, std::chrono::milliseconds(0),
                                    std::chrono::microseconds(0)};

private:
    std::unique_ptr<policy::PolicyEngine> openEngine(const store::StoreConfig& config);
    std::unique_ptr<policy::PolicyEngine> m_system;
    std::unique_ptr<policy::PolicyEngine> m_user;
};

}  // namespace peertrust::testing
