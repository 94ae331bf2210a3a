#include "crypto/Digest.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "crypto/GnutlsHandles.h"

namespace peertrust::crypto {

Sha256 sha256(std::span<const std::uint8_t> data) {
    Sha256 out{};
    gnutls_hash_fast(GNUTLS_DIG_SHA256, data.data(), data.size(), out.data());
    return out;
}

std::string toHex(std::span<const std::uint8_t> data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (std::uint8_t byte : data) {
        out += digits[byte >> 4];
        out += digits[byte & 0xf];
    }
    return out;
}

std::string base64Unpadded(std::span<const std::uint8_t> data) {
    gnutls_datum_t in = datumOf(data);
    OwnedDatum out;
    if (gnutls_base64_encode2(&in, out.out()) < 0) {
        return {};
    }
    std::string text = out.str();
    while (!text.empty() && (text.back() == '=' || text.back() == '\n')) {
        text.pop_back();
    }
    return text;
}

std::string sha256Fingerprint(const Sha256& hash) {
    return "SHA256:" + base64Unpadded(hash);
}

}  // namespace peertrust::crypto
