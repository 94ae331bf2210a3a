// What GnutlsSessionVerifier reads to check TLS 1.3 resumptions: the tickets a ClientHello
// offers (pre_shared_key) and whether it sends early data, and the ticket of a
// NewSessionTicket, built byte by byte here (GnuTLS's own, whole, are read in GnutlsGlueTest's
// resumption tests): well formed, cut short, and with each length wrong. And the chains it
// keeps under tickets.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "ClientHello.h"
#include "NewSessionTicket.h"
#include "ResumableSessions.h"

namespace peertrust {
namespace {

void append16(Bytes& out, std::size_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value));
}

// A vector with a `octets`-byte length.
Bytes vec(std::size_t octets, const Bytes& body) {
    Bytes out;
    if (octets == 1) {
        out.push_back(static_cast<std::uint8_t>(body.size()));
    } else {
        append16(out, body.size());
    }
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& part : parts) {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

Bytes extension(unsigned type, const Bytes& data) {
    Bytes out;
    append16(out, type);
    return concat({out, vec(2, data)});
}

// pre_shared_key's OfferedPsks: each identity with an obfuscated age, then one 32-byte binder
// per identity.
Bytes offeredPsks(const std::vector<Bytes>& identities) {
    Bytes list, binders;
    for (const Bytes& identity : identities) {
        list = concat({list, vec(2, identity), Bytes{0, 0, 0, 7}});
        binders = concat({binders, vec(1, Bytes(32, 0xb1))});
    }
    return concat({vec(2, list), vec(2, binders)});
}

// A TLS 1.3 ClientHello body (as the handshake hook passes it) with these extensions.
Bytes clientHello(const Bytes& extensions) {
    return concat({Bytes{3, 3}, Bytes(32, 0x5a), vec(1, {}), vec(2, {0x13, 0x01}), vec(1, {0}),
                   vec(2, extensions)});
}

Bytes newSessionTicket(const Bytes& nonce, const Bytes& ticket, const Bytes& extensions = {}) {
    return concat({Bytes{0, 0, 0x1c, 0x20}, Bytes{1, 2, 3, 4}, vec(1, nonce), vec(2, ticket),
                   vec(2, extensions)});
}

TEST(ResumptionMessagesTest, TheTicketsAClientHelloOffersInOrder) {
    const Bytes first(40, 0x11), second = {0x22};
    const Bytes hello = clientHello(concat({extension(0, vec(2, concat({Bytes{0}, vec(2, {'a'})}))),
                                            extension(41, offeredPsks({first, second}))}));
    auto identities = parseClientHelloPskIdentities(hello.data(), hello.size());
    ASSERT_TRUE(identities.ok()) << identities.error().message();
    EXPECT_EQ(*identities, (std::vector<Bytes>{first, second}));
    // The server name is read from the same message.
    auto name = parseClientHelloServerName(hello.data(), hello.size());
    ASSERT_TRUE(name.ok()) << name.error().message();
    EXPECT_EQ(*name, "a");

    const Bytes none = clientHello(extension(0, vec(2, concat({Bytes{0}, vec(2, {'a'})}))));
    auto noIdentities = parseClientHelloPskIdentities(none.data(), none.size());
    ASSERT_TRUE(noIdentities.ok());
    EXPECT_TRUE(noIdentities->empty());
}

TEST(ResumptionMessagesTest, AHelloThatSendsEarlyDataSaysSo) {
    const Bytes psk = extension(41, offeredPsks({Bytes(8, 0x77)}));
    const Bytes early = clientHello(concat({extension(42, {}), psk}));
    auto offers = clientHelloOffersEarlyData(early.data(), early.size());
    ASSERT_TRUE(offers.ok()) << offers.error().message();
    EXPECT_TRUE(*offers);
    const Bytes plain = clientHello(psk);
    ASSERT_TRUE(clientHelloOffersEarlyData(plain.data(), plain.size()).ok());
    EXPECT_FALSE(*clientHelloOffersEarlyData(plain.data(), plain.size()));
    // In a ClientHello the extension is empty (RFC 8446 4.2.10).
    const Bytes withData = clientHello(concat({extension(42, {0, 0, 4, 0}), psk}));
    EXPECT_FALSE(clientHelloOffersEarlyData(withData.data(), withData.size()).ok());
}

TEST(ResumptionMessagesTest, MalformedPreSharedKeysAreRefused) {
    const Bytes ticket(16, 0x33);
    auto refused = [](const Bytes& hello, const char* what) {
        auto parsed = parseClientHelloPskIdentities(hello.data(), hello.size());
        ASSERT_FALSE(parsed.ok()) << what;
        EXPECT_EQ(parsed.error().category(), ErrorCategory::InvalidInput) << what;
    };
    // RFC 8446 4.2.11: pre_shared_key comes last.
    refused(clientHello(concat({extension(41, offeredPsks({ticket})), extension(43, {2, 3, 4})})),
            "not last");
    refused(clientHello(extension(41, concat({vec(2, {}), vec(2, vec(1, Bytes(32, 1)))}))),
            "no identity");
    refused(clientHello(extension(41, concat({vec(2, concat({vec(2, {}), Bytes{0, 0, 0, 1}})),
                                              vec(2, vec(1, Bytes(32, 1)))}))),
            "empty identity");
    refused(clientHello(extension(41, vec(2, concat({vec(2, ticket), Bytes{0, 0, 0, 1}})))),
            "no binders");
    refused(clientHello(extension(41, concat({vec(2, concat({vec(2, ticket), Bytes{0, 0}})),
                                              vec(2, vec(1, Bytes(32, 1)))}))),
            "a cut age");
    // No cut of a good hello yields a ticket: each is refused, but the one that ends where the
    // extensions would start, which is a hello without extensions.
    const Bytes good = clientHello(extension(41, offeredPsks({ticket})));
    const std::size_t withoutExtensions = 2 + 32 + 1 + 4 + 2;
    for (std::size_t size = 0; size < good.size(); ++size) {
        auto cut = parseClientHelloPskIdentities(good.data(), size);
        if (size == withoutExtensions) {
            ASSERT_TRUE(cut.ok());
            EXPECT_TRUE(cut->empty());
        } else {
            EXPECT_FALSE(cut.ok()) << size;
        }
    }
}

TEST(ResumptionMessagesTest, TheTicketOfANewSessionTicket) {
    const Bytes ticket(200, 0x44);
    const Bytes message = newSessionTicket({0, 1}, ticket, extension(42, {0, 0, 0x40, 0}));
    auto parsed = parseNewSessionTicket(message.data(), message.size());
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(*parsed, ticket);
    const Bytes noNonce = newSessionTicket({}, {0x55});
    ASSERT_TRUE(parseNewSessionTicket(noNonce.data(), noNonce.size()).ok());
    EXPECT_EQ(*parseNewSessionTicket(noNonce.data(), noNonce.size()), Bytes{0x55});
}

TEST(ResumptionMessagesTest, MalformedNewSessionTicketsAreRefused) {
    auto refused = [](const Bytes& message, const char* what) {
        auto parsed = parseNewSessionTicket(message.data(), message.size());
        ASSERT_FALSE(parsed.ok()) << what;
        EXPECT_EQ(parsed.error().category(), ErrorCategory::InvalidInput) << what;
    };
    refused(newSessionTicket({1}, {}), "an empty ticket");
    Bytes trailing = newSessionTicket({1}, {2, 3});
    trailing.push_back(0);
    refused(trailing, "a byte after the extensions");
    EXPECT_FALSE(parseNewSessionTicket(nullptr, 0).ok());
    const Bytes good = newSessionTicket({1, 2, 3}, Bytes(64, 0x66), extension(42, {0, 0, 1, 0}));
    for (std::size_t size = 0; size < good.size(); ++size) {
        EXPECT_FALSE(parseNewSessionTicket(good.data(), size).ok()) << size;
    }
    // A nonce or ticket length past the end.
    Bytes longNonce = good;
    longNonce[8] = 0xff;
    refused(longNonce, "a nonce past the end");
    Bytes longTicket = good;
    longTicket[12] = 0xff;
    refused(longTicket, "a ticket past the end");
}

// Chains are kept per ticket; a ticket given out with two different chains (ticket bytes
// cross the network in clear, so one server can hand out another's) resumes neither; a ticket
// larger than real ones is not kept; the oldest go first beyond the bound.
TEST(ResumptionMessagesTest, KeptChainsAreFoundByTicketAndClashesResumeNothing) {
    ResumableSessions& kept = ResumableSessions::instance();
    const Bytes ticket = {'t', 1}, other = {'t', 2};
    kept.remember(ticket, {KeyFormat::X509Chain, {1, 2, 3}});
    ASSERT_TRUE(kept.find(ticket).has_value());
    EXPECT_EQ(kept.find(ticket)->key, (Bytes{1, 2, 3}));
    EXPECT_FALSE(kept.find(other).has_value());
    kept.remember(ticket, {KeyFormat::X509Chain, {1, 2, 3}});  // the same again: kept
    EXPECT_TRUE(kept.find(ticket).has_value());
    kept.remember(ticket, {KeyFormat::X509Chain, {9, 9}});  // another chain: neither
    EXPECT_FALSE(kept.find(ticket).has_value());
    kept.remember(ticket, {KeyFormat::X509Chain, {1, 2, 3}});
    EXPECT_FALSE(kept.find(ticket).has_value()) << "a clash was forgotten";

    const Bytes huge(5000, 'h');
    kept.remember(huge, {KeyFormat::Spki, {4}});
    EXPECT_FALSE(kept.find(huge).has_value());

    const Bytes first = {'f', 0};
    kept.remember(first, {KeyFormat::Spki, {5}});
    for (int i = 0; i < 300; ++i) {
        kept.remember({'n', static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)},
                      {KeyFormat::Spki, {6}});
    }
    EXPECT_FALSE(kept.find(first).has_value()) << "the bound kept the oldest";
    EXPECT_TRUE(kept.find({'n', 1, 43}).has_value());
}

}  // namespace
}  // namespace peertrust
