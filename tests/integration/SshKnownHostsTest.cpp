// peertrust ssh-known-hosts through the daemon (Trust1.PinnedKeys): the lines OpenSSH reads
// for a host, in the host form OpenSSH asked with; nothing for a host without pins; with
// --pin-on-first-use the offered key of an unpinned host is pinned and printed.
#include <gtest/gtest.h>

#include "support/CertFactory.h"
#include "support/SessionDaemonTest.h"

namespace peertrust::testing {
namespace {

class SshKnownHostsTest : public SessionDaemonTest {
protected:
    void SetUp() override { startDaemon(); }
};

std::string withoutComment(const std::string& line) {
    auto second = line.find(' ', line.find(' ') + 1);
    return line.substr(0, second);
}

TEST_F(SshKnownHostsTest, PrintsThePinnedKeysInKnownHostsForm) {
    const std::string key = openSshLine(generateKey(KeyType::Ed25519).get());
    ASSERT_TRUE(client
                    ->addPin({"ssh", "git.example:2222", KeyFormat::OpenSsh, bytesOf(key), false,
                              PinOrigin::Manual})
                    .ok());
    auto asked = cli({"ssh-known-hosts", "[git.example]:2222", "HOSTNAME", "ssh-ed25519", "AAAA"});
    EXPECT_EQ(asked.exitCode, 0) << asked.errors;
    EXPECT_EQ(asked.output, "[git.example]:2222 " + withoutComment(key) + "\n");
    // Port 22 is ssh's default: "host" alone is that peer, and it has no pin.
    auto other = cli({"ssh-known-hosts", "git.example", "ORDER", "NONE", "NONE"});
    EXPECT_EQ(other.exitCode, 0) << other.errors;
    EXPECT_EQ(other.output, "");
    EXPECT_EQ(cli({"ssh-known-hosts"}).exitCode, 64);
    EXPECT_EQ(cli({"ssh-known-hosts", "bad..host", "HOSTNAME"}).exitCode, 65);
}

TEST_F(SshKnownHostsTest, PinOnFirstUseIsOptIn) {
    const std::string key = withoutComment(openSshLine(generateKey(KeyType::Ed25519).get()));
    const std::string type = key.substr(0, key.find(' '));
    const std::string data = key.substr(key.find(' ') + 1);
    auto plain = cli({"ssh-known-hosts", "new.example", "HOSTNAME", type, data});
    EXPECT_EQ(plain.output, "") << "pinned without --pin-on-first-use";
    auto first =
        cli({"ssh-known-hosts", "--pin-on-first-use", "new.example", "HOSTNAME", type, data});
    EXPECT_EQ(first.exitCode, 0) << first.errors;
    EXPECT_EQ(first.output, "new.example " + key + "\n");
    auto again = cli({"ssh-known-hosts", "new.example", "HOSTNAME", type, data});
    EXPECT_EQ(again.output, "new.example " + key + "\n") << "the first-use pin was not kept";
}

}  // namespace
}  // namespace peertrust::testing
