// The peertrust command line against a real daemon: DESIGN.md's exit codes, --json read back
// by jq, aligned tables.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <ctime>
#include <sstream>

#include "policy/ProtocolRegistry.h"
#include "support/CertFactory.h"
#include "support/CrlFactory.h"
#include "support/OcspFactory.h"
#include "support/SessionDaemonTest.h"
#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {
namespace {

class CliContractTest : public SessionDaemonTest {
protected:
    void SetUp() override {
        startDaemon();
        root = selfSigned(caSpec("Cli Root"));
        leaf = issue(serverSpec("www.example.com"), root);
        writeFile(dir / "root.pem", root.pem);
        writeFile(dir / "leaf.pem", leaf.pem);
        writeFile(dir / "garbage.pem",
                  "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    }

    std::string leafFile() { return (dir / "leaf.pem").string(); }

    Issued root, leaf;
};

TEST_F(CliContractTest, ExitZeroOneTwoForAcceptedRejectedUnknown) {
    auto unknown =
        cli({"verify", "--protocol", "tls", "--peer", "www.example.com", "--chain", leafFile()});
    EXPECT_EQ(unknown.exitCode, 2) << unknown.errors;
    EXPECT_EQ(unknown.output.rfind("unknown (first-use)\n", 0), 0u) << unknown.output;

    auto added = cli({"anchor", "add", (dir / "root.pem").string(), "--label", "Cli Root"});
    EXPECT_EQ(added.exitCode, 0) << added.errors;
    EXPECT_EQ(added.output.rfind("added anchor ", 0), 0u);
    auto again = cli({"anchor", "add", (dir / "root.pem").string(), "--label", "Cli Root"});
    EXPECT_EQ(again.exitCode, 0);
    EXPECT_NE(again.output.find("already exists; nothing changed"), std::string::npos);

    auto accepted =
        cli({"verify", "--protocol", "https", "--peer", "www.example.com", "--chain", leafFile()});
    EXPECT_EQ(accepted.exitCode, 0) << accepted.errors;
    EXPECT_EQ(accepted.output.rfind("accepted (anchor)\nAccepted: the chain", 0), 0u);

    auto rejected =
        cli({"verify", "--protocol", "https", "--peer", "mail.example.com", "--chain", leafFile()});
    EXPECT_EQ(rejected.exitCode, 1);
    EXPECT_EQ(rejected.output.rfind("rejected (name-mismatch)\n", 0), 0u);
}

TEST_F(CliContractTest, UsageErrorsExit64) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {},
             {"frobnicate"},
             {"verify", "--protocol", "https"},
             {"verify", "--protocol", "https", "--peer", "x", "--chain", leafFile(), "--bogus"},
             {"verify", "--protocol", "https", "--peer", "x", "--chain", leafFile(), "--at",
              "soon"},
             {"pin", "forget"},
             {"pin", "forget", "--older-than", "ten"},
             {"anchor", "remove"},
             {"anchor", "scope", "0123456789abcdef"},
             {"anchor", "scope", "0123456789abcdef", "--unlimited", "--permit", ".br"},
             {"distrust"},
             {"--session", "--system", "pin", "list"},
             // The command line is checked before any file is read: the file here is missing
             // (66 if it were read first), or stdin, which would wait for input.
             {"pin", "add", "--protocol", "ssh", "--peer", "h", "--spki", "/nonexistent",
              "--bogus"},
             {"verify", "--protocol", "ssh", "--peer", "h", "--spki", "-", "--bogus"},
             {"verify", "--protocol", "ssh", "--peer", "h", "--spki="}}) {
        auto result = cli(args);
        EXPECT_EQ(result.exitCode, 64)
            << (args.empty() ? "(none)" : args[0]) << ": " << result.errors;
        EXPECT_FALSE(result.errors.empty());
    }
}

// A number of days so large that days * 86400 wraps: refused, and no pin is forgotten (it
// used to become a cutoff in the future that forgot them all).
TEST_F(CliContractTest, AHugeOlderThanIsAUsageErrorAndForgetsNothing) {
    ASSERT_EQ(cli({"pin", "add", "--protocol", "tls", "--peer", "nas.lan", "--chain", leafFile()})
                  .exitCode,
              0);
    auto huge = cli({"pin", "forget", "--older-than", "213503982334601"});
    EXPECT_EQ(huge.exitCode, 64) << huge.output << huge.errors;
    EXPECT_NE(huge.errors.find("from 0 to 1000000"), std::string::npos) << huge.errors;
    auto listed = cli({"pin", "list", "--json"});
    ASSERT_EQ(listed.exitCode, 0);
    EXPECT_TRUE(jq(listed.output, ".pins | length == 1")) << listed.output;
}

