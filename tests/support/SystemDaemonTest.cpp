#include "support/SystemDaemonTest.h"

#include <unistd.h>

#include <utility>

namespace peertrust::testing {

void SystemDaemonTest::SetUp() {
    if (geteuid() != 0) {
        GTEST_SKIP() << "a system bus and a second user need root";
    }
    // As root (CI) the test user must be there: a skip would hide every system-bus test.
    ASSERT_TRUE(testUser(uid, gid)) << "cannot find or create the peertrust-test user";
    // The test user reads the bus socket and the files a test hands it from here.
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
    bus = std::make_unique<TestBus>(BusKind::System, dir.path());
    std::vector<std::string> args = {"--db", (dir / "system.db").string(), "--admin-group",
                                     "peertrust-test-admins"};
    std::vector<std::string> extra = extraDaemonArgs();
    args.insert(args.end(), extra.begin(), extra.end());
    daemon = std::make_unique<DaemonUnderTest>(*bus, BusKind::System, args);
}

ProgramResult SystemDaemonTest::cliAs(uid_t who, gid_t group, std::vector<std::string> args) {
    args.insert(args.begin(), {builtProgram("peertrust"), "--system"});
    return runProgram(args, {bus->environmentEntry()}, who, group);
}

ProgramResult SystemDaemonTest::cliAsUser(std::vector<std::string> args) {
    return cliAs(uid, gid, std::move(args));
}

}  // namespace peertrust::testing
