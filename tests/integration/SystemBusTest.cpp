// peertrustd --system with a real second Unix user: that user may Verify and list, every write
// answers NotAuthorized; root writes; Changed carries no peer name; the user's own session
// daemon sees the machine's anchors under its own pins.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <mutex>

#include "peertrust/Client.h"
#include "policy/ProtocolRegistry.h"
#include "support/CertFactory.h"
#include "support/CrlFactory.h"
#include "support/ResultAssertions.h"
#include "support/SystemDaemonTest.h"

namespace peertrust::testing {
namespace {

class SystemBusTest : public SystemDaemonTest {
protected:
    void SetUp() override {
        SystemDaemonTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        auto connected = Client::connect(Bus::System);
        ASSERT_TRUE(connected.ok()) << connected.error().message();
        root = std::move(connected).value();
        CertSpec ca;
        ca.commonName = "Machine Root";
        ca.isCa = true;
        machineRoot = selfSigned(ca);
        CertSpec server;
        server.dnsNames = {"www.example.com"};
        server.purposes = {policy::kPurposeServerAuth};
        leaf = issue(server, machineRoot);
        writeFile(dir / "root.pem", machineRoot.pem);
        writeFile(dir / "leaf.pem", leaf.pem);
        const UnixTime now = static_cast<UnixTime>(std::time(nullptr));
        CrlSpec spec;
        spec.revoked = {{&leaf, now - 7200}};
        spec.thisUpdate = now - 3600;
        writeFile(dir / "root.crl", makeCrlPem(machineRoot, spec));
    }

