// peertrustd refuses to start on a bad configuration or a damaged store, saying where and
// why, and prints its options on --help.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <thread>

#include "peertrust/Client.h"
#include "policy/PolicyEngine.h"
#include "store/TrustStore.h"
#include "support/CertFactory.h"
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
    // A key given twice: the second would quietly win, so neither does.
    writeFile(dir / "twice.conf", "admin_group = peertrust-admins\n# later\nadmin_group = wheel\n");
    // --session and --db keep a daemon that wrongly starts off the machine's bus and store.
    auto twice = runProgram({builtProgram("peertrustd"), "--session", "--config",
                             (dir / "twice.conf").string(), "--db", (dir / "user.db").string()});
    EXPECT_EQ(twice.exitCode, 78) << twice.errors;
    EXPECT_NE(twice.errors.find("twice.conf:3: \"admin_group\" is already set on line 1"),
              std::string::npos)
        << twice.errors;
    auto typo = runProgram({builtProgram("peertrustd"), "--session", "--config",
                            (dir / "typo.conf").string(), "--db", (dir / "user.db").string()});
    EXPECT_EQ(typo.exitCode, 78);
    EXPECT_NE(typo.errors.find(":1: unknown option \"admin_grup\""), std::string::npos)
        << typo.errors;

    // A file named with --config must be there: its settings are not silently dropped.
    auto absent = runProgram({builtProgram("peertrustd"), "--session", "--config",
                              (dir / "absent.conf").string(), "--db", (dir / "user.db").string()});
    EXPECT_EQ(absent.exitCode, 78);
    EXPECT_NE(absent.errors.find("cannot read the configuration " + (dir / "absent.conf").string() +
                                 ": No such file or directory"),
              std::string::npos)
        << absent.errors;

    // A directory reads as an empty stream: it must not pass for a file of defaults.
    auto directory = runProgram({builtProgram("peertrustd"), "--session", "--config",
                                 dir.path().string(), "--db", (dir / "user.db").string()});
    EXPECT_EQ(directory.exitCode, 78);
    EXPECT_NE(directory.errors.find("cannot read the configuration " + dir.path().string() +
                                    ": it is a directory"),
              std::string::npos)
        << directory.errors;

    auto flag = runProgram({builtProgram("peertrustd"), "--frobnicate"});
    EXPECT_EQ(flag.exitCode, 64);
    EXPECT_NE(flag.errors.find("unknown option \"--frobnicate\""), std::string::npos);
}

// Without --config the daemon reads /etc/peertrust/peertrustd.conf. Shown in a mount namespace
// of its own where /etc is an overlay whose changes land in this test's directory: the
// machine's /etc is never changed, and no other process sees the file.
TEST(DaemonStartupTest, WithoutConfigTheFileInEtcIsRead) {
    if (geteuid() != 0 || runProgram({"/usr/bin/unshare", "--mount", "true"}).exitCode != 0) {
        GTEST_SKIP() << "a mount namespace needs root with CAP_SYS_ADMIN";
    }
    TempDir dir;
    std::filesystem::create_directories(dir / "upper");
    std::filesystem::create_directories(dir / "work");
    const std::string script =
        "mount -t overlay peertrust-test -o lowerdir=/etc,upperdir=" + (dir / "upper").string() +
        ",workdir=" + (dir / "work").string() +
        " /etc && mkdir -p /etc/peertrust && printf 'workers = many\\n' "
        ">/etc/peertrust/peertrustd.conf && exec \"$0\" --session --db \"$1\"";
    // No bus to reach, and a time limit: a daemon that skipped the file fails, not hangs.
    auto result = runProgram(
        {"/usr/bin/timeout", "20", "/usr/bin/unshare", "--mount", "--propagation", "private",
         "/bin/sh", "-c", script, builtProgram("peertrustd"), (dir / "user.db").string()},
        {"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent"});
    EXPECT_EQ(result.exitCode, 78) << result.errors;
    EXPECT_NE(result.errors.find(
                  "/etc/peertrust/peertrustd.conf:1: workers must be a number from 1 to 64"),
              std::string::npos)
        << result.errors;
    EXPECT_TRUE(std::filesystem::exists(dir / "upper" / "peertrust" / "peertrustd.conf"))
        << "the file was not written into the overlay";
    EXPECT_FALSE(std::filesystem::exists(dir / "user.db")) << "the store was opened";
}

