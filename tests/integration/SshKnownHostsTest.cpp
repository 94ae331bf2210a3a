// OpenSSH's KnownHostsCommand through the daemon (Trust1.PinnedKeys), as both programs answer
// it: `peertrust ssh-known-hosts` and the small peertrust-ssh-known-hosts. The lines OpenSSH
// reads for a host, in the host form OpenSSH asked with; nothing for a host without pins; with
// --pin-on-first-use the offered key of an unpinned host is pinned and printed.
#include <gtest/gtest.h>

#include "support/CertFactory.h"
#include "support/ResultAssertions.h"
#include "support/SessionDaemonTest.h"

namespace peertrust::testing {
namespace {

class SshKnownHostsTest : public SessionDaemonTest,
                          public ::testing::WithParamInterface<const char*> {
protected:
    void SetUp() override { startDaemon(); }

    // The command as ssh_config would name it, with `args` after it.
    ProgramResult knownHosts(std::vector<std::string> args) {
        if (std::string(GetParam()) == "peertrust") {
            args.insert(args.begin(), "ssh-known-hosts");
            return cli(std::move(args));
        }
        args.insert(args.begin(), builtProgram(GetParam()));
        return runProgram(args, {bus->environmentEntry()});
    }
};

std::string withoutComment(const std::string& line) {
    auto second = line.find(' ', line.find(' ') + 1);
    return line.substr(0, second);
}

TEST_P(SshKnownHostsTest, PrintsThePinnedKeysInKnownHostsForm) {
    const std::string key = openSshLine(generateKey(KeyType::Ed25519).get());
    ASSERT_TRUE(client
                    ->addPin({"ssh", "git.example:2222", KeyFormat::OpenSsh, bytesOf(key), false,
                              PinOrigin::Manual})
                    .ok());
    auto asked = knownHosts({"[git.example]:2222", "HOSTNAME", "ssh-ed25519", "AAAA"});
    EXPECT_EQ(asked.exitCode, 0) << asked.errors;
    EXPECT_EQ(asked.output, "[git.example]:2222 " + withoutComment(key) + "\n");
    // Port 22 is ssh's default: "host" alone is that peer, and it has no pin.
    auto other = knownHosts({"git.example", "ORDER", "NONE", "NONE"});
    EXPECT_EQ(other.exitCode, 0) << other.errors;
    EXPECT_EQ(other.output, "");
    EXPECT_EQ(knownHosts({}).exitCode, 64);
    EXPECT_EQ(knownHosts({"git.example", "HOSTNAME", "ssh-ed25519"}).exitCode, 64);
    // An IPv6 address on another port is that address and port, not a longer address.
    ASSERT_TRUE(client
                    ->addPin({"ssh", "[2001:db8::1]:2222", KeyFormat::OpenSsh, bytesOf(key), false,
                              PinOrigin::Manual})
                    .ok());
    auto v6 = knownHosts({"[2001:db8::1]:2222", "ADDRESS", "ssh-ed25519", "AAAA"});
    EXPECT_EQ(v6.exitCode, 0) << v6.errors;
    EXPECT_EQ(v6.output, "[2001:db8::1]:2222 " + withoutComment(key) + "\n");
    auto bad = knownHosts({"bad..host", "HOSTNAME"});
    EXPECT_EQ(bad.exitCode, 65);
    EXPECT_NE(bad.errors.find("bad..host"), std::string::npos) << bad.errors;
}

TEST_P(SshKnownHostsTest, PinOnFirstUseIsOptIn) {
    const std::string key = withoutComment(openSshLine(generateKey(KeyType::Ed25519).get()));
    const std::string type = key.substr(0, key.find(' '));
    const std::string data = key.substr(key.find(' ') + 1);
    auto plain = knownHosts({"new.example", "HOSTNAME", type, data});
    EXPECT_EQ(plain.output, "") << "pinned without --pin-on-first-use";
    auto first = knownHosts({"--pin-on-first-use", "new.example", "HOSTNAME", type, data});
    EXPECT_EQ(first.exitCode, 0) << first.errors;
    EXPECT_EQ(first.output, "new.example " + key + "\n");
    auto again = knownHosts({"new.example", "HOSTNAME", type, data});
    EXPECT_EQ(again.output, "new.example " + key + "\n") << "the first-use pin was not kept";
}

// ssh also reads its own known_hosts files and accepts a key any of them lists; it checks
// @revoked lines first. A key the daemon rejects must be one of those.
TEST_P(SshKnownHostsTest, AKeyTheDaemonRejectsIsPrintedAsRevoked) {
    const std::string pinned = withoutComment(openSshLine(generateKey(KeyType::Ed25519).get()));
    const std::string other = withoutComment(openSshLine(generateKey(KeyType::Ed25519).get()));
    auto split = [](const std::string& key) {
        return std::pair{key.substr(0, key.find(' ')), key.substr(key.find(' ') + 1)};
    };
    ASSERT_OK(client->addPin({"ssh", "db.example", KeyFormat::OpenSsh, bytesOf(pinned)}));
    auto [pinnedType, pinnedData] = split(pinned);
    auto same = knownHosts({"db.example", "HOSTNAME", pinnedType, pinnedData});
    EXPECT_EQ(same.exitCode, 0) << same.errors;
    EXPECT_EQ(same.output, "db.example " + pinned + "\n");
    // Not the pinned key: refused even by --pin-on-first-use, which pins only a host with none.
    auto [otherType, otherData] = split(other);
    for (bool tofu : {false, true}) {
        std::vector<std::string> args = {"db.example", "HOSTNAME", otherType, otherData};
        if (tofu) {
            args.insert(args.begin(), "--pin-on-first-use");
        }
        auto mismatch = knownHosts(args);
        EXPECT_EQ(mismatch.exitCode, 0) << mismatch.errors;
        EXPECT_EQ(mismatch.output,
                  "db.example " + pinned + "\n@revoked db.example " + other + "\n");
    }
    // A key of another type (ssh's UpdateHostKeys learns a host's other keys): left to ssh.
    const std::string ecdsa = withoutComment(openSshLine(generateKey(KeyType::EcdsaP256).get()));
    auto [ecdsaType, ecdsaData] = split(ecdsa);
    auto anotherType = knownHosts({"db.example", "HOSTNAME", ecdsaType, ecdsaData});
    EXPECT_EQ(anotherType.exitCode, 0) << anotherType.errors;
    EXPECT_EQ(anotherType.output, "db.example " + pinned + "\n");
    // A distrusted key, on a host with no pin: no first-use pin, and revoked.
    ASSERT_OK(client->addDistrust({DistrustKind::Spki, bytesOf(other), "stolen"}));
    auto distrusted =
        knownHosts({"--pin-on-first-use", "new.example", "HOSTNAME", otherType, otherData});
    EXPECT_EQ(distrusted.exitCode, 0) << distrusted.errors;
    EXPECT_EQ(distrusted.output, "@revoked new.example " + other + "\n");
    // A host with no pin and a key nobody knows: no line at all (ssh asks, or refuses).
    const std::string unknown = withoutComment(openSshLine(generateKey(KeyType::Ed25519).get()));
    auto [unknownType, unknownData] = split(unknown);
    EXPECT_EQ(knownHosts({"new.example", "HOSTNAME", unknownType, unknownData}).output, "");
}

TEST_P(SshKnownHostsTest, HelpShowsTheSshConfigLines) {
    auto help = knownHosts({"--help"});
    EXPECT_EQ(help.exitCode, 0) << help.errors;
    EXPECT_NE(help.output.find("KnownHostsCommand /usr/bin/peertrust-ssh-known-hosts %H %I %t %K"),
              std::string::npos)
        << help.output;
}

TEST_P(SshKnownHostsTest, NoDaemonIsUnavailable) {
    daemon.reset();
    auto asked = knownHosts({"git.example", "HOSTNAME"});
    EXPECT_EQ(asked.exitCode, 69) << asked.output << asked.errors;
}

INSTANTIATE_TEST_SUITE_P(BothPrograms, SshKnownHostsTest,
                         ::testing::Values("peertrust", "peertrust-ssh-known-hosts"),
                         [](const auto& param) {
                             return std::string(param.param) == "peertrust" ? "Cli" : "Helper";
                         });

}  // namespace
}  // namespace peertrust::testing