// File contents travel as D-Bus text: a NUL byte would cut them short (importing only what
// comes before it) and bytes that are not UTF-8 made sd-bus refuse the call, which read as "no
// daemon" (69). Both are the input's fault: 65, and nothing is imported.
TEST_F(CliContractTest, FilesThatAreNotTextExit65AndChangeNothing) {
    const std::string key = openSshLine(generateKey(KeyType::Ed25519).get());
    writeFile(dir / "known_hosts",
              "a.example " + key + "\n" + std::string(1, '\0') + "\nb.example " + key + "\n");
    auto cut = cli({"pin", "import-known-hosts", (dir / "known_hosts").string()});
    EXPECT_EQ(cut.exitCode, 65) << cut.output << cut.errors;
    EXPECT_NE(cut.errors.find("NUL byte"), std::string::npos) << cut.errors;
    auto listed = cli({"pin", "list", "--json"});
    ASSERT_EQ(listed.exitCode, 0);
    EXPECT_TRUE(jq(listed.output, ".pins | length == 0")) << listed.output;

    writeFile(dir / "binary.pub", "ssh-ed25519 \xff\xfe\x80\n");
    auto binary = cli({"verify", "--protocol", "ssh", "--peer", "h.example", "--ssh-key",
                       (dir / "binary.pub").string()});
    EXPECT_EQ(binary.exitCode, 65) << binary.errors;
    EXPECT_NE(binary.errors.find("not valid UTF-8"), std::string::npos) << binary.errors;
}

// A list option given with no item ("--protocols \"$P\"" with P unset) is a usage error, never
// an anchor without that limit.
TEST_F(CliContractTest, AnEmptyScopeListIsAUsageErrorNotALimitLifted) {
    for (const char* flag : {"--protocols", "--permit", "--exclude"}) {
        for (const char* empty : {"", ","}) {
            auto added = cli({"anchor", "add", (dir / "root.pem").string(), flag, empty});
            EXPECT_EQ(added.exitCode, 64) << flag << " '" << empty << "': " << added.errors;
            EXPECT_NE(added.errors.find("needs at least one item"), std::string::npos)
                << added.errors;
        }
    }
    EXPECT_TRUE(jq(cli({"anchor", "list", "--json"}).output, ".anchors | length == 0"));
}

// A directory opens like a file and reads as nothing: it is no input (66), not an empty one.
TEST_F(CliContractTest, ADirectoryIsNoInputFile) {
    auto imported = cli({"pin", "import-known-hosts", dir.path().string()});
    EXPECT_EQ(imported.exitCode, 66) << imported.output << imported.errors;
    EXPECT_NE(imported.errors.find("is a directory"), std::string::npos) << imported.errors;
    auto anchor = cli({"anchor", "add", dir.path().string()});
    EXPECT_EQ(anchor.exitCode, 66) << anchor.errors;
}

// anchor scope replaces the whole scope: lifting every limit takes --unlimited, so that a
// forgotten option cannot widen an anchor to everything.
TEST_F(CliContractTest, AnchorScopeWidensToEverythingOnlyWhenTold) {
    auto added = cli({"anchor", "add", (dir / "root.pem").string(), "--protocols", "smtp"});
    ASSERT_EQ(added.exitCode, 0) << added.errors;
    auto listed = cli({"anchor", "list", "--json"});
    const std::string id = jqText(listed.output, ".anchors[0].id");
    auto bare = cli({"anchor", "scope", id});
    EXPECT_EQ(bare.exitCode, 64);
    EXPECT_NE(bare.errors.find("--unlimited"), std::string::npos) << bare.errors;
    EXPECT_TRUE(
        jq(cli({"anchor", "list", "--json"}).output, ".anchors[0].scope.protocols == [\"smtp\"]"))
        << "a refused scope change changed the scope";
    auto lifted = cli({"anchor", "scope", id, "--unlimited"});
    EXPECT_EQ(lifted.exitCode, 0) << lifted.errors;
    EXPECT_TRUE(jq(cli({"anchor", "list", "--json"}).output, ".anchors[0].scope.protocols == []"));
}

// pin add --replace with a key already pinned still removes the peer's other keys, and says so
// rather than "nothing changed".
TEST_F(CliContractTest, ReplacingWithAPinnedKeySaysTheOthersAreGone) {
    Issued other = issue(serverSpec("www.example.com"), root);
    writeFile(dir / "other.pem", other.pem);
    const std::vector<std::string> pin = {"pin", "add", "--protocol", "tls", "--peer", "nas.lan"};
    auto withChain = [&](std::vector<std::string> args, const std::string& file) {
        args.insert(args.end(), {"--chain", file});
        return cli(args);
    };
    ASSERT_EQ(withChain(pin, leafFile()).exitCode, 0);
    ASSERT_EQ(withChain(pin, (dir / "other.pem").string()).exitCode, 0);
    auto replace = pin;
    replace.push_back("--replace");
    auto replaced = withChain(replace, leafFile());
    EXPECT_EQ(replaced.exitCode, 0) << replaced.errors;
    EXPECT_NE(replaced.output.find("it is now the only key for nas.lan over tls"),
              std::string::npos)
        << replaced.output;
    EXPECT_TRUE(jq(cli({"pin", "list", "--json"}).output, ".pins | length == 1"));
}