TEST(DaemonStartupTest, DamagedStoreStopsStartUp) {
    TempDir dir;
    writeFile(dir / "user.db", std::string(4096, 'x'));
    writeFile(dir / "empty.conf", "");
    auto result = runProgram({builtProgram("peertrustd"), "--session", "--config",
                              (dir / "empty.conf").string(), "--db", (dir / "user.db").string(),
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
          "--log-level", "--verdict-cache", "--keys", "--keys-socket", "--keys-dir", "--pem-bundle",
          "--pem-bundle-purpose", "--key-backend-module", "--key-backend-token",
          "--key-backend-pin-file", "--protocol"}) {
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
    std::filesystem::permissions(
        dir / "pin", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto missing =
        runProgram({builtProgram("peertrustd"), "--session", "--db", db, "--system-db", systemDb,
                    "--keys-socket", (dir / "keys.sock").string(), "--key-backend-module",
                    (dir / "nothing.so").string(), "--key-backend-token", "t",
                    "--key-backend-pin-file", (dir / "pin").string()});
    EXPECT_EQ(missing.exitCode, 69);
    EXPECT_NE(missing.errors.find("cannot load the key backend module"), std::string::npos)
        << missing.errors;
}

// The PIN opens every key on the token, so its file is read as OpenSSH reads a private key: one
// that other users may read, or a link to one, stops start-up before any module is loaded.
TEST(DaemonStartupTest, APinFileOthersMayReadStopsStartUp) {
    TempDir dir;
    writeFile(dir / "pin", "1234\n");
    std::filesystem::permissions(dir / "pin", static_cast<std::filesystem::perms>(0644));
    std::filesystem::create_symlink(dir / "pin", dir / "link");
    auto start = [&](const std::filesystem::path& pinFile) {
        return runProgram({builtProgram("peertrustd"), "--session", "--db",
                           (dir / "user.db").string(), "--system-db", (dir / "system.db").string(),
                           "--keys-socket", (dir / "keys.sock").string(), "--key-backend-module",
                           (dir / "nothing.so").string(), "--key-backend-token", "t",
                           "--key-backend-pin-file", pinFile.string()});
    };
    auto readable = start(dir / "pin");
    EXPECT_EQ(readable.exitCode, 69);
    EXPECT_NE(readable.errors.find("has mode 0644, so other users may read it; make it private "
                                   "(chmod 600 " +
                                   (dir / "pin").string() + ")"),
              std::string::npos)
        << readable.errors;
    EXPECT_EQ(readable.errors.find("cannot load the key backend module"), std::string::npos);

    std::filesystem::permissions(dir / "pin", static_cast<std::filesystem::perms>(0600));
    auto linked = start(dir / "link");
    EXPECT_EQ(linked.exitCode, 69);
    EXPECT_NE(
        linked.errors.find("cannot read the key backend's PIN from " + (dir / "link").string()),
        std::string::npos)
        << linked.errors;
    EXPECT_FALSE(std::filesystem::exists(dir / "keys.sock"));
}

// A socket in a directory other users may write could be swapped for a link between bind and
// chmod, and the chmod would open that file to all: such a directory stops start-up.
TEST(DaemonStartupTest, AKeysSocketInADirectoryOthersMayWriteStopsStartUp) {
    TempDir dir;
    std::filesystem::create_directories(dir / "open");
    std::filesystem::permissions(dir / "open", static_cast<std::filesystem::perms>(01777));
    auto open =
        runProgram({builtProgram("peertrustd"), "--session", "--db", (dir / "user.db").string(),
                    "--system-db", (dir / "system.db").string(), "--keys-socket",
                    (dir / "open" / "keys.sock").string(), "--keys-dir", (dir / "keys").string()});
    EXPECT_EQ(open.exitCode, 69);
    EXPECT_NE(open.errors.find("the keys socket's directory " + (dir / "open").string() + " (uid " +
                               std::to_string(::geteuid()) +
                               ", mode 1777) may be written by another user"),
              std::string::npos)
        << open.errors;
    EXPECT_FALSE(std::filesystem::exists(dir / "open" / "keys.sock"));

    // A private directory is no better inside one where others may rename it (not sticky).
    std::filesystem::create_directories(dir / "shared" / "private");
    std::filesystem::permissions(dir / "shared", static_cast<std::filesystem::perms>(0777));
    std::filesystem::permissions(dir / "shared" / "private",
                                 static_cast<std::filesystem::perms>(0700));
    auto inShared =
        runProgram({builtProgram("peertrustd"), "--session", "--db", (dir / "user.db").string(),
                    "--system-db", (dir / "system.db").string(), "--keys-socket",
                    (dir / "shared" / "private" / "keys.sock").string(), "--keys-dir",
                    (dir / "keys").string()});
    EXPECT_EQ(inShared.exitCode, 69);
    EXPECT_NE(inShared.errors.find(" is in " + std::filesystem::canonical(dir / "shared").string() +
                                   " (uid " + std::to_string(::geteuid()) +
                                   ", mode 0777), where another user may rename it"),
              std::string::npos)
        << inShared.errors;
    EXPECT_FALSE(std::filesystem::exists(dir / "shared" / "private" / "keys.sock"));
}

// The system store as the system daemon writes it (read-write, no user layer).
std::unique_ptr<policy::PolicyEngine> systemEngine(const std::filesystem::path& path) {
    auto store = store::TrustStore::open({path, true, std::nullopt});
    EXPECT_TRUE(store.ok()) << store.error().message();
    auto engine = policy::PolicyEngine::create(std::move(store).value());
    EXPECT_TRUE(engine.ok()) << engine.error().message();
    return std::move(engine).value();
}

// A session daemon reads the machine's configuration too. A protocol line for a protocol the
// system store holds is left to the system daemon, which applies the same file there: a copy in
// the user's store would outlive the administrator's later change and override it for good.
// The user's own `protocol add` is still kept in the user's store, even of what already holds.
TEST(DaemonStartupTest, ASessionDaemonLeavesTheSystemsProtocolsToTheSystem) {
    TempDir dir;
    ASSERT_TRUE(systemEngine(dir / "system.db")
                    ->addProtocol({"imaps", "tls", ProtocolPolicy::CaOnly})
                    .ok());
    writeFile(dir / "peertrustd.conf", "protocol = imaps tls ca-only\n");
    TestBus bus(BusKind::Session, dir.path());
    const std::vector<std::string> args = {"--db",        (dir / "user.db").string(),
                                           "--system-db", (dir / "system.db").string(),
                                           "--config",    (dir / "peertrustd.conf").string()};
    // The policy the session daemon applies to `name`, after `whileRunning`.
    auto policyOf = [&](const std::string& name, const std::function<void(Client&)>& whileRunning =
                                                     nullptr) -> std::optional<ProtocolPolicy> {
        DaemonUnderTest daemon(bus, BusKind::Session, args);
        auto client = Client::connect(Bus::Session);
        if (!client.ok()) {
            ADD_FAILURE() << client.error().message();
            return std::nullopt;
        }
        if (whileRunning) {
            whileRunning(**client);
        }
        auto protocols = (*client)->listProtocols();
        EXPECT_EQ(daemon.process().terminate(), 0);
        if (!protocols.ok()) {
            ADD_FAILURE() << protocols.error().message();
            return std::nullopt;
        }
        for (const auto& p : *protocols) {
            if (p.name == name) {
                return p.policy;
            }
        }
        return std::nullopt;
    };
    EXPECT_EQ(policyOf("imaps"), ProtocolPolicy::CaOnly);

    // The administrator makes imaps TOFU with the CLI and has not yet edited the file: the
    // system store decides, as the system daemon's next start will make the file decide.
    ASSERT_TRUE(
        systemEngine(dir / "system.db")->addProtocol({"imaps", "tls", ProtocolPolicy::Tofu}).ok());
    EXPECT_EQ(policyOf("imaps"), ProtocolPolicy::Tofu)
        << "the user's store kept a copy of the configuration's line";

    // A protocol the system store lacks is the session daemon's to add, as before.
    writeFile(dir / "peertrustd.conf", "protocol = gemini tls tofu\n");
    EXPECT_EQ(policyOf("gemini"), ProtocolPolicy::Tofu);

    // The user's own choice stays the user's, even where it matches the system's today.
    ASSERT_TRUE(systemEngine(dir / "system.db")
                    ->addProtocol({"pop3s", "tls", ProtocolPolicy::CaOnly})
                    .ok());
    auto mine = policyOf("pop3s", [](Client& client) {
        auto added = client.addProtocol({"pop3s", "tls", ProtocolPolicy::CaOnly});
        EXPECT_TRUE(added.ok() && added->created) << "the user's own add was not kept";
    });
    EXPECT_EQ(mine, ProtocolPolicy::CaOnly);
    ASSERT_TRUE(
        systemEngine(dir / "system.db")->addProtocol({"pop3s", "tls", ProtocolPolicy::Tofu}).ok());
    EXPECT_EQ(policyOf("pop3s"), ProtocolPolicy::CaOnly);
}

// "protocol = NAME FAMILY POLICY" in the file, or --protocol: added at start to the store the
// daemon writes, as `peertrust protocol add` would; starting again with them changes nothing.
TEST(DaemonStartupTest, ConfiguredProtocolsAreAddedAtStart) {
    TempDir dir;
    writeFile(dir / "peertrustd.conf", "protocol = imaps tls ca-only\n");
    const std::vector<std::string> args = {
        "--config",    (dir / "peertrustd.conf").string(), "--db",       (dir / "user.db").string(),
        "--system-db", (dir / "system.db").string(),       "--protocol", "gemini tls tofu"};
    TestBus bus(BusKind::Session, dir.path());
    for (int start = 0; start < 2; ++start) {
        DaemonUnderTest daemon(bus, BusKind::Session, args);
        auto client = Client::connect(Bus::Session);
        ASSERT_TRUE(client.ok()) << client.error().message();
        auto protocols = (*client)->listProtocols();
        ASSERT_TRUE(protocols.ok()) << protocols.error().message();
        auto find = [&](const std::string& name) -> const ProtocolInfo* {
            for (const auto& p : *protocols) {
                if (p.name == name) {
                    return &p;
                }
            }
            return nullptr;
        };
        const ProtocolInfo* imaps = find("imaps");
        ASSERT_NE(imaps, nullptr) << "start " << start;
        EXPECT_EQ(imaps->family, "tls");
        EXPECT_EQ(imaps->policy, ProtocolPolicy::CaOnly);
        EXPECT_FALSE(imaps->builtin);
        const ProtocolInfo* gemini = find("gemini");
        ASSERT_NE(gemini, nullptr) << "start " << start;
        EXPECT_EQ(gemini->policy, ProtocolPolicy::Tofu);
        EXPECT_EQ(daemon.process().terminate(), 0);
    }
}

// The bus going away ends the daemon with EX_UNAVAILABLE and a message (it aborted on the
// uncaught sdbus error before), the store closed intact, so a supervisor can restart it.
TEST(DaemonStartupTest, LosingTheBusEndsTheDaemonWithAMessage) {
    TempDir dir;
    TestBus bus(BusKind::Session, dir.path());
    DaemonUnderTest daemon(
        bus, BusKind::Session,
        {"--db", (dir / "user.db").string(), "--system-db", (dir / "system.db").string()},
        static_cast<uid_t>(-1), static_cast<gid_t>(-1), dir / "daemon.err");
    bus.stop();
    EXPECT_EQ(daemon.process().wait(), 69);
    const Bytes written = readFile(dir / "daemon.err");
    const std::string errors(written.begin(), written.end());
    EXPECT_NE(errors.find("peertrustd: lost the session bus: "), std::string::npos) << errors;
    EXPECT_EQ(errors.find("terminate called"), std::string::npos) << errors;
}

// The bus lost while workers still answer: each reply fails to send (sdbus-c++ throws), and
// that must end the daemon as any loss of the bus does (69, with a message), not abort it.
TEST(DaemonStartupTest, LosingTheBusWithCallsInFlightEndsTheDaemonWithAMessage) {
    TempDir dir;
    TestBus bus(BusKind::Session, dir.path());
    DaemonUnderTest daemon(bus, BusKind::Session,
                           {"--db", (dir / "user.db").string(), "--system-db",
                            (dir / "system.db").string(), "--workers", "2"},
                           static_cast<uid_t>(-1), static_cast<gid_t>(-1), dir / "daemon.err");
    // Imports of nearly 4 MiB each (the client's limit): seconds of work on the workers.
    const std::string key = openSshLine(generateKey(KeyType::Ed25519).get());
    std::string text;
    for (int i = 0; text.size() < 4 * 1000 * 1000; ++i) {
        text += "host" + std::to_string(i) + ".example " + key + "\n";
    }
    const Bytes hosts(text.begin(), text.end());
    std::vector<std::thread> callers;
    std::atomic<int> sent{0};
    for (int i = 0; i < 4; ++i) {
        callers.emplace_back([&] {
            auto client = Client::connect(Bus::Session);
            if (client.ok()) {
                ++sent;
                (void)(*client)->importKnownHosts(hosts);  // fails when the bus goes
            }
        });
    }
    while (sent < 4) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    bus.stop();
    for (auto& caller : callers) {
        caller.join();
    }
    EXPECT_EQ(daemon.process().wait(), 69);
    const Bytes written = readFile(dir / "daemon.err");
    const std::string errors(written.begin(), written.end());
    EXPECT_NE(errors.find("peertrustd: lost the session bus: "), std::string::npos) << errors;
    EXPECT_EQ(errors.find("terminate called"), std::string::npos) << errors;
}

// An admin group the group database does not know is said at start (writes are then root's
// alone); not fatal, since the group may be created later and is looked up at every write.
TEST(DaemonStartupTest, AnAdminGroupThatDoesNotExistIsSaidAtStart) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "a system bus needs root";
    }
    TempDir dir;
    {
        TestBus bus(BusKind::System, dir.path());
        DaemonUnderTest daemon(
            bus, BusKind::System,
            {"--db", (dir / "system.db").string(), "--admin-group", "peertrust-no-such-group"},
            static_cast<uid_t>(-1), static_cast<gid_t>(-1), dir / "daemon.err");
    }
    const Bytes written = readFile(dir / "daemon.err");
    const std::string errors(written.begin(), written.end());
    EXPECT_NE(errors.find("the admin group \"peertrust-no-such-group\" does not exist"),
              std::string::npos)
        << errors;
    EXPECT_NE(errors.find("serving org.peertrust.Trust1 on the system bus"), std::string::npos)
        << errors;
}

