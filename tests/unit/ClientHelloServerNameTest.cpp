// Reading the server name out of ClientHellos that real GnuTLS client sessions send (caught by
// the handshake hook, as GnutlsSessionVerifier does), whole, cut short and corrupted.
#include <gnutls/gnutls.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ClientHello.h"

namespace peertrust {
namespace {

using Bytes = std::vector<unsigned char>;

// The hook stops the handshake with this once it has the ClientHello: nothing is sent.
constexpr int kCaught = GNUTLS_E_APPLICATION_ERROR_MIN;

int catchClientHello(gnutls_session_t session, unsigned, unsigned, unsigned,
                     const gnutls_datum_t* message) {
    auto* caught = static_cast<Bytes*>(gnutls_session_get_ptr(session));
    caught->assign(message->data, message->data + message->size);
    return kCaught;
}

struct SessionDeleter {
    void operator()(gnutls_session_t session) const { gnutls_deinit(session); }
};
struct CredentialsDeleter {
    void operator()(gnutls_certificate_credentials_t credentials) const {
        gnutls_certificate_free_credentials(credentials);
    }
};

// What the hook receives for the first ClientHello of a default client session (TLS, or DTLS
// with GNUTLS_DATAGRAM), with `serverName` set by gnutls_server_name_set unless it is empty.
Bytes clientHello(std::string_view serverName, unsigned flags = 0) {
    Bytes caught;
    gnutls_certificate_credentials_t rawCredentials = nullptr;
    EXPECT_EQ(gnutls_certificate_allocate_credentials(&rawCredentials), 0);
    std::unique_ptr<std::remove_pointer_t<gnutls_certificate_credentials_t>, CredentialsDeleter>
        credentials(rawCredentials);
    gnutls_session_t rawSession = nullptr;
    EXPECT_EQ(gnutls_init(&rawSession, GNUTLS_CLIENT | flags), 0);
    std::unique_ptr<std::remove_pointer_t<gnutls_session_t>, SessionDeleter> session(rawSession);
    EXPECT_EQ(gnutls_set_default_priority(session.get()), 0);
    EXPECT_EQ(gnutls_credentials_set(session.get(), GNUTLS_CRD_CERTIFICATE, credentials.get()), 0);
    if (!serverName.empty()) {
        EXPECT_EQ(gnutls_server_name_set(session.get(), GNUTLS_NAME_DNS, serverName.data(),
                                         serverName.size()),
                  0);
    }
    gnutls_session_set_ptr(session.get(), &caught);
    gnutls_handshake_set_hook_function(session.get(), GNUTLS_HANDSHAKE_CLIENT_HELLO,
                                       GNUTLS_HOOK_POST, catchClientHello);
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, (flags & GNUTLS_DATAGRAM) ? SOCK_DGRAM : SOCK_STREAM, 0, fds), 0);
    gnutls_transport_set_int(session.get(), fds[0]);
    EXPECT_EQ(gnutls_handshake(session.get()), kCaught);
    close(fds[0]);
    close(fds[1]);
    EXPECT_FALSE(caught.empty());
    return caught;
}

// Each call gets a buffer of exactly its size, so a read past the end is one ASan sees.
std::optional<std::string> nameOf(const Bytes& bytes) {
    auto copy = std::make_unique<unsigned char[]>(std::max<std::size_t>(bytes.size(), 1));
    std::copy(bytes.begin(), bytes.end(), copy.get());
    return serverNameFromClientHello(bytes.empty() ? nullptr : copy.get(), bytes.size());
}

Bytes withHandshakeHeader(const Bytes& body) {
    Bytes message = {1, static_cast<unsigned char>(body.size() >> 16),
                     static_cast<unsigned char>(body.size() >> 8),
                     static_cast<unsigned char>(body.size())};
    message.insert(message.end(), body.begin(), body.end());
    return message;
}

// Where the 16-bit length in front of `name` (a host_name entry) sits.
std::size_t hostNameLengthAt(const Bytes& hello, std::string_view name) {
    auto found = std::search(hello.begin(), hello.end(), name.begin(), name.end());
    EXPECT_NE(found, hello.end());
    EXPECT_GE(found - hello.begin(), 9);
    return static_cast<std::size_t>(found - hello.begin()) - 2;
}

// Where the extensions block's 16-bit length sits in a TLS ClientHello body.
std::size_t extensionsLengthAt(const Bytes& hello) {
    std::size_t at = 2 + 32;
    at += 1 + hello.at(at);                                         // session_id
    at += 2 + (std::size_t{hello.at(at)} << 8 | hello.at(at + 1));  // cipher_suites
    at += 1 + hello.at(at);                                         // compression_methods
    return at;
}

void addTo16(Bytes& bytes, std::size_t at, int delta) {
    int value = (bytes.at(at) << 8 | bytes.at(at + 1)) + delta;
    bytes[at] = static_cast<unsigned char>(value >> 8);
    bytes[at + 1] = static_cast<unsigned char>(value);
}

TEST(ClientHelloServerNameTest, ReadsTheServerNameAGnutlsSessionSends) {
    Bytes hello = clientHello("www.example.com");
    // GnuTLS 3.7 hands the hook the body: legacy_version (3,3) first, no handshake header.
    ASSERT_GE(hello.size(), 2u);
    EXPECT_EQ(hello[0], 3);
    EXPECT_EQ(nameOf(hello), "www.example.com");
    auto parsed = parseClientHelloServerName(hello.data(), hello.size());
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(*parsed, "www.example.com");
}