// Options and the positional in any order.
TEST_F(CliContractTest, ProtocolAddTakesItsNameAfterTheOptions) {
    auto added = cli({"protocol", "add", "--family", "tls", "imaps2", "--policy", "tofu"});
    EXPECT_EQ(added.exitCode, 0) << added.errors;
    EXPECT_NE(added.output.find("protocol imaps2 set"), std::string::npos) << added.output;
}

TEST_F(CliContractTest, InvalidValuesExit65) {
    EXPECT_EQ(cli({"verify", "--protocol", "gopher", "--peer", "x.example", "--chain", leafFile()})
                  .exitCode,
              65);
    EXPECT_EQ(cli({"verify", "--protocol", "https", "--peer", "bad..name", "--chain", leafFile()})
                  .exitCode,
              65);
    auto garbage = cli({"anchor", "add", (dir / "garbage.pem").string()});
    EXPECT_EQ(garbage.exitCode, 65);
    EXPECT_NE(garbage.errors.find("peertrust: "), std::string::npos);
    // Contradictory policy: anchoring a distrusted certificate.
    EXPECT_EQ(cli({"distrust", "add", (dir / "root.pem").string()}).exitCode, 0);
    auto contradiction = cli({"anchor", "add", (dir / "root.pem").string()});
    EXPECT_EQ(contradiction.exitCode, 65);
    EXPECT_NE(contradiction.errors.find("distrusted"), std::string::npos);
    EXPECT_EQ(cli({"protocol", "add", "irc", "--family", "tls", "--policy", "sometimes"}).exitCode,
              65);
}

TEST_F(CliContractTest, MissingThingsExit66) {
    EXPECT_EQ(cli({"verify", "--protocol", "https", "--peer", "x.example", "--chain",
                   (dir / "absent.pem").string()})
                  .exitCode,
              66);
    auto unknownId = cli({"pin", "remove", "0123456789abcdef"});
    EXPECT_EQ(unknownId.exitCode, 66);
    EXPECT_NE(unknownId.errors.find("no pin with id"), std::string::npos);
}

TEST_F(CliContractTest, NoDaemonExits69) {
    auto result = runProgram({builtProgram("peertrust"), "pin", "list"},
                             {"DBUS_SESSION_BUS_ADDRESS=unix:path=" + (dir / "nobody").string()});
    EXPECT_EQ(result.exitCode, 69);
    EXPECT_NE(result.errors.find("session bus"), std::string::npos) << result.errors;
    daemon->process().terminate();
    auto stopped = cli({"anchor", "list"});
    EXPECT_EQ(stopped.exitCode, 69);
    EXPECT_NE(stopped.errors.find("no peertrust daemon answers"), std::string::npos);
    EXPECT_EQ(cli({"crl", "list"}).exitCode, 69);
}

TEST_F(CliContractTest, JsonOutputIsOneObjectReadByJq) {
    ASSERT_EQ(cli({"anchor", "add", (dir / "root.pem").string(), "--permit", ".example.com",
                   "--protocols", "tls"})
                  .exitCode,
              0);
    auto verdict = cli({"verify", "--protocol", "https", "--peer", "www.example.com", "--chain",
                        leafFile(), "--json"});
    EXPECT_EQ(verdict.exitCode, 0);
    EXPECT_TRUE(jq(verdict.output, ".verdict == \"accepted\" and .reason == \"anchor\""));
    EXPECT_TRUE(jq(verdict.output, ".spki_sha256 == \"" + leaf.spkiSha256Hex() + "\""));
    EXPECT_TRUE(jq(verdict.output, ".explanation | startswith(\"Accepted: \")"));
    EXPECT_TRUE(jq(verdict.output, ".details.anchor_id | test(\"^[0-9a-f]{16}$\")"));

    ASSERT_EQ(cli({"pin", "add", "--protocol", "tls", "--peer", "nas.lan", "--chain", leafFile()})
                  .exitCode,
              0);
    auto pins = cli({"pin", "list", "--json"});
    EXPECT_TRUE(jq(pins.output, ".pins | length == 1"));
    EXPECT_TRUE(jq(pins.output, ".pins[0].peer == \"nas.lan\" and .pins[0].origin == \"manual\""));
    EXPECT_TRUE(jq(pins.output, ".pins[0].spki_sha256 == \"" + leaf.spkiSha256Hex() + "\""));
    EXPECT_TRUE(jq(pins.output, ".pins[0].first_seen | test(\"^[0-9-]{10}T[0-9:]{8}Z$\")"));

    auto anchors = cli({"anchor", "list", "--json"});
    EXPECT_TRUE(jq(anchors.output, ".anchors[0].scope.permit == [\".example.com\"]"));
    EXPECT_TRUE(jq(anchors.output, ".anchors[0].exports.nss.level == \"must-verify\""));
    EXPECT_TRUE(
        jq(anchors.output, ".anchors[0].exports.gnutls.level == \"anchor+name-constraints\""));

    ASSERT_EQ(cli({"distrust", "add", "--spki", (dir / "leaf.pem").string()}).exitCode, 65);
    writeFile(dir / "leaf.key", leaf.spkiDerPem);
    ASSERT_EQ(cli({"distrust", "add", "--spki", (dir / "leaf.key").string()}).exitCode, 0);
    auto distrust = cli({"distrust", "list", "--json"});
    EXPECT_TRUE(jq(distrust.output, ".distrust[0].kind == \"spki\""));
    auto protocols = cli({"protocol", "list", "--json"});
    EXPECT_TRUE(
        jq(protocols.output, "[.protocols[] | select(.name == \"ssh\")][0].policy == \"tofu\""));
}