// The configuration file's key layer is the machine's (the system daemon's): a session daemon
// reading the same file starts without it, instead of failing on a PIN file only root reads.
TEST(DaemonStartupTest, ASessionDaemonLeavesTheFilesKeyLayerToTheSystemDaemon) {
    TempDir dir;
    writeFile(dir / "peertrustd.conf",
              "keys = yes\n"
              "keys_socket = " +
                  (dir / "machine-keys.sock").string() +
                  "\n"
                  "key_backend_module = /nonexistent/libmachine-hsm.so\n"
                  "key_backend_token = machine\n"
                  "key_backend_pin_file = /nonexistent/machine.pin\n");
    TestBus bus(BusKind::Session, dir.path());
    DaemonUnderTest daemon(
        bus, BusKind::Session,
        {"--config", (dir / "peertrustd.conf").string(), "--db", (dir / "user.db").string(),
         "--system-db", (dir / "system.db").string()},
        static_cast<uid_t>(-1), static_cast<gid_t>(-1), dir / "daemon.err");
    auto client = Client::connect(Bus::Session);
    ASSERT_TRUE(client.ok()) << client.error().message();
    EXPECT_TRUE((*client)->listProtocols().ok());
    EXPECT_FALSE(std::filesystem::exists(dir / "machine-keys.sock"));
}

