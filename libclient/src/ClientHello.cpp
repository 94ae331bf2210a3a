#include "ClientHello.h"

#include <bitset>
#include <cstdint>

namespace peertrust {

namespace {

constexpr unsigned kHandshakeClientHello = 1;
constexpr unsigned kExtensionServerName = 0;
constexpr unsigned kExtensionPreSharedKey = 41;
constexpr unsigned kExtensionEarlyData = 42;
constexpr unsigned kNameTypeHostName = 0;
constexpr std::size_t kRandomSize = 32;
constexpr std::size_t kMaxSessionId = 32;

// A bounds-checked cursor over bytes: every read either fits in what is left or fails.
class Reader {
public:
    Reader() = default;
    Reader(const unsigned char* data, std::size_t size) : m_data(data), m_size(size) {}

    std::size_t left() const { return m_size - m_pos; }
    bool done() const { return m_pos == m_size; }

    bool readInt(std::size_t octets, std::size_t& out) {
        if (octets > left()) {
            return false;
        }
        out = 0;
        for (std::size_t i = 0; i < octets; ++i) {
            out = (out << 8) | m_data[m_pos + i];
        }
        m_pos += octets;
        return true;
    }

    bool skip(std::size_t length) {
        if (length > left()) {
            return false;
        }
        m_pos += length;
        return true;
    }

    // A TLS vector: a `lengthOctets`-byte length, then that many bytes, which `out` covers.
    bool readVector(std::size_t lengthOctets, Reader& out) {
        std::size_t length = 0;
        if (!readInt(lengthOctets, length) || length > left()) {
            return false;
        }
        out = Reader(m_data + m_pos, length);
        m_pos += length;
        return true;
    }

