// peertrustd refuses to start on a bad configuration or a damaged store, saying where and
// why, and prints its options on --help.
#include <gtest/gtest.h>

#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {
namespace {

TEST(DaemonStartupTest, BadConfigurationStopsStartUpWithFileLineAndReason) {
    TempDir dir;
    writeFile(dir / "peertrustd.conf", "# comment\nadmin_group = wheel\nworkers = many\n");
    auto result =
        runProgram({builtProgram("peertrustd"), "--session", "--config",
                    (dir / "peertrustd.conf").string(), "--db", (dir / "user.db").string()});
    EXPECT_EQ(result.exitCode, 78);
    EXPECT_NE(result.errors.find((dir / "peertrustd.conf").string() +
                                 ":3: workers must be a number from 1 to 64"),
              std::string::npos)
        << result.errors;

    writeFile(dir / "typo.conf", "admin_grup = wheel\n");
    auto typo = runProgram({builtProgram("peertrustd"), "--config", (dir / "typo.conf").string()});
    EXPECT_EQ(typo.exitCode, 78);
    EXPECT_NE(typo.errors.find(":1: unknown option \"admin_grup\""), std::string::npos)
        << typo.errors;

    auto flag = runProgram({builtProgram("peertrustd"), "--frobnicate"});
    EXPECT_EQ(flag.exitCode, 64);
    EXPECT_NE(flag.errors.find("unknown option \"--frobnicate\""), std::string::npos);
}

TEST(DaemonStartupTest, DamagedStoreStopsStartUp) {
    TempDir dir;
    writeFile(dir / "user.db", std::string(4096, 'x'));
    auto result = runProgram({builtProgram("peertrustd"), "--session", "--config",
                              (dir / "none.conf").string(), "--db", (dir / "user.db").string(),
                              "--system-db", (dir / "system.db").string()});
    EXPECT_EQ(result.exitCode, 69);
    EXPECT_NE(result.errors.find("not a peertrust store or is damaged"), std::string::npos)
        << result.errors;
}

TEST(DaemonStartupTest, HelpListsEveryOption) {
    auto help = runProgram({builtProgram("peertrustd"), "--help"});
    EXPECT_EQ(help.exitCode, 0);
    for (const char* option : {"--session", "--system", "--config", "--db", "--system-db",
                               "--admin-group", "--workers", "--log-level", "--verdict-cache"}) {
        EXPECT_NE(help.output.find(option), std::string::npos) << option;
    }
}

}  // namespace
}  // namespace peertrust::testing