TEST_F(CliContractTest, ListsAreAlignedTables) {
    ASSERT_EQ(cli({"pin", "add", "--protocol", "tls", "--peer", "nas.lan", "--chain", leafFile()})
                  .exitCode,
              0);
    ASSERT_EQ(cli({"pin", "add", "--protocol", "https", "--peer", "a-much-longer-name.example.org",
                   "--chain", leafFile()})
                  .exitCode,
              0);
    auto table = cli({"pin", "list"});
    std::istringstream lines(table.output);
    std::string header, first, second;
    std::getline(lines, header);
    std::getline(lines, first);
    std::getline(lines, second);
    ASSERT_FALSE(second.empty()) << table.output;
    auto column = header.find("FINGERPRINT");
    ASSERT_NE(column, std::string::npos);
    EXPECT_EQ(first.substr(column, 7), "SHA256:");
    EXPECT_EQ(second.substr(column, 7), "SHA256:");
    auto anchorTable = cli({"anchor", "list"});
    EXPECT_NE(anchorTable.output.find("GNUTLS"), std::string::npos);
    EXPECT_NE(anchorTable.output.find("NSS"), std::string::npos);
    EXPECT_NE(anchorTable.output.find("PEM FILE"), std::string::npos);
}

// Columns line up on a terminal when a label holds wide characters (two columns each) or a
// combining mark (none): what lines up is columns, not bytes or characters.
TEST_F(CliContractTest, TablesAlignByTerminalColumns) {
    Issued other = selfSigned(caSpec("Other Root"));
    writeFile(dir / "other.pem", other.pem);
    ASSERT_EQ(
        cli({"anchor", "add", (dir / "root.pem").string(), "--label", "\xe4\xb8\xad\xe6\x96\x87"})
            .exitCode,
        0);  // 中文: four columns
    ASSERT_EQ(
        cli({"anchor", "add", (dir / "other.pem").string(), "--label", "e\xcc\x81tat"}).exitCode,
        0);  // é as e + U+0301: four columns
    auto table = cli({"anchor", "list"});
    std::istringstream lines(table.output);
    std::string header, first, second;
    std::getline(lines, header);
    std::getline(lines, first);
    std::getline(lines, second);
    // The SCOPE column starts at the same terminal column on every line: after ID and LABEL
    // (both padded), each row's text up to "all protocols" takes as many columns as the
    // header's up to "SCOPE".
    auto columnsBefore = [](const std::string& line, const std::string& what) {
        const std::size_t at = line.find(what);
        EXPECT_NE(at, std::string::npos) << line;
        const std::string prefix = line.substr(0, at);
        std::size_t columns = 0;
        for (std::size_t i = 0; i < prefix.size(); ++i) {
            const auto byte = static_cast<unsigned char>(prefix[i]);
            if ((byte & 0xc0) == 0x80) {
                continue;
            }
            columns += byte >= 0xe4 && byte <= 0xe9 ? 2 : 1;  // the CJK lead bytes used here
        }
        return columns - (prefix.find("\xcc\x81") != std::string::npos ? 1 : 0);
    };
    EXPECT_EQ(columnsBefore(first, "all protocols"), columnsBefore(header, "SCOPE"))
        << table.output;
    EXPECT_EQ(columnsBefore(second, "all protocols"), columnsBefore(header, "SCOPE"))
        << table.output;
}

// What a terminal takes as a control sequence never reaches it: a label with a C1 control
// (U+009B is an 8-bit CSI) is refused, and text read from a file in --db mode, where nothing
// goes over D-Bus, is valid UTF-8 with controls escaped in --json and replaced in tables.
TEST_F(CliContractTest, NoControlSequenceOrInvalidUtf8ReachesTheOutput) {
    auto csi = cli({"anchor", "add", (dir / "root.pem").string(), "--label",
                    "x\xc2\x9b"
                    "2J"});
    EXPECT_EQ(csi.exitCode, 65) << csi.errors;
    EXPECT_NE(csi.errors.find("control characters"), std::string::npos) << csi.errors;

    const std::string key = openSshLine(generateKey(KeyType::Ed25519).get());
    writeFile(dir / "known_hosts",
              "bad\xff\xc2\x9b[2J.example " + key + "\ngood.example " + key + "\n");
    const std::vector<std::string> local = {"--db", (dir / "local.db").string(), "--system-db",
                                            (dir / "local-system.db").string()};
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), local.begin(), local.end());
        return cli(args);
    };
    auto json = run({"pin", "import-known-hosts", (dir / "known_hosts").string(), "--json"});
    EXPECT_EQ(json.exitCode, 0) << json.errors;
    EXPECT_TRUE(jq(json.output, ".imported == 1 and .skipped == 1")) << json.output;
    EXPECT_EQ(json.output.find("\xc2\x9b"), std::string::npos) << json.output;
    EXPECT_EQ(json.output.find("\xff"), std::string::npos) << json.output;
    auto human = run({"pin", "import-known-hosts", (dir / "known_hosts").string()});
    EXPECT_EQ(human.exitCode, 0) << human.errors;
    EXPECT_EQ(human.output.find("\xc2\x9b"), std::string::npos) << human.output;
    EXPECT_EQ(human.output.find("\xff"), std::string::npos) << human.output;
}