TEST(ClientHelloServerNameTest, TakesTheMessageWithItsHandshakeHeaderToo) {
    Bytes message = withHandshakeHeader(clientHello("www.example.com"));
    EXPECT_EQ(nameOf(message), "www.example.com");
    addTo16(message, 2, 1);  // the header's length no longer matches
    EXPECT_EQ(nameOf(message), std::nullopt);
}

TEST(ClientHelloServerNameTest, ReadsDtlsHellosPastTheCookie) {
    Bytes hello = clientHello("dtls.example.net", GNUTLS_DATAGRAM);
    ASSERT_GE(hello.size(), 2u);
    EXPECT_EQ(hello[0], 0xfe);
    EXPECT_EQ(nameOf(hello), "dtls.example.net");
}

TEST(ClientHelloServerNameTest, HelloWithoutServerNameHasNone) {
    Bytes hello = clientHello("");
    auto parsed = parseClientHelloServerName(hello.data(), hello.size());
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(*parsed, std::nullopt);
}

TEST(ClientHelloServerNameTest, EveryTruncationIsRefused) {
    for (Bytes hello : {clientHello("www.example.com"), clientHello(""),
                        clientHello("dtls.example.net", GNUTLS_DATAGRAM)}) {
        for (std::size_t size = 0; size < hello.size(); ++size) {
            Bytes prefix(hello.begin(), hello.begin() + static_cast<std::ptrdiff_t>(size));
            EXPECT_EQ(nameOf(prefix), std::nullopt) << "prefix of " << size << " bytes";
            EXPECT_EQ(nameOf(withHandshakeHeader(prefix)), std::nullopt)
                << "prefix of " << size << " bytes with a header";
        }
        Bytes longer = hello;
        longer.push_back(0);
        EXPECT_EQ(nameOf(longer), std::nullopt) << "a trailing byte";
    }
}

TEST(ClientHelloServerNameTest, CorruptedLengthsAreRefused) {
    const std::string_view name = "www.example.com";
    const Bytes hello = clientHello(name);
    const std::size_t hostName = hostNameLengthAt(hello, name);
    const std::size_t nameList = hostName - 3;
    const std::size_t extension = nameList - 2;
    const std::size_t extensions = extensionsLengthAt(hello);
    ASSERT_EQ(hello.at(extension - 2), 0);  // the server_name extension's type, 0
    ASSERT_EQ(hello.at(extension - 1), 0);
    for (std::size_t at : {hostName, nameList, extension, extensions}) {
        for (int delta : {-1, 1, 0x100, -0x100}) {
            Bytes corrupted = hello;
            addTo16(corrupted, at, delta);
            EXPECT_EQ(nameOf(corrupted), std::nullopt) << "length at " << at << " off by " << delta;
        }
    }
}

TEST(ClientHelloServerNameTest, MalformedServerNameEntriesAreRefused) {
    const std::string_view name = "www.example.com";
    const Bytes hello = clientHello(name);
    const std::size_t hostName = hostNameLengthAt(hello, name);

    Bytes unknownType = hello;
    unknownType[hostName - 1] = 1;
    EXPECT_EQ(nameOf(unknownType), std::nullopt);

    Bytes withNul = hello;
    withNul[hostName + 2 + 3] = 0;
    EXPECT_EQ(nameOf(withNul), std::nullopt);

    Bytes notAscii = hello;
    notAscii[hostName + 2] = 0xc3;
    EXPECT_EQ(nameOf(notAscii), std::nullopt);
}

TEST(ClientHelloServerNameTest, RepeatedServerNameExtensionIsRefused) {
    const std::string_view name = "www.example.com";
    const Bytes hello = clientHello(name);
    const std::size_t begin = hostNameLengthAt(hello, name) - 7;  // the extension's type
    const std::size_t end = begin + 4 + (hello.at(begin + 2) << 8 | hello.at(begin + 3));
    Bytes repeated = hello;
    repeated.insert(repeated.begin() + static_cast<std::ptrdiff_t>(end),
                    hello.begin() + static_cast<std::ptrdiff_t>(begin),
                    hello.begin() + static_cast<std::ptrdiff_t>(end));
    addTo16(repeated, extensionsLengthAt(hello), static_cast<int>(end - begin));
    EXPECT_EQ(nameOf(repeated), std::nullopt);
    // The same bytes with the block length left alone are refused as well.
    addTo16(repeated, extensionsLengthAt(hello), -static_cast<int>(end - begin));
    EXPECT_EQ(nameOf(repeated), std::nullopt);
}

TEST(ClientHelloServerNameTest, EveryFlippedByteIsReadSafely) {
    const Bytes hello = clientHello("www.example.com");
    for (std::size_t at = 0; at < hello.size(); ++at) {
        Bytes flipped = hello;
        flipped[at] ^= 0xff;
        auto result = nameOf(flipped);
        if (result) {
            EXPECT_FALSE(result->empty());
            EXPECT_TRUE(std::all_of(result->begin(), result->end(),
                                    [](char c) { return c > 0x20 && c < 0x7f; }));
        }
    }
}

}  // namespace
}  // namespace peertrust
