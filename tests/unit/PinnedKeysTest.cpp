// PolicyEngine::pinnedKeys: the keys Verify would accept for a peer from its pins, as a
// program that compares keys itself (OpenSSH) is told: the protocol's and its family's pins,
// SSH keys as OpenSSH lines, distrusted keys left out, the peer canonicalised.
#include <gtest/gtest.h>

#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

class PinnedKeysTest : public EngineFixture {};

std::string text(const Bytes& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

TEST_F(PinnedKeysTest, SshPinsComeBackAsOpenSshLinesWithoutDistrustedKeys) {
    const std::string first = openSshLine(generateKey(KeyType::Ed25519).get(), "");
    const std::string second = openSshLine(generateKey(KeyType::EcdsaP256).get(), "");
    ASSERT_OK(user().addPin(
        {"ssh", "host.example", KeyFormat::OpenSsh, bytesOf(first), false, PinOrigin::Manual}));
    ASSERT_OK(user().addPin(
        {"ssh", "host.example", KeyFormat::OpenSsh, bytesOf(second), false, PinOrigin::Manual}));
    ASSERT_OK(user().addPin({"ssh", "other.example", KeyFormat::OpenSsh,
                             bytesOf(openSshLine(generateKey(KeyType::Ed25519).get(), "")), false,
                             PinOrigin::Manual}));

    auto known = user().pinnedKeys("ssh", "HOST.example.");  // canonicalised like Verify
    ASSERT_TRUE(known.ok()) << known.error().message();
    ASSERT_EQ(known->size(), 2u);
    std::vector<std::string> lines;
    for (const KnownKey& key : *known) {
        EXPECT_EQ(key.keyFormat, KeyFormat::OpenSsh);
        EXPECT_EQ(key.protocol, "ssh");
        lines.push_back(text(key.key));
    }
    auto trimmed = [](std::string line) {
        return line.substr(0, line.find_last_not_of(" \n") + 1);
    };
    EXPECT_NE(std::find(lines.begin(), lines.end(), trimmed(first)), lines.end()) << first;
    EXPECT_NE(std::find(lines.begin(), lines.end(), trimmed(second)), lines.end()) << second;

    ASSERT_OK(user().addDistrust({DistrustKind::Spki, bytesOf(first), "gone"}));
    auto after = user().pinnedKeys("ssh", "host.example");
    ASSERT_TRUE(after.ok());
    ASSERT_EQ(after->size(), 1u);
    EXPECT_EQ(text((*after)[0].key), trimmed(second));

    EXPECT_EQ(user().pinnedKeys("gopher", "host.example").error().category(),
              ErrorCategory::InvalidInput);
    EXPECT_EQ(user().pinnedKeys("ssh", "bad..name").error().category(),
              ErrorCategory::InvalidInput);
    EXPECT_TRUE(user().pinnedKeys("ssh", "nobody.example")->empty());
}

// Keys imported from hashed known_hosts names are accepted by Verify, so ssh must see them.
TEST_F(PinnedKeysTest, HashedKnownHostsPinsAreIncluded) {
    const std::string dir = std::string(PEERTRUST_FIXTURES_DIR) + "/known-hosts/";
    ASSERT_OK(user().importKnownHosts(readFile(dir + "known_hosts")));
    auto known = user().pinnedKeys("ssh", "hashed.example");
    ASSERT_TRUE(known.ok()) << known.error().message();
    ASSERT_EQ(known->size(), 1u);
    std::string pub = text(readFile(dir + "hashed.pub"));
    pub = pub.substr(0, pub.find(' ', pub.find(' ') + 1));  // without the comment
    EXPECT_EQ(text((*known)[0].key), pub);
    auto ported = user().pinnedKeys("ssh", "hashed-port.example:2022");
    ASSERT_TRUE(ported.ok());
    EXPECT_EQ(ported->size(), 1u);
    EXPECT_TRUE(user().pinnedKeys("ssh", "hashed-port.example")->empty())
        << "a hashed name with a port is not the host on port 22";
}

}  // namespace
}  // namespace peertrust::testing
