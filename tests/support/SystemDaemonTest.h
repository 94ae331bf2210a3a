// A test with its own system bus (the policy from dbus/), a peertrustd --system on it whose
// admin group is peertrust-test-admins, and the unprivileged peertrust-test user to call it as.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {

class SystemDaemonTest : public ::testing::Test {
protected:
    // Skips the test without root and the test user; otherwise starts the bus and the daemon.
    // A fixture's own SetUp calls it first and returns when IsSkipped().
    void SetUp() override;

    // `peertrust --system ARGS` as `who`, or as the test user.
    ProgramResult cliAs(uid_t who, gid_t group, std::vector<std::string> args);
    ProgramResult cliAsUser(std::vector<std::string> args);

    uid_t uid = 0;  // the test user
    gid_t gid = 0;
    TempDir dir;
    std::unique_ptr<TestBus> bus;
    std::unique_ptr<DaemonUnderTest> daemon;

private:
    // More of peertrustd's flags, after --db and --admin-group.
    virtual std::vector<std::string> extraDaemonArgs() const { return {}; }
};

}  // namespace peertrust::testing
