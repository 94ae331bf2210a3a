// peertrust pin import-known-hosts / import-gnutls through a real daemon: the D-Bus methods,
// the CLI's counts (text and --json), idempotence, exit codes, and the round trip: a key
// imported from known_hosts (a plain and an ssh-keygen -H hashed entry) is pinned for ssh in
// peertrust verify --ssh-key.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "support/CertFactory.h"
#include "support/ResultAssertions.h"
#include "support/SessionDaemonTest.h"
#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {
namespace {

std::string fixturePath(const std::string& name) {
    return std::string(PEERTRUST_FIXTURES_DIR) + "/known-hosts/" + name;
}

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

class PinImportCliTest : public SessionDaemonTest {
protected:
    void SetUp() override { startDaemon(); }

    // A fresh ed25519 key made by ssh-keygen; returns the .pub path.
    std::string sshKey(const std::string& name) {
        std::string path = (dir / name).string();
        auto made = runProgram({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path});
        EXPECT_EQ(made.exitCode, 0) << made.errors;
        return path + ".pub";
    }
};

TEST_F(PinImportCliTest, DbusImportsReturnCountsAndSkippedLines) {
    std::string text = readText(fixturePath("known_hosts"));
    auto summary = client->importKnownHosts(Bytes(text.begin(), text.end()));
    ASSERT_TRUE(summary.ok()) << summary.error().message();
    EXPECT_EQ(summary->imported, 10u);
    EXPECT_EQ(summary->distrustAdded, 1u);
    ASSERT_EQ(summary->issues.size(), 12u);
    EXPECT_EQ(summary->issues.front().line, 12u);
    EXPECT_EQ(summary->issues.front().kind, "not-supported");
    EXPECT_EQ(summary->skippedReasons.size(), 12u);

    std::string gnutls = readText(fixturePath("gnutls_known_hosts"));
    auto imported = client->importGnutlsKnownHosts(Bytes(gnutls.begin(), gnutls.end()));
    ASSERT_TRUE(imported.ok()) << imported.error().message();
    EXPECT_EQ(imported->imported, 5u);
    EXPECT_EQ(imported->skipped, 11u);

    auto bad = client->importKnownHosts(Bytes{'n', 'o', '\n'});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().category(), ErrorCategory::InvalidInput);

