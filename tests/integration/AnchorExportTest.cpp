// ExportAnchors over D-Bus and peertrust anchor export through the daemon: the same bundle
// the engine makes, anyone may ask, and a bad purpose is InvalidInput (exit 65); and the
// bundle file the daemon keeps up to date.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "policy/AnchorScope.h"
#include "support/CertFactory.h"
#include "support/ContextSwitches.h"
#include "support/CrlFactory.h"
#include "support/SessionDaemonTest.h"

namespace peertrust::testing {
namespace {

class AnchorExportTest : public SessionDaemonTest {
protected:
    void SetUp() override {
        startDaemon();
        open = selfSigned(caSpec("Open Root"));
        AnchorScope tlsOnly;
        tlsOnly.protocols = {"tls"};
        ASSERT_TRUE(client->addAnchor({open.der, {}, "Open Root"}).ok());
        ASSERT_TRUE(
            client->addAnchor({selfSigned(caSpec("Web Root")).der, tlsOnly, "Web Root"}).ok());
    }
    Issued open;
};

TEST_F(AnchorExportTest, TheBundleTravelsWithItsCounts) {
    auto everyUse = client->exportAnchors("");
    ASSERT_TRUE(everyUse.ok()) << everyUse.error().message();
    EXPECT_EQ(everyUse->included, 1u);
    EXPECT_EQ(everyUse->leftOut, 1u);
    EXPECT_NE(everyUse->pem.find(open.pem), std::string::npos);
    EXPECT_NE(everyUse->pem.find("Web Root"), std::string::npos) << "the header names it";

    auto server = client->exportAnchors("server-auth");
    ASSERT_TRUE(server.ok());
    EXPECT_EQ(server->included, 2u);

    auto bad = client->exportAnchors("everything");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(bad.error().message().find("server-auth"), std::string::npos);
}

TEST_F(AnchorExportTest, TheCliWritesTheFileOrStandardOutput) {
    auto printed = cli({"anchor", "export"});
    EXPECT_EQ(printed.exitCode, 0) << printed.errors;
    EXPECT_NE(printed.output.find(open.pem), std::string::npos);
    const std::string file = (dir / "bundle.pem").string();
    auto written = cli({"anchor", "export", "--purpose", "server-auth", "-o", file});
    EXPECT_EQ(written.exitCode, 0) << written.errors;
    EXPECT_EQ(written.output,
              "wrote 2 anchors to " + file + " (0 left out; see the file's header)\n");
    EXPECT_EQ(cli({"anchor", "export", "--purpose", "everything"}).exitCode, 65);
    EXPECT_EQ(cli({"anchor", "export", "--format", "der"}).exitCode, 64);
    EXPECT_EQ(cli({"anchor", "export", "-o", (dir / "no" / "such" / "dir.pem").string()}).exitCode,
              69);
}

// peertrustd --pem-bundle FILE keeps the file equal to the export: at start, after a change
// through the daemon, and after a change another process wrote to the store.
class PemBundleFileTest : public SessionDaemonTest {};

bool eventually(const std::function<bool()>& condition) {
    for (int i = 0; i < 50; ++i) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

std::size_t certificatesIn(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        n += line == "-----BEGIN CERTIFICATE-----" ? 1 : 0;
    }
    return n;
}

TEST_F(PemBundleFileTest, TheDaemonKeepsTheFileUpToDate) {
    const auto file = dir / "bundle.pem";
    startDaemon({"--pem-bundle", file.string()});
    ASSERT_TRUE(std::filesystem::exists(file)) << "not written at start";
    EXPECT_EQ(certificatesIn(file), 0u);

    ASSERT_TRUE(client->addAnchor({selfSigned(caSpec("First Root")).der, {}, "First Root"}).ok());
    EXPECT_TRUE(eventually([&] { return certificatesIn(file) == 1; }))
        << "a change through the daemon did not reach the file";

    // Another process writes the same store file directly.
    writeFile(dir / "second.pem", selfSigned(caSpec("Second Root")).pem);
    auto added =
        runProgram({builtProgram("peertrust"), "--db", (dir / "user.db").string(), "--system-db",
                    (dir / "system.db").string(), "anchor", "add", (dir / "second.pem").string()});
    ASSERT_EQ(added.exitCode, 0) << added.errors;
    EXPECT_TRUE(eventually([&] { return certificatesIn(file) == 2; }))
        << "a change by another process did not reach the file";
}

// A desktop daemon must not wake when nothing happens (laptops, powertop): the bundle writer
// learns of changes from the store watch, and the pin statistics flusher sleeps until a
// Verify gives it work, then once more after its interval (2 s).
TEST_F(PemBundleFileTest, AnIdleDaemonDoesNotWake) {
    const auto file = dir / "bundle.pem";
    startDaemon({"--pem-bundle", file.string()});
    Issued root = selfSigned(caSpec("Idle Root"));
    Issued leaf = issue(serverSpec("www.example.com"), root);
    ASSERT_TRUE(client->addAnchor({root.der, {}, "Idle Root"}).ok());
    auto verdict = client->verify({"https", "www.example.com", KeyFormat::X509Chain,
                                   concat({&leaf, &root}), std::nullopt, false});
    ASSERT_TRUE(verdict.ok()) << verdict.error().message();
    EXPECT_EQ(verdict->reason, "anchor");
    ASSERT_TRUE(eventually([&] { return certificatesIn(file) == 1; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(2600));  // the flusher's last round
    const pid_t pid = daemon->process().pid();
    const std::uint64_t before = contextSwitches(pid);
    std::this_thread::sleep_for(std::chrono::seconds(3));
    EXPECT_EQ(contextSwitches(pid), before) << "an idle peertrustd woke up";
    // And it still follows changes at once.
    ASSERT_TRUE(client->addAnchor({selfSigned(caSpec("Late Root")).der, {}, "Late Root"}).ok());
    EXPECT_TRUE(eventually([&] { return certificatesIn(file) == 2; }));
}

// An update that fails (here the export cannot read the store's pins) withdraws the old file,
// which may trust what the change took away, instead of leaving it in place.
TEST_F(PemBundleFileTest, AFileThatCannotBeUpdatedIsWithdrawn) {
    const auto file = dir / "bundle.pem";
    startDaemon({"--pem-bundle", file.string()});
    ASSERT_TRUE(client->addAnchor({selfSigned(caSpec("First Root")).der, {}, "First Root"}).ok());
    ASSERT_TRUE(eventually([&] { return certificatesIn(file) == 1; }));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "user.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE pin_stats; DROP TABLE pins", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    ASSERT_TRUE(
        client->addDistrust({DistrustKind::Certificate, selfSigned(caSpec("Other")).der, "x"})
            .ok());
    EXPECT_TRUE(eventually([&] { return !std::filesystem::exists(file); }))
        << "the stale file is still there";
}

TEST_F(PemBundleFileTest, AnAnchorLeavesTheFileWhenACrlRevokesUnderIt) {
    const auto file = dir / "bundle.pem";
    startDaemon({"--pem-bundle", file.string()});
    Issued root = selfSigned(caSpec("Revoking Root"));
    Issued leaf = issue(serverSpec("www.example.com"), root);
    ASSERT_TRUE(client->addAnchor({root.der, {}, "Revoking Root"}).ok());
    EXPECT_TRUE(eventually([&] { return certificatesIn(file) == 1; }));
    CrlSpec spec;
    spec.thisUpdate = static_cast<UnixTime>(std::time(nullptr)) - 3600;
    spec.revoked = {{&leaf, spec.thisUpdate}};
    auto crl = client->addCrl({makeCrl(root, spec)});
    ASSERT_TRUE(crl.ok()) << crl.error().message();
    EXPECT_TRUE(eventually([&] { return certificatesIn(file) == 0; }))
        << "an anchor whose CRL file readers cannot apply is still in the file";
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("Revoking Root"), std::string::npos) << text;
    EXPECT_NE(text.find("the CRL " + crl->id), std::string::npos) << text;
    ASSERT_TRUE(client->removeCrl(crl->id).ok());
    EXPECT_TRUE(eventually([&] { return certificatesIn(file) == 1; }));
}

// pem_bundle in a configuration file is the machine's bundle: a session daemon (whose user's
// own anchors and distrust it would write there) leaves it to the system daemon, and writes a
// bundle only when its own command line asks.
TEST_F(PemBundleFileTest, ASessionDaemonLeavesAConfiguredBundleToTheSystemDaemon) {
    const auto machineFile = dir / "machine.pem";
    const auto ownFile = dir / "own.pem";
    writeFile(dir / "peertrustd.conf", "pem_bundle = " + machineFile.string() + "\n");
    startDaemon({"--config", (dir / "peertrustd.conf").string(), "--pem-bundle", ownFile.string()});
    ASSERT_TRUE(client->addAnchor({selfSigned(caSpec("User Root")).der, {}, "User Root"}).ok());
    // The bundle its command line names shows the anchor: the writer has run since.
    EXPECT_TRUE(eventually([&] { return certificatesIn(ownFile) == 1; }))
        << "the command line's bundle was not written";
    EXPECT_FALSE(std::filesystem::exists(machineFile))
        << "a session daemon wrote the machine's bundle";
}

TEST_F(PemBundleFileTest, ABadPurposeStopsStartUp) {
    writeFile(dir / "peertrustd.conf", "pem_bundle = /tmp/x.pem\npem_bundle_purpose = all\n");
    auto result =
        runProgram({builtProgram("peertrustd"), "--session", "--config",
                    (dir / "peertrustd.conf").string(), "--db", (dir / "user.db").string()});
    EXPECT_EQ(result.exitCode, 78);
    EXPECT_NE(result.errors.find(":2: pem_bundle_purpose: unknown purpose 'all'"),
              std::string::npos)
        << result.errors;
}

}  // namespace
}  // namespace peertrust::testing