    std::unique_ptr<Client> root;
    Issued machineRoot, leaf;
};

TEST_F(SystemBusTest, UnprivilegedUserVerifiesAndReadsButCannotWrite) {
    auto anchor = root->addAnchor({machineRoot.der, {}, "Machine Root"});
    ASSERT_TRUE(anchor.ok()) << anchor.error().message();
    const std::filesystem::path fixtures = PEERTRUST_FIXTURES_DIR "/known-hosts";
    for (const char* name : {"known_hosts", "gnutls_known_hosts"}) {
        const Bytes text = readFile(fixtures / name);
        writeFile(dir / name, std::string(text.begin(), text.end()));
    }

    auto verified = cliAsUser({"verify", "--protocol", "https", "--peer", "www.example.com",
                               "--chain", (dir / "leaf.pem").string()});
    EXPECT_EQ(verified.exitCode, 0) << verified.output << verified.errors;
    EXPECT_NE(verified.output.find("accepted (anchor)"), std::string::npos);
    auto listed = cliAsUser({"anchor", "list", "--json"});
    EXPECT_EQ(listed.exitCode, 0) << listed.errors;
    EXPECT_NE(listed.output.find(anchor->id), std::string::npos);
    EXPECT_EQ(cliAsUser({"pin", "list"}).exitCode, 0);
    EXPECT_EQ(cliAsUser({"distrust", "list"}).exitCode, 0);
    EXPECT_EQ(cliAsUser({"crl", "list"}).exitCode, 0);
    EXPECT_EQ(cliAsUser({"protocol", "list"}).exitCode, 0);

    // Every write: exit 77 with the reason.
    std::vector<std::vector<std::string>> writes = {
        {"anchor", "add", (dir / "root.pem").string()},
        {"anchor", "remove", anchor->id},
        {"anchor", "scope", anchor->id, "--protocols", "smtp"},
        {"anchor", "import-system"},
        {"pin", "add", "--protocol", "tls", "--peer", "x.example", "--chain",
         (dir / "leaf.pem").string()},
        {"pin", "remove", "0123456789abcdef"},
        {"pin", "forget", "--peer", "x.example"},
        {"pin", "import-known-hosts", (dir / "known_hosts").string()},
        {"pin", "import-gnutls", (dir / "gnutls_known_hosts").string()},
        {"distrust", "add", (dir / "root.pem").string()},
        {"distrust", "remove", "0123456789abcdef"},
        {"crl", "add", (dir / "root.crl").string()},
        {"crl", "remove", "0123456789abcdef"},
        {"protocol", "add", "irc", "--family", "tls", "--policy", "tofu"},
        {"verify", "--protocol", "tls", "--peer", "self.example", "--chain",
         (dir / "leaf.pem").string(), "--pin-on-first-use"},
    };
    for (const auto& write : writes) {
        auto result = cliAsUser(write);
        EXPECT_EQ(result.exitCode, 77) << write[0] << " " << write[1] << ": " << result.errors;
        EXPECT_NE(result.errors.find("may not change the machine's trust policy"),
                  std::string::npos)
            << result.errors;
    }
    // Nothing changed, and root still writes.
    auto anchors = root->listAnchors();
    ASSERT_OK(anchors);
    ASSERT_EQ(anchors->size(), 1u);
    EXPECT_EQ(anchors->front().id, anchor->id);
    EXPECT_EQ(anchors->front().scope, AnchorScope{}) << "the refused scope change landed";
    EXPECT_TRUE(root->listPins()->empty());
    EXPECT_TRUE(root->listDistrust()->empty());
    EXPECT_TRUE(root->listCrls()->empty());
    auto protocols = root->listProtocols();
    ASSERT_OK(protocols);
    for (const ProtocolInfo& protocol : *protocols) {
        EXPECT_NE(protocol.name, "irc") << "the refused protocol add landed";
    }
    EXPECT_TRUE(root->addProtocol({"irc", "tls", ProtocolPolicy::Tofu}).ok());
}

// The caller is who the bus says connected, not who /proc says holds the caller's pid now: a
// process whose real uid is root but whose effective uid (the one its socket carries) is the
// test user, as in a setuid program, is the test user.
TEST_F(SystemBusTest, TheCallersUidIsTheOneTheBusReports) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // Real uid root, effective uid the test user; the saved uid keeps root.
        if (setresgid(0, gid, 0) != 0 || setresuid(0, uid, 0) != 0) {
            _exit(3);
        }
        auto asUser = Client::connect(Bus::System);
        if (!asUser.ok()) {
            _exit(4);
        }
        auto added = (*asUser)->addProtocol({"irc", "tls", ProtocolPolicy::Tofu});
        _exit(added.ok() ? 1 : added.error().category() == ErrorCategory::NotAuthorized ? 0 : 2);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the write was let through; 2: another error";
    auto protocols = root->listProtocols();
    ASSERT_TRUE(protocols.ok());
    EXPECT_TRUE(std::none_of(protocols->begin(), protocols->end(),
                             [](const ProtocolInfo& p) { return p.name == "irc"; }));
}

// The uid is remembered per sender (the bus's unique name): two connections that stay open
// and call in turn, root's and the test user's, each keep their own. A cache keyed on anything
// coarser would let the user write after root or refuse root after the user. The user's side
// is a forked process that becomes the test user (as a setuid program does): it needs one
// connection across calls, with root's between them, where the CLI connects per command.
TEST_F(SystemBusTest, EachConnectionKeepsItsOwnCallersUid) {
    ASSERT_TRUE(root->addProtocol({"irc1", "tls", ProtocolPolicy::Tofu}).ok());
    int toChild[2], toParent[2];
    ASSERT_EQ(pipe(toChild), 0);
    ASSERT_EQ(pipe(toParent), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(toChild[1]);
        close(toParent[0]);
        if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
            _exit(3);
        }
        auto asUser = Client::connect(Bus::System);
        if (!asUser.ok()) {
            _exit(4);
        }
        auto refused = [&](const char* name) {
            auto added = (*asUser)->addProtocol({name, "tls", ProtocolPolicy::Tofu});
            return !added.ok() && added.error().category() == ErrorCategory::NotAuthorized;
        };
        // Reads first (the uid is now remembered for this connection), then a write.
        if (!(*asUser)->listProtocols().ok() || !refused("user1")) {
            _exit(5);
        }
        char go = 0;
        if (write(toParent[1], "r", 1) != 1 || read(toChild[0], &go, 1) != 1) {
            _exit(6);
        }
        // Root has written in between on its own connection.
        _exit(refused("user2") && (*asUser)->listAnchors().ok() ? 0 : 7);
    }
    close(toChild[0]);
    close(toParent[1]);
    char ready = 0;
    const bool childReady = read(toParent[0], &ready, 1) == 1;
    if (childReady) {
        // The user's connection is remembered now; root's, also remembered, still writes.
        EXPECT_TRUE(root->addProtocol({"irc2", "tls", ProtocolPolicy::Tofu}).ok());
        EXPECT_EQ(write(toChild[1], "g", 1), 1);
    }
    // Reaped whatever happened: a child that stopped early finds its pipe closed.
    close(toChild[1]);
    close(toParent[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0)
        << "3: cannot become the test user; 4: cannot connect; 5: first write not refused; "
           "6: lost the test; 7: second write not refused";
    ASSERT_TRUE(childReady);
    EXPECT_TRUE(root->addProtocol({"irc3", "tls", ProtocolPolicy::Tofu}).ok());
    auto protocols = root->listProtocols();
    ASSERT_TRUE(protocols.ok());
    EXPECT_TRUE(std::none_of(protocols->begin(), protocols->end(), [](const ProtocolInfo& p) {
        return p.name == "user1" || p.name == "user2";
    }));
}

TEST_F(SystemBusTest, AdminGroupMembersWriteOnlyWhileInTheGroup) {
    uid_t adminUid = 0;
    gid_t adminGid = 0;
    ASSERT_TRUE(testAdministrator(adminUid, adminGid));
    auto membership = [](const char* change) {
        return std::system((std::string("gpasswd ") + change +
                            " peertrust-test-admin peertrust-test-admins >/dev/null")
                               .c_str());
    };
    ASSERT_EQ(membership("-a"), 0);
    auto added = cliAs(adminUid, adminGid,
                       {"protocol", "add", "irc", "--family", "tls", "--policy", "tofu"});
    EXPECT_EQ(added.exitCode, 0) << added.errors;

    // Taken out of the group: refused at once, with no restart of the daemon.
    ASSERT_EQ(membership("-d"), 0);
    auto refused = cliAs(adminUid, adminGid, {"anchor", "add", (dir / "root.pem").string()});
    EXPECT_EQ(refused.exitCode, 77) << refused.output << refused.errors;
    EXPECT_NE(refused.errors.find("only root and members of the group \"peertrust-test-admins\""),
              std::string::npos)
        << refused.errors;
    EXPECT_TRUE(root->listAnchors()->empty());

    // And back in: writes again.
    ASSERT_EQ(membership("-a"), 0);
    auto again = cliAs(adminUid, adminGid, {"anchor", "add", (dir / "root.pem").string()});
    EXPECT_EQ(again.exitCode, 0) << again.errors;
    EXPECT_EQ(root->listAnchors()->size(), 1u);
    auto protocols = root->listProtocols();
    ASSERT_TRUE(protocols.ok());
    EXPECT_TRUE(std::any_of(protocols->begin(), protocols->end(),
                            [](const ProtocolInfo& p) { return p.name == "irc"; }));
}

TEST_F(SystemBusTest, AdministratorsCrlRejectsForEveryoneAndOnlyWritersRemoveIt) {
    ASSERT_TRUE(root->addAnchor({machineRoot.der, {}, "Machine Root"}).ok());
    auto crl = root->addCrl({readFile(dir / "root.crl")});
    ASSERT_TRUE(crl.ok()) << crl.error().message();
    auto verified = cliAsUser({"verify", "--protocol", "https", "--peer", "www.example.com",
                               "--chain", (dir / "leaf.pem").string()});
    EXPECT_EQ(verified.exitCode, 1) << verified.output << verified.errors;
    EXPECT_NE(verified.output.find("rejected (revoked)"), std::string::npos) << verified.output;
    EXPECT_NE(verified.output.find("CRL " + crl->id + " (system store)"), std::string::npos);
    auto listed = cliAsUser({"crl", "list", "--json"});
    EXPECT_EQ(listed.exitCode, 0) << listed.errors;
    EXPECT_NE(listed.output.find("\"id\":\"" + crl->id + "\""), std::string::npos) << listed.output;
    auto removed = cliAsUser({"crl", "remove", crl->id});
    EXPECT_EQ(removed.exitCode, 77) << removed.errors;
    EXPECT_EQ(root->listCrls()->size(), 1u);
    EXPECT_TRUE(root->removeCrl(crl->id).ok());
    EXPECT_EQ(cliAsUser({"verify", "--protocol", "https", "--peer", "www.example.com", "--chain",
                         (dir / "leaf.pem").string()})
                  .exitCode,
              0);
}

TEST_F(SystemBusTest, ChangedSignalsCarryIdsNotPeerNames) {
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<std::pair<std::string, std::string>> changes;
    auto watcher = Client::connect(Bus::System);
    ASSERT_TRUE(watcher.ok());
    ASSERT_TRUE((*watcher)
                    ->subscribe([&](const std::string& kind, const std::string& id) {
                        std::lock_guard lock(mutex);
                        changes.emplace_back(kind, id);
                        arrived.notify_all();
                    })
                    .ok());
    auto pin = root->addPin({"tls", "secret-host.example", KeyFormat::X509Chain, leaf.der});
    ASSERT_TRUE(pin.ok()) << pin.error().message();
    ASSERT_TRUE(root->forgetPins({std::string("secret-host.example"), std::nullopt}).ok());
    // A pin made on first use (tofu-new) is signalled from the Verify path: by its id too.
    Issued self = selfSigned(serverSpec("secret-tofu.example"));
    auto tofu = root->verify(
        {"tls", "secret-tofu.example", KeyFormat::X509Chain, self.der, std::nullopt, true});
    ASSERT_TRUE(tofu.ok()) << tofu.error().message();
    ASSERT_EQ(tofu->reason, "tofu-new");
    ASSERT_EQ(tofu->details.pins.size(), 1u);
    std::unique_lock lock(mutex);
    ASSERT_TRUE(
        arrived.wait_for(lock, std::chrono::seconds(10), [&] { return changes.size() >= 3; }));
    EXPECT_EQ(changes[0], (std::pair<std::string, std::string>{"pin", pin->id}));
    EXPECT_EQ(changes[2],
              (std::pair<std::string, std::string>{"pin", tofu->details.pins.front().pinId}));
    for (const auto& [kind, id] : changes) {
        EXPECT_EQ(id.find("secret"), std::string::npos);
    }
}

TEST_F(SystemBusTest, SessionDaemonOfTheUserSeesMachineAnchorsAndItsOwnPins) {
    ASSERT_TRUE(root->addAnchor({machineRoot.der, {}, "Machine Root"}).ok());
    std::filesystem::path home = dir / "home";
    std::filesystem::create_directories(home);
    ::chown(home.c_str(), uid, gid);
    TestBus session(BusKind::Session, home, uid, gid);
    auto sessionDaemon = std::make_unique<ChildProcess>(
        std::vector<std::string>{builtProgram("peertrustd"), "--session", "--system-db",
                                 (dir / "system.db").string()},
        std::vector<std::string>{session.environmentEntry(), "XDG_DATA_HOME=" + home.string(),
                                 "HOME=" + home.string()},
        uid, gid);
    auto cli = [&](std::vector<std::string> args) {
        args.insert(args.begin(), builtProgram("peertrust"));
        return runProgram(args, {session.environmentEntry()}, uid, gid);
    };
    ProgramResult listed;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    do {
        listed = cli({"anchor", "list"});
    } while (listed.exitCode == 69 && std::chrono::steady_clock::now() < deadline);
    ASSERT_EQ(listed.exitCode, 0) << listed.errors;
    EXPECT_NE(listed.output.find("Machine Root"), std::string::npos);
    EXPECT_NE(listed.output.find("system"), std::string::npos);

    Issued self = selfSigned(CertSpec{});
    writeFile(dir / "self.pem", self.pem);
    auto pinned = cli({"pin", "add", "--protocol", "tls", "--peer", "nas.lan", "--chain",
                       (dir / "self.pem").string()});
    EXPECT_EQ(pinned.exitCode, 0) << pinned.errors;
    EXPECT_EQ(cli({"verify", "--protocol", "tls", "--peer", "nas.lan", "--chain",
                   (dir / "self.pem").string()})
                  .exitCode,
              0);
    EXPECT_EQ(cli({"verify", "--protocol", "https", "--peer", "www.example.com", "--chain",
                   (dir / "leaf.pem").string()})
                  .exitCode,
              0);
    // The user's pin lives in the user's own store, private to them.
    struct stat st {};
    ASSERT_EQ(::stat((home / "peertrust" / "user.db").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, uid);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(root->listPins()->size(), 0u);
    EXPECT_EQ(sessionDaemon->terminate(), 0);
}

}  // namespace
}  // namespace peertrust::testing