TEST_F(CliContractTest, VerifyWithStapledOcsp) {
    ASSERT_EQ(cli({"anchor", "add", (dir / "root.pem").string()}).exitCode, 0);
    const std::string at = "1800000000";
    OcspSpec spec;
    spec.thisUpdate = 1800000000 - 3600;
    spec.nextUpdate = 1800000000 + 86400;
    spec.revokedAt = 1800000000 - 7200;
    Bytes good = makeOcspResponse(leaf, root, spec);
    spec.status = OcspSpec::Status::Revoked;
    Bytes revoked = makeOcspResponse(leaf, root, spec);
    writeFile(dir / "good.ocsp", std::string(good.begin(), good.end()));
    writeFile(dir / "revoked.ocsp", std::string(revoked.begin(), revoked.end()));
    auto verify = [&](const std::string& ocspFile, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"verify", "--protocol",      "https",
                                         "--peer", "www.example.com", "--at",
                                         at,       "--ocsp",          ocspFile};
        if (extra.empty()) {
            extra = {"--chain", leafFile()};
        }
        args.insert(args.end(), extra.begin(), extra.end());
        return cli(args);
    };

    auto accepted = verify((dir / "good.ocsp").string());
    EXPECT_EQ(accepted.exitCode, 0) << accepted.errors;
    auto rejected = verify((dir / "revoked.ocsp").string());
    EXPECT_EQ(rejected.exitCode, 1) << rejected.errors;
    EXPECT_EQ(rejected.output.rfind("rejected (revoked)\nRejected: the certificate "
                                    "\"CN=www.example.com\"",
                                    0),
              0u)
        << rejected.output;
    auto json = verify((dir / "revoked.ocsp").string(), {"--chain", leafFile(), "--json"});
    EXPECT_TRUE(jq(json.output,
                   ".verdict == \"rejected\" and .reason == \"revoked\" and "
                   ".details.failures == [\"revoked\"]"));

    // Another certificate's response is not silently ignored.
    Issued other = issue(serverSpec("other.example.com"), root);
    Bytes foreign = makeOcspResponse(other, root, spec);
    writeFile(dir / "foreign.ocsp", std::string(foreign.begin(), foreign.end()));
    auto bad = verify((dir / "foreign.ocsp").string());
    EXPECT_EQ(bad.exitCode, 1);
    EXPECT_EQ(bad.output.rfind("rejected (bad-ocsp)\n", 0), 0u) << bad.output;

    auto absent = verify((dir / "absent.ocsp").string());
    EXPECT_EQ(absent.exitCode, 66);
    EXPECT_NE(absent.errors.find("absent.ocsp"), std::string::npos) << absent.errors;
    auto garbage = verify((dir / "garbage.pem").string());
    EXPECT_EQ(garbage.exitCode, 65);
    EXPECT_NE(garbage.errors.find("not a valid OCSP response"), std::string::npos)
        << garbage.errors;
    writeFile(dir / "empty.ocsp", "");
    EXPECT_EQ(verify((dir / "empty.ocsp").string()).exitCode, 65);
    writeFile(dir / "leaf.key", leaf.spkiDerPem);
    auto notAChain = verify((dir / "good.ocsp").string(), {"--spki", (dir / "leaf.key").string()});
    EXPECT_EQ(notAChain.exitCode, 64);
    EXPECT_NE(notAChain.errors.find("--ocsp is about a certificate"), std::string::npos);
}