    const unsigned char* here() const { return m_data + m_pos; }

private:
    const unsigned char* m_data = nullptr;
    std::size_t m_size = 0;
    std::size_t m_pos = 0;
};

Error malformed(const char* what) {
    return invalidInput(std::string("malformed ClientHello: ") + what);
}

// The server_name extension's data (RFC 6066 section 3): a non-empty list of names, of which
// host_name is the only defined type (an unknown type cannot even be delimited).
Result<std::string> readServerNameList(Reader extension) {
    Reader list;
    if (!extension.readVector(2, list) || !extension.done()) {
        return malformed("server_name list length does not match the extension");
    }
    if (list.done()) {
        return malformed("empty server_name list");
    }
    std::optional<std::string> hostName;
    while (!list.done()) {
        std::size_t type = 0;
        Reader name;
        if (!list.readInt(1, type) || type != kNameTypeHostName) {
            return malformed("server_name entry of an unknown type");
        }
        if (!list.readVector(2, name)) {
            return malformed("truncated host_name");
        }
        if (hostName) {
            return malformed("more than one host_name");
        }
        if (name.done()) {
            return malformed("empty host_name");
        }
        for (std::size_t i = 0; i < name.left(); ++i) {
            unsigned char c = name.here()[i];
            if (c < 0x21 || c > 0x7e) {
                return malformed("host_name is not printable ASCII");
            }
        }
        hostName = std::string(reinterpret_cast<const char*>(name.here()), name.left());
    }
    return *std::move(hostName);
}

// The pre_shared_key extension's data in a ClientHello (RFC 8446 4.2.11): OfferedPsks, a
// non-empty list of (identity, obfuscated_ticket_age), then the binders.
Result<std::vector<Bytes>> readOfferedPsks(Reader extension) {
    Reader identities, binders;
    if (!extension.readVector(2, identities) || identities.done()) {
        return malformed("bad pre_shared_key identities");
    }
    if (!extension.readVector(2, binders) || binders.done() || !extension.done()) {
        return malformed("bad pre_shared_key binders");
    }
    std::vector<Bytes> out;
    while (!identities.done()) {
        Reader identity;
        std::size_t age = 0;
        if (!identities.readVector(2, identity) || identity.done() || !identities.readInt(4, age)) {
            return malformed("bad pre_shared_key identity");
        }
        out.emplace_back(identity.here(), identity.here() + identity.left());
    }
    return out;
}

struct HelloFields {
    std::optional<std::string> serverName;
    std::vector<Bytes> pskIdentities;
    bool earlyData = false;
};

Result<HelloFields> readBody(Reader hello) {
    std::size_t major = 0;
    std::size_t minor = 0;
    if (!hello.readInt(1, major) || !hello.readInt(1, minor)) {
        return malformed("truncated version");
    }
    bool tls = major == 3 && minor <= 4;
    bool dtls = major == 0xfe && (minor == 0xff || minor == 0xfd);
    if (!tls && !dtls) {
        return malformed("not a TLS or DTLS version");
    }
    Reader field;
    if (!hello.skip(kRandomSize)) {
        return malformed("truncated random");
    }
    if (!hello.readVector(1, field) || field.left() > kMaxSessionId) {
        return malformed("bad session_id");
    }
    if (dtls && !hello.readVector(1, field)) {
        return malformed("truncated cookie");
    }
    if (!hello.readVector(2, field) || field.done() || field.left() % 2 != 0) {
        return malformed("bad cipher_suites");
    }
    if (!hello.readVector(1, field) || field.done()) {
        return malformed("bad compression_methods");
    }
    if (hello.done()) {
        return HelloFields{};  // a hello without extensions
    }
    Reader extensions;
    if (!hello.readVector(2, extensions) || !hello.done()) {
        return malformed("extensions length does not match the message");
    }
    std::bitset<65536> seen;
    HelloFields fields;
    while (!extensions.done()) {
        std::size_t type = 0;
        Reader data;
        if (!extensions.readInt(2, type) || !extensions.readVector(2, data)) {
            return malformed("truncated extension");
        }
        if (seen.test(type)) {
            return malformed("repeated extension");
        }
        seen.set(type);
        if (type == kExtensionServerName) {
            Result<std::string> name = readServerNameList(data);
            if (!name) {
                return name.error();
            }
            fields.serverName = std::move(name).value();
        } else if (type == kExtensionEarlyData) {
            // RFC 8446 4.2.10: empty in a ClientHello.
            if (!data.done()) {
                return malformed("early_data carries data");
            }
            fields.earlyData = true;
        } else if (type == kExtensionPreSharedKey) {
            // RFC 8446 4.2.11: it must be the last extension.
            if (!extensions.done()) {
                return malformed("pre_shared_key is not the last extension");
            }
            Result<std::vector<Bytes>> identities = readOfferedPsks(data);
            if (!identities) {
                return identities.error();
            }
            fields.pskIdentities = std::move(identities).value();
        }
    }
    return fields;
}

Result<HelloFields> readHello(const unsigned char* data, std::size_t size) {
    if (data == nullptr || size == 0) {
        return malformed("no bytes");
    }
    Reader message(data, size);
    if (data[0] != kHandshakeClientHello) {
        return readBody(message);
    }
    // With the handshake header: type, then the 24-bit length of exactly the rest.
    std::size_t type = 0;
    std::size_t length = 0;
    if (!message.readInt(1, type) || !message.readInt(3, length) || length != message.left()) {
        return malformed("handshake length does not match the message");
    }
    return readBody(Reader(message.here(), message.left()));
}

}  // namespace

Result<std::optional<std::string>> parseClientHelloServerName(const unsigned char* data,
                                                              std::size_t size) {
    PEERTRUST_TRY_ASSIGN(HelloFields fields, readHello(data, size));
    return std::move(fields.serverName);
}

Result<std::vector<Bytes>> parseClientHelloPskIdentities(const unsigned char* data,
                                                         std::size_t size) {
    PEERTRUST_TRY_ASSIGN(HelloFields fields, readHello(data, size));
    return std::move(fields.pskIdentities);
}

Result<bool> clientHelloOffersEarlyData(const unsigned char* data, std::size_t size) {
    PEERTRUST_TRY_ASSIGN(HelloFields fields, readHello(data, size));
    return fields.earlyData;
}

std::optional<std::string> serverNameFromClientHello(const unsigned char* data, std::size_t size) {
    auto parsed = parseClientHelloServerName(data, size);
    if (!parsed) {
        return std::nullopt;
    }
    return std::move(parsed).value();
}

}  // namespace peertrust
