// peertrustd's log level: what reaches standard error (the journal under systemd) at each
// level, and that a caller's text cannot add lines of its own.
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <sstream>
#include <string>

#include "peertrust/Client.h"
#include "support/CertFactory.h"
#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {
namespace {

class DaemonLogTest : public ::testing::Test {
protected:
    // Starts peertrustd at `level`, asks it one Verify of a self-signed certificate for
    // www.example.com and one with a peer name holding a line break, stops it, and returns
    // everything it wrote to standard error.
    std::string logAt(const std::string& level, Verdict& answered) {
        TestBus bus(BusKind::Session, dir.path());
        {
            DaemonUnderTest daemon(bus, BusKind::Session,
                                   {"--db", (dir / "user.db").string(), "--system-db",
                                    (dir / "system.db").string(), "--log-level", level},
                                   static_cast<uid_t>(-1), static_cast<gid_t>(-1),
                                   dir / "stderr.log");
            auto client = Client::connect(Bus::Session);
            EXPECT_TRUE(client.ok());
            if (client) {
                Issued leaf = selfSigned(serverSpec("www.example.com"));
                auto verdict = (*client)->verify({"https", "www.example.com", KeyFormat::X509Chain,
                                                  leaf.der, std::nullopt, false});
                EXPECT_TRUE(verdict.ok()) << verdict.error().message();
                if (verdict) {
                    answered = *verdict;
                }
                auto forged =
                    (*client)->verify({"https", "evil\npeertrustd: forged", KeyFormat::X509Chain,
                                       leaf.der, std::nullopt, false});
                EXPECT_FALSE(forged.ok());
            }
            EXPECT_EQ(daemon.process().terminate(), 0);
        }
        Bytes written = readFile(dir / "stderr.log");
        return std::string(written.begin(), written.end());
    }

    TempDir dir;
};

TEST_F(DaemonLogTest, DebugWritesEachVerifyWithItsAnswerOneLineEach) {
    Verdict verdict;
    std::string log = logAt("debug", verdict);
    EXPECT_NE(log.find("peertrustd: serving org.peertrust.Trust1 on the session bus"),
              std::string::npos)
        << log;
    const std::string line = "peertrustd: Verify https www.example.com for uid " +
                             std::to_string(getuid()) + ": " + std::string(toString(verdict.kind)) +
                             " (" + verdict.reason + ")\n";
    EXPECT_NE(log.find(line), std::string::npos) << log;
    // The peer with a line break is logged with it replaced: every line is the daemon's.
    EXPECT_NE(log.find("evil?peertrustd: forged"), std::string::npos) << log;
    std::istringstream lines(log);
    std::string each;
    while (std::getline(lines, each)) {
        EXPECT_EQ(each.rfind("peertrustd: ", 0), 0u) << each;
        EXPECT_NE(each, "peertrustd: forged");
    }
    EXPECT_NE(log.find("peertrustd: stopped\n"), std::string::npos) << log;
}

TEST_F(DaemonLogTest, InfoLeavesVerifiesOut) {
    Verdict verdict;
    std::string log = logAt("info", verdict);
    EXPECT_NE(log.find("peertrustd: serving"), std::string::npos) << log;
    EXPECT_EQ(log.find("Verify"), std::string::npos) << log;
}

TEST_F(DaemonLogTest, WarningSaysNothingWhenAllIsWell) {
    Verdict verdict;
    EXPECT_EQ(logAt("warning", verdict), "");
}

TEST_F(DaemonLogTest, AnUnknownLevelStopsStartUp) {
    auto flag = runProgram({builtProgram("peertrustd"), "--session", "--log-level", "loud", "--db",
                            (dir / "user.db").string()});
    EXPECT_NE(flag.exitCode, 0);
    EXPECT_NE(flag.errors.find("log_level must be error, warning, info or debug"),
              std::string::npos)
        << flag.errors;
}

}  // namespace
}  // namespace peertrust::testing
