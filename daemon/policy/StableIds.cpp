#include "policy/StableIds.h"

#include <algorithm>

namespace peertrust::policy {

namespace {

constexpr std::size_t kIdLength = 16;

std::string idOf(std::string_view material) {
    return crypto::toHex(crypto::sha256(crypto::asBytes(material))).substr(0, kIdLength);
}

}  // namespace

std::string pinIdFor(std::string_view peer, std::string_view protocol,
                     const crypto::Sha256& spkiSha256) {
    return idOf("pin\n" + std::string(peer) + "\n" + std::string(protocol) + "\n" +
                crypto::toHex(spkiSha256));
}

std::string hashedPinIdFor(std::string_view hashedName, std::string_view protocol,
                           const crypto::Sha256& spkiSha256) {
    return idOf("hashed-pin\n" + std::string(hashedName) + "\n" + std::string(protocol) + "\n" +
                crypto::toHex(spkiSha256));
}

std::string anchorIdFor(std::span<const std::uint8_t> certDer) {
    return crypto::toHex(crypto::sha256(certDer)).substr(0, kIdLength);
}

std::string distrustIdFor(std::string_view kind, const crypto::Sha256& hash) {
    return idOf("distrust\n" + std::string(kind) + "\n" + crypto::toHex(hash));
}

std::string crlIdFor(std::span<const std::uint8_t> crlDer) {
    return idOf("crl\n" + crypto::toHex(crypto::sha256(crlDer)));
}

bool isIdOrPrefix(std::string_view text) {
    return !text.empty() && text.size() <= kIdLength &&
           std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace peertrust::policy