TEST_F(CliContractTest, CrlAddListRemoveAndExitCodes) {
    const UnixTime now = static_cast<UnixTime>(std::time(nullptr));
    Issued other = issue(serverSpec("other.example.com"), root);
    writeFile(dir / "other.pem", other.pem);
    CrlSpec spec;
    spec.revoked = {{&leaf, now - 7200}};
    spec.thisUpdate = now - 3600;
    spec.nextUpdate = now + 86400;
    spec.number = 4;
    writeFile(dir / "root.crl", makeCrlPem(root, spec));
    CrlSpec stale = spec;
    stale.number = 3;
    stale.thisUpdate = now - 40 * 86400;
    stale.nextUpdate = now - 33 * 86400;
    Bytes staleDer = makeCrl(root, stale);
    writeFile(dir / "stale.crl", std::string(staleDer.begin(), staleDer.end()));
    writeFile(dir / "garbage.crl", "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
    std::string crlFile = (dir / "root.crl").string();

    // 64: the command line itself.
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"crl"},
                                               {"crl", "add"},
                                               {"crl", "frob"},
                                               {"crl", "add", crlFile, "--bogus"},
                                               {"crl", "remove"},
                                               {"crl", "list", "extra"}}) {
        auto result = cli(args);
        EXPECT_EQ(result.exitCode, 64) << args.back() << ": " << result.errors;
    }
    // 66: missing files and ids; 65: content, and no anchor to vouch for the signer yet.
    EXPECT_EQ(cli({"crl", "add", (dir / "absent.crl").string()}).exitCode, 66);
    EXPECT_EQ(cli({"crl", "add", crlFile, "--issuer", (dir / "absent.pem").string()}).exitCode, 66);
    EXPECT_EQ(cli({"crl", "remove", "0123456789abcdef"}).exitCode, 66);
    EXPECT_EQ(cli({"crl", "add", (dir / "garbage.crl").string()}).exitCode, 65);
    auto withoutAnchor = cli({"crl", "add", crlFile});
    EXPECT_EQ(withoutAnchor.exitCode, 65);
    EXPECT_NE(withoutAnchor.errors.find("--issuer"), std::string::npos) << withoutAnchor.errors;

    ASSERT_EQ(cli({"anchor", "add", (dir / "root.pem").string(), "--label", "Cli Root"}).exitCode,
              0);
    EXPECT_EQ(cli({"crl", "add", crlFile, "--issuer", (dir / "garbage.pem").string()}).exitCode,
              65);
    auto added = cli({"crl", "add", crlFile});
    EXPECT_EQ(added.exitCode, 0) << added.errors;
    EXPECT_EQ(added.output.rfind("added CRL ", 0), 0u) << added.output;
    std::string id = added.output.substr(10, 16);
    auto again = cli({"crl", "add", crlFile});
    EXPECT_EQ(again.exitCode, 0);
    EXPECT_EQ(again.output, "CRL " + id + " already exists; nothing changed\n");
    auto older = cli({"crl", "add", (dir / "stale.crl").string()});
    EXPECT_EQ(older.exitCode, 65);
    EXPECT_NE(older.errors.find(id), std::string::npos) << older.errors;

    auto revoked =
        cli({"verify", "--protocol", "https", "--peer", "www.example.com", "--chain", leafFile()});
    EXPECT_EQ(revoked.exitCode, 1);
    EXPECT_EQ(revoked.output.rfind("rejected (revoked)\n", 0), 0u) << revoked.output;
    EXPECT_NE(revoked.output.find("CRL " + id), std::string::npos);
    EXPECT_EQ(cli({"verify", "--protocol", "https", "--peer", "other.example.com", "--chain",
                   (dir / "other.pem").string()})
                  .exitCode,
              0);

    auto json = cli({"crl", "list", "--json"});
    EXPECT_EQ(json.exitCode, 0);
    EXPECT_TRUE(jq(json.output, ".crls | length == 1"));
    EXPECT_TRUE(jq(json.output, ".crls[0].id == \"" + id + "\" and .crls[0].entries == 1"));
    EXPECT_TRUE(jq(json.output, ".crls[0].issuer == \"CN=Cli Root\" and .crls[0].stale == false"));
    EXPECT_TRUE(jq(json.output, ".crls[0].crl_number == \"4\" and .crls[0].layer == \"user\""));
    EXPECT_TRUE(jq(json.output, ".crls[0].next_update | test(\"^[0-9-]{10}T[0-9:]{8}Z$\")"));
    auto anchors = cli({"anchor", "list", "--json"});
    EXPECT_TRUE(jq(anchors.output, ".anchors[0].exports.pem_file.level == \"none\""));
    EXPECT_TRUE(jq(anchors.output, ".anchors[0].exports.nss.why | contains(\"" + id + "\")"));

    // A stale CRL is still accepted and applied; the table says so, aligned.
    ASSERT_EQ(cli({"crl", "remove", id.substr(0, 6)}).exitCode, 0);
    auto staleAdded = cli({"crl", "add", (dir / "stale.crl").string()});
    EXPECT_EQ(staleAdded.exitCode, 0) << staleAdded.errors;
    EXPECT_EQ(
        cli({"verify", "--protocol", "https", "--peer", "www.example.com", "--chain", leafFile()})
            .exitCode,
        1);
    auto table = cli({"crl", "list"});
    std::istringstream lines(table.output);
    std::string header, row;
    std::getline(lines, header);
    std::getline(lines, row);
    for (const char* column : {"ID", "ISSUER", "THIS UPDATE", "NEXT UPDATE", "ENTRIES", "STALE"}) {
        EXPECT_NE(header.find(column), std::string::npos) << header;
    }
    auto staleColumn = header.find("STALE");
    ASSERT_NE(staleColumn, std::string::npos);
    EXPECT_EQ(row.substr(staleColumn, 5), "stale") << table.output;
    EXPECT_EQ(row.substr(header.find("ISSUER"), 11), "CN=Cli Root") << table.output;

    // The newer list takes the stale one's place, and says so.
    std::string staleId = staleAdded.output.substr(10, 16);
    auto replacing = cli({"crl", "add", crlFile});
    EXPECT_EQ(replacing.exitCode, 0) << replacing.errors;
    EXPECT_EQ(replacing.output, "added CRL " + id + " in place of the older CRL " + staleId +
                                    " of the same issuer\n");
}

