#include "crypto/OpenSshKey.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include "crypto/Certificate.h"

namespace peertrust::crypto {

namespace {

// Reads the length-prefixed fields of RFC 4251 section 5.
class WireReader {
public:
    explicit WireReader(std::span<const std::uint8_t> data) : m_rest(data) {}

    std::optional<std::span<const std::uint8_t>> string() {
        if (m_rest.size() < 4) {
            return std::nullopt;
        }
        std::uint32_t length = (std::uint32_t(m_rest[0]) << 24) | (std::uint32_t(m_rest[1]) << 16) |
                               (std::uint32_t(m_rest[2]) << 8) | std::uint32_t(m_rest[3]);
        if (length > m_rest.size() - 4) {
            return std::nullopt;
        }
        auto field = m_rest.subspan(4, length);
        m_rest = m_rest.subspan(4 + length);
        return field;
    }

    bool atEnd() const { return m_rest.empty(); }

private:
    std::span<const std::uint8_t> m_rest;
};

std::string_view asText(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

struct EcdsaCurve {
    std::string_view keyType;
    std::string_view curveName;
    gnutls_ecc_curve_t curve;
    std::size_t coordinateBytes;
};

constexpr EcdsaCurve kEcdsaCurves[] = {
    {"ecdsa-sha2-nistp256", "nistp256", GNUTLS_ECC_CURVE_SECP256R1, 32},
    {"ecdsa-sha2-nistp384", "nistp384", GNUTLS_ECC_CURVE_SECP384R1, 48},
    {"ecdsa-sha2-nistp521", "nistp521", GNUTLS_ECC_CURVE_SECP521R1, 66},
};

Error malformed(std::string_view what) {
    return invalidInput("malformed OpenSSH public key: " + std::string(what));
}

// An SSH mpint must be positive here (RSA e and n); strip its sign octet for GnuTLS.
std::optional<std::span<const std::uint8_t>> positiveMpint(std::span<const std::uint8_t> value) {
    if (value.empty() || (value[0] & 0x80) != 0) {
        return std::nullopt;
    }
    while (!value.empty() && value[0] == 0) {
        value = value.subspan(1);
    }
    if (value.empty()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

Result<OpenSshKey> parseOpenSshBlob(std::span<const std::uint8_t> blob) {
    if (blob.size() > kMaxKeyBytes) {
        return malformed("the key is larger than " + std::to_string(kMaxKeyBytes) + " bytes");
    }
    WireReader reader(blob);
    auto type = reader.string();
    if (!type) {
        return malformed("the key blob has no key type");
    }
    OpenSshKey result;
    result.type = std::string(asText(*type));
    result.blob.assign(blob.begin(), blob.end());
    PEERTRUST_TRY_ASSIGN(result.key, makePubkey());
    int rc = 0;

    if (result.type == "ssh-ed25519") {
        auto point = reader.string();
        if (!point || point->size() != 32) {
            return malformed("an ssh-ed25519 key must carry 32 bytes");
        }
        gnutls_datum_t x = datumOf(*point);
        rc = gnutls_pubkey_import_ecc_raw(result.key.get(), GNUTLS_ECC_CURVE_ED25519, &x, nullptr);
    } else if (result.type == "ssh-rsa") {
        auto e = reader.string();
        auto n = e ? reader.string() : std::nullopt;
        auto exponent = e ? positiveMpint(*e) : std::nullopt;
        auto modulus = n ? positiveMpint(*n) : std::nullopt;
        if (!exponent || !modulus) {
            return malformed("an ssh-rsa key needs a positive exponent and modulus");
        }
        std::size_t bits = modulus->size() * 8;
        if (bits < 1024 || bits > 16384 || exponent->size() > 8) {
            return malformed("RSA modulus of " + std::to_string(bits) +
                             " bits is outside 1024..16384");
        }
        gnutls_datum_t m = datumOf(*modulus);
        gnutls_datum_t ex = datumOf(*exponent);
        rc = gnutls_pubkey_import_rsa_raw(result.key.get(), &m, &ex);
    } else {
        auto curve = std::find_if(std::begin(kEcdsaCurves), std::end(kEcdsaCurves),
                                  [&](const EcdsaCurve& c) { return c.keyType == result.type; });
        if (curve == std::end(kEcdsaCurves)) {
            return invalidInput("unsupported OpenSSH key type \"" + result.type +
                                "\" (supported: ssh-ed25519, ecdsa-sha2-nistp256/384/521, "
                                "ssh-rsa)");
        }
        auto name = reader.string();
        if (!name || asText(*name) != curve->curveName) {
            return malformed("the curve name does not match the key type " + result.type);
        }
        auto point = reader.string();
        std::size_t n = curve->coordinateBytes;
        if (!point || point->size() != 1 + 2 * n || (*point)[0] != 0x04) {
            return malformed("the ECDSA point is not an uncompressed point of " + result.type);
        }
        gnutls_datum_t x = datumOf(point->subspan(1, n));
        gnutls_datum_t y = datumOf(point->subspan(1 + n, n));
        rc = gnutls_pubkey_import_ecc_raw(result.key.get(), curve->curve, &x, &y);
    }
    if (rc < 0) {
        return gnutlsError(ErrorCategory::InvalidInput, "OpenSSH public key rejected", rc);
    }
    if (!reader.atEnd()) {
        return malformed("unexpected bytes after the key");
    }
    return result;
}

Result<OpenSshKey> parseOpenSshLine(std::span<const std::uint8_t> line) {
    if (line.size() > kMaxKeyBytes) {
        return malformed("the line is longer than " + std::to_string(kMaxKeyBytes) + " bytes");
    }
    std::string_view text = asText(line);
    // A file with one key: ignore the final newline, refuse a second line.
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    if (text.find_first_of("\n\r") != std::string_view::npos) {
        return malformed("expected one line with one key");
    }
    for (char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
            return malformed("control characters in the line");
        }
    }
    auto isSpace = [](char c) { return c == ' ' || c == '\t'; };
    auto skipSpace = [&](std::string_view s) {
        while (!s.empty() && isSpace(s.front())) {
            s.remove_prefix(1);
        }
        return s;
    };
    auto token = [&](std::string_view& s) {
        s = skipSpace(s);
        std::size_t end = 0;
        while (end < s.size() && !isSpace(s[end])) {
            ++end;
        }
        std::string_view word = s.substr(0, end);
        s.remove_prefix(end);
        return word;
    };
    std::string_view rest = text;
    std::string_view type = token(rest);
    std::string_view encoded = token(rest);
    if (type.empty() || encoded.empty()) {
        return malformed("expected \"TYPE BASE64 [COMMENT]\"");
    }
    gnutls_datum_t in = datumOf(asBytes(encoded));
    OwnedDatum decoded;
    if (gnutls_base64_decode2(&in, decoded.out()) < 0) {
        return malformed("the key data is not valid base64");
    }
    PEERTRUST_TRY_ASSIGN(OpenSshKey key,
                         parseOpenSshBlob({decoded.bytes().data(), decoded.bytes().size()}));
    if (key.type != type) {
        return malformed("the line says \"" + std::string(type) + "\" but the key is \"" +
                         key.type + "\"");
    }
    key.comment = std::string(skipSpace(rest));
    return key;
}

}  // namespace peertrust::crypto