TEST(DaemonStartupTest, ABadConfiguredProtocolStopsStartUpWithFileLineAndReason) {
    TempDir dir;
    auto startWith = [&](const std::string& text) {
        writeFile(dir / "peertrustd.conf", "# protocols\n" + text + "\n");
        return runProgram({builtProgram("peertrustd"), "--session", "--config",
                           (dir / "peertrustd.conf").string(), "--db", (dir / "user.db").string(),
                           "--system-db", (dir / "system.db").string()});
    };
    const std::string file = (dir / "peertrustd.conf").string();
    auto shape = startWith("protocol = imaps tls");
    EXPECT_EQ(shape.exitCode, 78);
    EXPECT_NE(shape.errors.find(file + ":2: protocol must be \"NAME FAMILY tofu|ca-only\""),
              std::string::npos)
        << shape.errors;

    auto policy = startWith("protocol = imaps tls sometimes");
    EXPECT_EQ(policy.exitCode, 78);
    EXPECT_NE(policy.errors.find(file + ":2: "), std::string::npos) << policy.errors;

    auto family = startWith("protocol = imaps smtp ca-only");
    EXPECT_EQ(family.exitCode, 78);
    EXPECT_NE(family.errors.find(file + ":2: protocol \"imaps\": unknown protocol family \"smtp\""),
              std::string::npos)
        << family.errors;

    auto conflict = startWith("protocol = ssh tls ca-only");
    EXPECT_EQ(conflict.exitCode, 78);
    EXPECT_NE(
        conflict.errors.find(file + ":2: protocol \"ssh\": protocol \"ssh\" already belongs to "
                                    "the family"),
        std::string::npos)
        << conflict.errors;

    writeFile(dir / "empty.conf", "");
    auto flag = runProgram({builtProgram("peertrustd"), "--session", "--config",
                            (dir / "empty.conf").string(), "--db", (dir / "user.db").string(),
                            "--protocol", "imaps"});
    EXPECT_EQ(flag.exitCode, 64);
    EXPECT_NE(flag.errors.find("--protocol: protocol must be"), std::string::npos) << flag.errors;
}

}  // namespace
}  // namespace peertrust::testing
