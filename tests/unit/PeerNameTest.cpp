#include <gtest/gtest.h>

#include <array>

#include "policy/PeerName.h"

namespace peertrust::policy {
namespace {

constexpr std::array<std::uint16_t, 1> kHttps = {443};

std::string canonical(std::string_view text, std::span<const std::uint16_t> ports = kHttps) {
    auto peer = parsePeerName(text, ports);
    if (!peer) {
        return "error: " + peer.error().message();
    }
    return peer->canonical();
}

TEST(PeerNameTest, DnsNamesAreLowerCasedWithoutTrailingDot) {
    EXPECT_EQ(canonical("WWW.Example.COM."), "www.example.com");
    EXPECT_EQ(canonical("www.example.com"), "www.example.com");
    EXPECT_EQ(canonical("under_score.example"), "under_score.example");
}

TEST(PeerNameTest, InternationalNamesBecomeALabels) {
    EXPECT_EQ(canonical("bücher.de"), "xn--bcher-kva.de");
    EXPECT_EQ(canonical("BÜCHER.DE"), "xn--bcher-kva.de");
    EXPECT_EQ(canonical("xn--bcher-kva.de"), "xn--bcher-kva.de");
}

TEST(PeerNameTest, IpAddressesAreCanonical) {
    EXPECT_EQ(canonical("192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(canonical("::ffff:192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(canonical("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
    EXPECT_EQ(canonical("[2001:db8::1]:8443"), "[2001:db8::1]:8443");
    EXPECT_EQ(canonical("[2001:db8::1]:443"), "2001:db8::1");
    EXPECT_EQ(canonical("[::ffff:192.0.2.1]:8443"), "192.0.2.1:8443");
}

TEST(PeerNameTest, DefaultPortIsDroppedOtherPortsStay) {
    EXPECT_EQ(canonical("host.example:443"), "host.example");
    EXPECT_EQ(canonical("host.example:8443"), "host.example:8443");
    constexpr std::array<std::uint16_t, 3> smtp = {25, 465, 587};
    EXPECT_EQ(canonical("mail.example:587", smtp), "mail.example");
    EXPECT_EQ(canonical("mail.example:443", smtp), "mail.example:443");
}

TEST(PeerNameTest, EmailAddressesHaveLowerCasedDomains) {
    EXPECT_EQ(canonical("Alice@EXAMPLE.org"), "Alice@example.org");
    auto peer = parsePeerName("bob@bücher.de", {});
    ASSERT_TRUE(peer.ok());
    EXPECT_EQ(peer->kind, PeerName::Kind::Email);
    EXPECT_EQ(peer->certificateName(), "bob@xn--bcher-kva.de");
}

TEST(PeerNameTest, MalformedNamesAreErrors) {
    const char* bad[] = {"",
                         "a..b",
                         ".",
                         "has space.example",
                         "tab\t.example",
                         "host:0",
                         "host:65536",
                         "host:http",
                         "host:",
                         "[2001:db8::1",
                         "[www.example.com]:443",
                         "fe80::1%eth0",
                         "192.0.2.999",
                         "0x0a000001",  // 10.0.0.1 to the resolver (inet_aton)
                         "10.0.0.0x1",
                         "0x7f.1",
                         "bad!char.example",
                         "@example.org",
                         "user@",
                         "user@bad..domain",
                         "bücher_x.de"};
    for (const char* name : bad) {
        auto peer = parsePeerName(name, kHttps);
        EXPECT_FALSE(peer.ok()) << name << " -> " << (peer ? peer->canonical() : "");
        if (!peer) {
            EXPECT_EQ(peer.error().category(), ErrorCategory::InvalidInput);
            EXPECT_FALSE(peer.error().message().empty());
        }
    }
}

TEST(PeerNameTest, LengthLimits) {
    std::string label63(63, 'a');
    EXPECT_TRUE(parsePeerName(label63 + ".example", kHttps).ok());
    EXPECT_FALSE(parsePeerName(std::string(64, 'a') + ".example", kHttps).ok());
    std::string name;
    while (name.size() < 250) {
        name += "abcdefghi.";
    }
    name += "com";  // 253 octets: the most a name may have
    EXPECT_TRUE(parsePeerName(name, kHttps).ok());
    EXPECT_FALSE(parsePeerName("a" + name, kHttps).ok());
    EXPECT_FALSE(parsePeerName(std::string(5000, 'a'), kHttps).ok());
}

}  // namespace
}  // namespace peertrust::policy