// The success paths of the contract's commands, each run through the CLI and its effect read
// back through the CLI: an anchor's whole scope, --spki for verify and pin add, removing by id
// prefix, forgetting by age, and the distrust table.
TEST_F(CliContractTest, EveryCommandDoesWhatItSaysThroughTheCli) {
    Issued excludedLeaf = issue(serverSpec("bad.example.com"), root);
    writeFile(dir / "excluded.pem", excludedLeaf.pem);
    auto added = cli({"anchor", "add", (dir / "root.pem").string(), "--protocols", "https",
                      "--permit", ".example.com", "--exclude", "bad.example.com", "--not-after",
                      "2099-01-02", "--label", "Scoped Root"});
    ASSERT_EQ(added.exitCode, 0) << added.errors;
    // An excluded name is a subtree (it and every name under it), listed in that form.
    auto anchors = cli({"anchor", "list", "--json"});
    EXPECT_TRUE(jq(anchors.output,
                   ".anchors[0].label == \"Scoped Root\" and "
                   ".anchors[0].scope.protocols == [\"https\"] and "
                   ".anchors[0].scope.permit == [\".example.com\"] and "
                   ".anchors[0].scope.exclude == [\".bad.example.com\"] and "
                   ".anchors[0].scope.not_after == \"2099-01-02T00:00:00Z\""))
        << anchors.output;
    EXPECT_EQ(
        cli({"verify", "--protocol", "https", "--peer", "www.example.com", "--chain", leafFile()})
            .exitCode,
        0);
    auto excluded = cli({"verify", "--protocol", "https", "--peer", "bad.example.com", "--chain",
                         (dir / "excluded.pem").string()});
    EXPECT_EQ(excluded.exitCode, 1) << excluded.output;
    EXPECT_NE(excluded.output.find("rejected (out-of-scope)"), std::string::npos)
        << excluded.output;

    // --spki: first use, pinned by its public key alone, then accepted as pinned.
    writeFile(dir / "leaf.key", leaf.spkiDerPem);
    const std::string key = (dir / "leaf.key").string();
    EXPECT_EQ(cli({"verify", "--protocol", "tls", "--peer", "nas.lan", "--spki", key}).exitCode, 2);
    auto pinned = cli({"pin", "add", "--protocol", "tls", "--peer", "nas.lan", "--spki", key});
    EXPECT_EQ(pinned.exitCode, 0) << pinned.errors;
    auto known = cli({"verify", "--protocol", "tls", "--peer", "nas.lan", "--spki", key});
    EXPECT_EQ(known.exitCode, 0) << known.output;
    EXPECT_NE(known.output.find("accepted (pinned)"), std::string::npos) << known.output;

    // pin forget --older-than: a pin neither made nor seen within the days given goes; a
    // fresh one stays. One pin is aged in the store itself, as forty days would.
    ASSERT_EQ(cli({"pin", "add", "--protocol", "tls", "--peer", "old.lan", "--spki", key}).exitCode,
              0);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "user.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);  // the daemon may be writing the sighting of nas.lan
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE pins SET first_seen = first_seen - 40 * 86400 "
                           "WHERE peer = 'old.lan'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
    auto forgot = cli({"pin", "forget", "--older-than", "30"});
    EXPECT_EQ(forgot.exitCode, 0) << forgot.errors;
    EXPECT_EQ(forgot.output, "forgot 1 pin\n");
    auto pins = cli({"pin", "list", "--json"});
    EXPECT_TRUE(jq(pins.output, "(.pins | length) == 1 and .pins[0].peer == \"nas.lan\""))
        << pins.output;

    // Removal by a unique prefix of the id.
    std::string pinId = jqText(pins.output, ".pins[0].id");
    ASSERT_EQ(pinId.size(), 16u) << pins.output;
    auto removedPin = cli({"pin", "remove", pinId.substr(0, 6)});
    EXPECT_EQ(removedPin.exitCode, 0) << removedPin.errors;
    EXPECT_TRUE(jq(cli({"pin", "list", "--json"}).output, ".pins | length == 0"));
    EXPECT_EQ(cli({"verify", "--protocol", "tls", "--peer", "nas.lan", "--spki", key}).exitCode, 2);
    std::string anchorId = jqText(cli({"anchor", "list", "--json"}).output, ".anchors[0].id");
    ASSERT_EQ(anchorId.size(), 16u);
    auto removedAnchor = cli({"anchor", "remove", anchorId.substr(0, 6)});
    EXPECT_EQ(removedAnchor.exitCode, 0) << removedAnchor.errors;
    EXPECT_TRUE(jq(cli({"anchor", "list", "--json"}).output, ".anchors | length == 0"));
    // https takes only CA-issued keys: without the anchor, the issuer is untrusted.
    auto untrusted =
        cli({"verify", "--protocol", "https", "--peer", "www.example.com", "--chain", leafFile()});
    EXPECT_EQ(untrusted.exitCode, 1);
    EXPECT_NE(untrusted.output.find("rejected (untrusted-issuer)"), std::string::npos)
        << untrusted.output;

    // The distrust table: a certificate and a bare key, their fingerprints in one column.
    ASSERT_EQ(cli({"distrust", "add", (dir / "root.pem").string()}).exitCode, 0);
    ASSERT_EQ(cli({"distrust", "add", "--spki", key}).exitCode, 0);
    auto table = cli({"distrust", "list"});
    EXPECT_EQ(table.exitCode, 0);
    std::istringstream lines(table.output);
    std::string header, first, second, extra;
    std::getline(lines, header);
    std::getline(lines, first);
    std::getline(lines, second);
    EXPECT_FALSE(std::getline(lines, extra)) << table.output;
    const auto column = header.find("FINGERPRINT");
    ASSERT_NE(column, std::string::npos) << table.output;
    EXPECT_EQ(header.rfind("ID", 0), 0u) << table.output;
    for (const std::string& row : {first, second}) {
        ASSERT_GT(row.size(), column) << table.output;
        EXPECT_EQ(row.substr(column, 7), "SHA256:") << table.output;
    }
    std::string distrustId = jqText(cli({"distrust", "list", "--json"}).output, ".distrust[0].id");
    EXPECT_EQ(cli({"distrust", "remove", distrustId}).exitCode, 0);
    EXPECT_TRUE(jq(cli({"distrust", "list", "--json"}).output, ".distrust | length == 1"));
}

