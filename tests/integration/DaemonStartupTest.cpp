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
    for (const char* option :
         {"--session", "--system", "--config", "--db", "--system-db", "--admin-group", "--workers",
          "--log-level", "--verdict-cache", "--keys", "--keys-socket", "--keys-dir"}) {
        EXPECT_NE(help.output.find(option), std::string::npos) << option;
    }
}

// The key layer's options are checked like the others, and a backend that cannot be used
// stops start-up rather than leaving a gateway without keys.
TEST(DaemonStartupTest, KeyLayerConfigurationIsCheckedAtStartUp) {
    TempDir dir;
    const std::string db = (dir / "user.db").string();
    const std::string systemDb = (dir / "system.db").string();
    writeFile(dir / "maybe.conf", "keys = maybe\n");
    auto maybe = runProgram({builtProgram("peertrustd"), "--session", "--config",
                             (dir / "maybe.conf").string(), "--db", db, "--system-db", systemDb});
    EXPECT_EQ(maybe.exitCode, 78);
    EXPECT_NE(maybe.errors.find(":1: keys must be yes or no"), std::string::npos) << maybe.errors;

    writeFile(dir / "half.conf", "key_backend_module = /usr/lib/softhsm/libsofthsm2.so\n");
    auto half = runProgram({builtProgram("peertrustd"), "--session", "--config",
                            (dir / "half.conf").string(), "--db", db, "--system-db", systemDb});
    EXPECT_EQ(half.exitCode, 78);
    EXPECT_NE(half.errors.find("key_backend_module needs key_backend_token and "
                               "key_backend_pin_file"),
              std::string::npos)
        << half.errors;

    writeFile(dir / "pin", "1234\n");
    writeFile(dir / "missing.conf", "key_backend_module = " + (dir / "nothing.so").string() +
                                        "\nkey_backend_token = t\nkey_backend_pin_file = " +
                                        (dir / "pin").string() + "\n");
    auto missing = runProgram({builtProgram("peertrustd"), "--session", "--config",
                               (dir / "missing.conf").string(), "--db", db, "--system-db", systemDb,
                               "--keys-socket", (dir / "keys.sock").string()});
    EXPECT_EQ(missing.exitCode, 69);
    EXPECT_NE(missing.errors.find("cannot load the key backend module"), std::string::npos)
        << missing.errors;
}

}  // namespace
}  // namespace peertrust::testing
