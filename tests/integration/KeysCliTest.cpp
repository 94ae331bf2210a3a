// peertrust keys against a real daemon whose key layer runs a real SoftHSM2 token: DESIGN.md's
// exit codes, --json read back by jq, aligned tables, and the whole path end to end: a key
// created and granted with the CLI signs through the stock p11-kit-client.so (pkcs11-tool),
// the signature verifies (openssl) with the public key the CLI listed, and the audit shows it,
// also after the daemon was killed.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "support/CertFactory.h"
#include "support/SessionDaemonTest.h"
#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {
namespace {

constexpr const char* kClientModule = "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so";

class KeysCliTest : public SessionDaemonTest {
protected:
    void SetUp() override {
        socket = (dir / "keys.sock").string();
        startDaemon({"--keys-socket", socket, "--keys-dir", (dir / "keys").string()});
    }

    // `peertrust keys create`, expecting success.
    void create(const std::string& type, const std::string& label, const std::string& set = "") {
        std::vector<std::string> args = {"keys",  "create", "--type",  type,
                                         "--use", "sign",   "--label", label};
        if (!set.empty()) {
            args.insert(args.end(), {"--set", set});
        }
        auto created = cli(args);
        ASSERT_EQ(created.exitCode, 0) << created.errors;
        EXPECT_EQ(created.output.rfind("created key ", 0), 0u) << created.output;
    }

    std::string socket;
};

TEST_F(KeysCliTest, HelpOnEveryAction) {
    for (const char* action :
         {"create", "import-cert", "grant", "revoke", "dispose", "list", "audit"}) {
        auto help = cli({"keys", action, "--help"});
        EXPECT_EQ(help.exitCode, 0) << action;
        EXPECT_EQ(help.output.rfind("usage: peertrust keys", 0), 0u) << action << help.output;
        EXPECT_NE(help.output.find(std::string("peertrust keys ") + action), std::string::npos)
            << action;
    }
    auto help = cli({"keys", "--help"});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.output.find("--type ec-p256|ec-p384|rsa-2048|rsa-3072"), std::string::npos);
    EXPECT_NE(cli({"--help"}).output.find("  keys "), std::string::npos);
}

TEST_F(KeysCliTest, UsageErrorsExit64) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"keys"},
             {"keys", "frobnicate"},
             {"keys", "create", "--type", "ec-p256", "--use", "sign"},
             {"keys", "create", "--type", "ec-p256", "--label", "x"},
             {"keys", "create", "--type", "ec-p256", "--use", "sign", "--label", "x", "--bogus"},
             {"keys", "import-cert", "x"},
             {"keys", "grant", "x"},
             {"keys", "grant", "--uid", "0"},
             {"keys", "grant", "x", "--uid", "12ab"},
             {"keys", "revoke", "x"},
             {"keys", "dispose"},
             {"keys", "list", "extra"},
             {"keys", "audit", "--since"},
             {"--db", (dir / "other.db").string(), "keys", "list"}}) {
        auto result = cli(args);
        EXPECT_EQ(result.exitCode, 64) << args[1] << ": " << result.errors;
        EXPECT_FALSE(result.errors.empty());
    }
}