    // The XML's limit: 4 MiB, and nothing of a larger file imported.
    const std::string line =
        "big.example " + openSshLine(generateKey(KeyType::Ed25519).get()) + "\n";
    std::string huge;
    while (huge.size() <= 4 * 1024 * 1024) {
        huge += line;
    }
    auto tooBig = client->importKnownHosts(Bytes(huge.begin(), huge.end()));
    ASSERT_FALSE(tooBig.ok());
    EXPECT_EQ(tooBig.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(tooBig.error().message().find("larger than 4194304 bytes"), std::string::npos)
        << tooBig.error().message();
    auto pins = client->listPins();
    ASSERT_OK(pins);
    for (const PinInfo& pin : *pins) {
        EXPECT_NE(pin.peer, "big.example");
    }
}

TEST_F(PinImportCliTest, CliPrintsCountsAndIsIdempotent) {
    auto first = cli({"pin", "import-known-hosts", fixturePath("known_hosts")});
    EXPECT_EQ(first.exitCode, 0) << first.errors;
    EXPECT_EQ(first.output.rfind("imported 10, already present 0, distrust added 1, skipped 12\n"
                                 "skipped by kind: distrusted 1 malformed 7 not-supported 2 "
                                 "wildcard 2\n  line 12: not-supported: @cert-authority",
                                 0),
              0u)
        << first.output;
    auto again = cli({"pin", "import-known-hosts", fixturePath("known_hosts"), "--json"});
    EXPECT_EQ(again.exitCode, 0) << again.errors;
    EXPECT_TRUE(jq(again.output,
                   ".imported == 0 and .already_present == 11 and .distrust_added == 0 and "
                   ".skipped == 12 and .skipped_by_kind.malformed == 7 and "
                   "(.skipped_entries[0] | .line == 12 and .kind == \"not-supported\")"))
        << again.output;

    auto gnutls = cli({"pin", "import-gnutls", fixturePath("gnutls_known_hosts"), "--json"});
    EXPECT_EQ(gnutls.exitCode, 0) << gnutls.errors;
    EXPECT_TRUE(jq(gnutls.output,
                   ".imported == 5 and .skipped_by_kind.expired == 1 and "
                   ".skipped_by_kind.commitment == 1 and .skipped_by_kind[\"not-supported\"] == 2"))
        << gnutls.output;

    auto list = cli({"pin", "list", "--json"});
    EXPECT_TRUE(jq(list.output, "[.pins[] | select(.peer | startswith(\"|1|\"))] | length == 2"))
        << list.output;
    EXPECT_TRUE(jq(list.output, "[.pins[] | select(.origin != \"imported\")] | length == 0"));
}

TEST_F(PinImportCliTest, ExitCodesForMissingAndUnreadableFiles) {
    auto missing = cli({"pin", "import-known-hosts", (dir / "nope").string()});
    EXPECT_EQ(missing.exitCode, 66) << missing.errors;
    writeFile(dir / "garbage", "GET / HTTP/1.1\nHost: example\n");
    auto garbage = cli({"pin", "import-gnutls", (dir / "garbage").string()});
    EXPECT_EQ(garbage.exitCode, 65) << garbage.errors;
    EXPECT_NE(garbage.errors.find("line 1"), std::string::npos) << garbage.errors;
    auto usage = cli({"pin", "import-known-hosts", "a", "b"});
    EXPECT_EQ(usage.exitCode, 64) << usage.errors;
}

TEST_F(PinImportCliTest, ImportedKeysArePinnedForSshPlainAndHashed) {
    std::string plain = sshKey("plain");
    std::string hashed = sshKey("hashed");
    std::string other = sshKey("other");
    auto keyOf = [](const std::string& pub) {
        std::string line = readText(pub);
        return line.substr(0, line.find(' ', line.find(' ') + 1));
    };
    std::string knownHosts = (dir / "known_hosts").string();
    writeFile(knownHosts, "plain-rt.example " + keyOf(plain) + "\n" + "hashed-rt.example " +
                              keyOf(hashed) + "\n");
    // Hash the second line as HashKnownHosts would: ssh-keygen -H hashes every line.
    std::string hashedFile = (dir / "hashed_known_hosts").string();
    writeFile(hashedFile, "hashed-rt.example " + keyOf(hashed) + "\n");
    auto hashing = runProgram({"ssh-keygen", "-q", "-H", "-f", hashedFile});
    ASSERT_EQ(hashing.exitCode, 0) << hashing.errors;
    std::string hashedLine = readText(hashedFile);
    ASSERT_EQ(hashedLine.rfind("|1|", 0), 0u) << hashedLine;
    writeFile(knownHosts, "plain-rt.example " + keyOf(plain) + "\n" + hashedLine);

    auto imported = cli({"pin", "import-known-hosts", knownHosts});
    ASSERT_EQ(imported.exitCode, 0) << imported.errors;
    EXPECT_EQ(imported.output, "imported 2, already present 0, distrust added 0, skipped 0\n");

    for (const auto& [host, key] :
         {std::pair{"plain-rt.example", plain}, std::pair{"hashed-rt.example", hashed}}) {
        auto verdict = cli({"verify", "--protocol", "ssh", "--peer", host, "--ssh-key", key});
        EXPECT_EQ(verdict.exitCode, 0) << host << ": " << verdict.output << verdict.errors;
        EXPECT_EQ(verdict.output.rfind("accepted (pinned)\n", 0), 0u) << verdict.output;
        auto wrong = cli({"verify", "--protocol", "ssh", "--peer", host, "--ssh-key", other});
        EXPECT_EQ(wrong.exitCode, 1) << host << ": " << wrong.output;
    }
}

}  // namespace
}  // namespace peertrust::testing