TEST_F(CliContractTest, HelpOnEveryCommand) {
    for (const auto& command : {"verify", "pin", "anchor", "distrust", "crl", "protocol"}) {
        auto help = cli({command, "--help"});
        EXPECT_EQ(help.exitCode, 0) << command;
        EXPECT_EQ(help.output.rfind("usage: peertrust", 0), 0u) << command << ": " << help.output;
    }
    EXPECT_EQ(cli({"--help"}).exitCode, 0);
    for (const auto& args : std::vector<std::vector<std::string>>{{"-h"}, {"pin", "-h"}}) {
        auto help = cli(args);
        EXPECT_EQ(help.exitCode, 0) << args.back() << ": " << help.errors;
        EXPECT_EQ(help.output.rfind("usage: peertrust", 0), 0u) << help.output;
    }
    // Each subcommand of the contract answers --help with its command's usage, which names it.
    const std::vector<std::pair<std::string, std::vector<std::string>>> contract = {
        {"pin", {"add", "list", "remove", "forget"}},
        {"anchor", {"add", "list", "remove", "scope", "import-system"}},
        {"distrust", {"add", "list", "remove"}},
        {"crl", {"add", "list", "remove"}},
        {"protocol", {"list", "add"}},
    };
    for (const auto& [command, actions] : contract) {
        for (const std::string& action : actions) {
            auto help = cli({command, action, "--help"});
            EXPECT_EQ(help.exitCode, 0) << command << " " << action << ": " << help.errors;
            EXPECT_EQ(help.output.rfind("usage: peertrust " + command, 0), 0u)
                << command << " " << action << ": " << help.output;
            EXPECT_NE(help.output.find("peertrust " + command + " " + action), std::string::npos)
                << command << " " << action << " is not in its own help: " << help.output;
        }
    }
    auto verifyHelp = cli({"verify", "--help"});
    for (const char* option : {"--protocol", "--peer", "--chain", "--spki", "--ssh-key", "--at",
                               "--pin-on-first-use", "--json"}) {
        EXPECT_NE(verifyHelp.output.find(option), std::string::npos) << option;
    }
    // The top-level help names every command and every exit code.
    auto top = cli({"--help"});
    for (const char* named :
         {"verify", "pin", "anchor", "distrust", "crl", "protocol", "keys", "64 usage",
          "65 invalid", "66 not found", "69 no daemon", "77 not authorised", "70 internal"}) {
        EXPECT_NE(top.output.find(named), std::string::npos) << named << ": " << top.output;
    }
    for (const auto& action : {"add", "list", "remove"}) {
        auto help = cli({"crl", action, "--help"});
        EXPECT_EQ(help.exitCode, 0) << action;
        EXPECT_NE(help.output.find("peertrust crl add CRL_FILE [--issuer CERTIFICATE_FILE]"),
                  std::string::npos)
            << help.output;
    }
}

}  // namespace
}  // namespace peertrust::testing