TEST_F(KeysCliTest, InvalidValuesExit65) {
    EXPECT_EQ(
        cli({"keys", "create", "--type", "ed25519", "--use", "sign", "--label", "a"}).exitCode, 65);
    EXPECT_EQ(
        cli({"keys", "create", "--type", "ec-p256", "--use", "wrap", "--label", "a"}).exitCode, 65);
    EXPECT_EQ(cli({"keys", "create", "--type", "ec-p256", "--use", "sign", "--label", "bad label"})
                  .exitCode,
              65);
    create("ec-p256", "taken");
    auto again = cli({"keys", "create", "--type", "ec-p256", "--use", "sign", "--label", "taken"});
    EXPECT_EQ(again.exitCode, 65);
    EXPECT_NE(again.errors.find("exists already"), std::string::npos) << again.errors;
    auto date = cli({"keys", "grant", "taken", "--uid", "0", "--until", "tomorrow"});
    EXPECT_EQ(date.exitCode, 65);
    EXPECT_NE(date.errors.find("YYYY-MM-DD"), std::string::npos) << date.errors;
    EXPECT_EQ(cli({"keys", "audit", "--since", "2026-02-30"}).exitCode, 65);
    writeFile(dir / "garbage.pem",
              "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    EXPECT_EQ(cli({"keys", "import-cert", "taken", (dir / "garbage.pem").string()}).exitCode, 65);
    Issued stranger = selfSigned(serverSpec("stranger.example"));
    writeFile(dir / "stranger.pem", stranger.pem);
    auto wrongKey = cli({"keys", "import-cert", "taken", (dir / "stranger.pem").string()});
    EXPECT_EQ(wrongKey.exitCode, 65);
    EXPECT_NE(wrongKey.errors.find("for another key"), std::string::npos) << wrongKey.errors;
}

TEST_F(KeysCliTest, MissingThingsExit66) {
    create("ec-p256", "present");
    EXPECT_EQ(cli({"keys", "dispose", "absent"}).exitCode, 66);
    auto grant = cli({"keys", "grant", "absent", "--uid", "0"});
    EXPECT_EQ(grant.exitCode, 66);
    EXPECT_NE(grant.errors.find("no key or set named 'absent'"), std::string::npos) << grant.errors;
    auto user = cli({"keys", "grant", "present", "--uid", "no-such-user-here"});
    EXPECT_EQ(user.exitCode, 66);
    EXPECT_NE(user.errors.find("no user named"), std::string::npos) << user.errors;
    EXPECT_EQ(cli({"keys", "revoke", "present", "--uid", "4321"}).exitCode, 66);
    EXPECT_EQ(cli({"keys", "import-cert", "present", (dir / "absent.pem").string()}).exitCode, 66);
}

TEST_F(KeysCliTest, GrantRevokeDisposeRoundTrip) {
    create("ec-p256", "round", "trip");
    auto granted = cli({"keys", "grant", "trip", "--uid", "root", "--until", "2099-12-31"});
    EXPECT_EQ(granted.exitCode, 0) << granted.errors;
    EXPECT_EQ(granted.output, "granted trip to uid 0 until 2099-12-31T00:00:00Z\n");
    auto listed = cli({"keys", "list", "--json"});
    EXPECT_TRUE(jq(listed.output,
                   ".keys[0].grants == [{\"kind\": \"set\", \"subject\": \"trip\", "
                   "\"uid\": 0, \"until\": \"2099-12-31T00:00:00Z\"}]"))
        << listed.output;
    EXPECT_EQ(cli({"keys", "revoke", "trip", "--uid", "0"}).exitCode, 0);
    EXPECT_TRUE(jq(cli({"keys", "list", "--json"}).output, ".keys[0].grants == []"));
    EXPECT_EQ(cli({"keys", "dispose", "round"}).exitCode, 0);
    EXPECT_TRUE(jq(cli({"keys", "list", "--json"}).output, ".keys == []"));
}

TEST_F(KeysCliTest, ListIsJsonOrAnAlignedTable) {
    create("ec-p256", "web-ec", "web");
    create("rsa-2048", "a-much-longer-label", "web");
    auto json = cli({"keys", "list", "--json"});
    ASSERT_EQ(json.exitCode, 0) << json.errors;
    EXPECT_TRUE(jq(json.output, ".keys | length == 2")) << json.output;
    EXPECT_TRUE(jq(json.output, "[.keys[].set] == [\"web\", \"web\"]"));
    EXPECT_TRUE(jq(json.output,
                   "[.keys[] | select(.label == \"web-ec\")][0] | .type == "
                   "\"ec-p256\" and .use == \"sign\" and (.id | test(\"^[0-9a-f]{16}$\"))"
                   " and (.uri | startswith(\"pkcs11:\")) and .certificate == null"
                   " and (.public_key | startswith(\"-----BEGIN PUBLIC KEY-----\"))"
                   " and (.created | test(\"^[0-9-]{10}T[0-9:]{8}Z$\"))"));

    auto table = cli({"keys", "list"});
    ASSERT_EQ(table.exitCode, 0) << table.errors;
    std::istringstream lines(table.output);
    std::string header, first, second;
    std::getline(lines, header);
    std::getline(lines, first);
    std::getline(lines, second);
    ASSERT_FALSE(second.empty()) << table.output;
    EXPECT_EQ(header.rfind("ID", 0), 0u) << header;
    for (const char* column : {"LABEL", "SET", "TYPE", "USE", "URI"}) {
        EXPECT_NE(header.find(column), std::string::npos) << column;
    }
    auto uri = header.find("URI");
    EXPECT_EQ(first.substr(uri, 7), "pkcs11:") << table.output;
    EXPECT_EQ(second.substr(uri, 7), "pkcs11:") << table.output;
}

TEST_F(KeysCliTest, AuditOfNothingIsAnEmptyList) {
    auto json = cli({"keys", "audit", "--json"});
    ASSERT_EQ(json.exitCode, 0) << json.errors;
    EXPECT_EQ(json.output, "{\"audit\":[]}\n");
    auto table = cli({"keys", "audit", "--since", "2020-01-01"});
    EXPECT_EQ(table.exitCode, 0);
    EXPECT_EQ(table.output.rfind("TIME", 0), 0u) << table.output;
}

TEST_F(KeysCliTest, CreatedAndGrantedKeySignsThroughTheStockClientAndIsAudited) {
    create("ec-p256", "e2e-ec", "e2e");
    auto granted = cli({"keys", "grant", "e2e", "--uid", "root"});
    ASSERT_EQ(granted.exitCode, 0) << granted.errors;
    auto listed = cli({"keys", "list", "--json"});
    ASSERT_EQ(listed.exitCode, 0) << listed.errors;
    const std::string id = jqText(listed.output, ".keys[0].id");
    ASSERT_EQ(id.size(), 16u) << listed.output;
    writeFile(dir / "public.pem", jqText(listed.output, ".keys[0].public_key") + "\n");

    // pkcs11-tool signs the SHA-256 of a message with CKM_ECDSA; --signature-format openssl
    // writes the DER form that openssl verifies against the message itself.
    writeFile(dir / "message", "signed through the peertrust gateway\n");
    auto hash = runProgram({"/bin/sh", "-c",
                            "openssl dgst -sha256 -binary " + (dir / "message").string() + " >" +
                                (dir / "hash").string()});
    ASSERT_EQ(hash.exitCode, 0) << hash.errors;
    auto signature =
        runProgram({"/usr/bin/pkcs11-tool", "--module", kClientModule, "--token-label", "e2e",
                    "--sign", "-m", "ECDSA", "--id", id, "--signature-format", "openssl", "-i",
                    (dir / "hash").string(), "-o", (dir / "signature").string()},
                   {"P11_KIT_SERVER_ADDRESS=unix:path=" + socket});
    ASSERT_EQ(signature.exitCode, 0) << signature.output << signature.errors;
    auto verified =
        runProgram({"/usr/bin/openssl", "dgst", "-sha256", "-verify", (dir / "public.pem").string(),
                    "-signature", (dir / "signature").string(), (dir / "message").string()});
    EXPECT_EQ(verified.exitCode, 0) << verified.output << verified.errors;
    EXPECT_EQ(verified.output, "Verified OK\n");

    auto audit = cli({"keys", "audit", "--json"});
    ASSERT_EQ(audit.exitCode, 0) << audit.errors;
    EXPECT_TRUE(jq(audit.output, ".audit | length == 1")) << audit.output;
    EXPECT_TRUE(jq(audit.output, ".audit[0] | .key_id == \"" + id +
                                     "\" and .uid == 0 and .pid > 0 and .operation == \"sign\" "
                                     "and .mechanism == \"CKM_ECDSA\" and .result == \"ok\" and "
                                     "(.time | test(\"^[0-9-]{10}T[0-9:]{8}[.][0-9]{3}Z$\"))"))
        << audit.output;
    // --since after the signature: nothing.
    EXPECT_TRUE(
        jq(cli({"keys", "audit", "--since", "2099-01-01", "--json"}).output, ".audit == []"));
    auto table = cli({"keys", "audit"});
    EXPECT_NE(table.output.find(id), std::string::npos) << table.output;
    EXPECT_NE(table.output.find("CKM_ECDSA"), std::string::npos) << table.output;
}

// SIGKILL a second after a signature: the audit row was already written (batches go out at
// least every second), and the key and its grant are there for the daemon started next.
TEST_F(KeysCliTest, AHardKillLosesNoAuditOlderThanASecondAndNoKeysOrGrants) {
    create("ec-p256", "durable", "durable");
    ASSERT_EQ(cli({"keys", "grant", "durable", "--uid", "root"}).exitCode, 0);
    const std::string id = jqText(cli({"keys", "list", "--json"}).output, ".keys[0].id");
    writeFile(dir / "hash", std::string(32, 'h'));
    auto sign = [&] {
        return runProgram({"/usr/bin/pkcs11-tool", "--module", kClientModule, "--token-label",
                           "durable", "--sign", "-m", "ECDSA", "--id", id, "-i",
                           (dir / "hash").string(), "-o", (dir / "signature").string()},
                          {"P11_KIT_SERVER_ADDRESS=unix:path=" + socket});
    };
    auto signed1 = sign();
    ASSERT_EQ(signed1.exitCode, 0) << signed1.output << signed1.errors;
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    ::kill(daemon->process().pid(), SIGKILL);
    daemon->process().wait();

    daemon = std::make_unique<DaemonUnderTest>(
        *bus, BusKind::Session,
        std::vector<std::string>{"--db", (dir / "user.db").string(), "--system-db",
                                 (dir / "system.db").string(), "--keys-socket", socket,
                                 "--keys-dir", (dir / "keys").string()});
    auto audit = cli({"keys", "audit", "--json"});
    ASSERT_EQ(audit.exitCode, 0) << audit.errors;
    EXPECT_TRUE(jq(audit.output, ".audit | length == 1 and .[0].key_id == \"" + id + "\""))
        << audit.output;
    auto listed = cli({"keys", "list", "--json"});
    EXPECT_TRUE(
        jq(listed.output, ".keys[0].id == \"" + id + "\" and (.keys[0].grants | length) == 1"))
        << listed.output;
    auto signed2 = sign();
    EXPECT_EQ(signed2.exitCode, 0)
        << "no signature after the restart: " << signed2.output << signed2.errors;
}

// Without --keys-socket: exit 69 with the reason, as for no daemon at all.
class KeysCliWithoutKeyLayerTest : public SessionDaemonTest {};

TEST_F(KeysCliWithoutKeyLayerTest, Exit69SaysHowToStartTheKeyLayer) {
    startDaemon();
    auto result = cli({"keys", "list"});
    EXPECT_EQ(result.exitCode, 69);
    EXPECT_NE(result.errors.find("start peertrustd with --keys-socket"), std::string::npos)
        << result.errors;
    daemon->process().terminate();
    auto gone = cli({"keys", "list"});
    EXPECT_EQ(gone.exitCode, 69);
    EXPECT_NE(gone.errors.find("no peertrust daemon answers"), std::string::npos) << gone.errors;
}

}  // namespace
}  // namespace peertrust::testing
