// SHA-256 and the textual forms of hashes that people and scripts see.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace peertrust::crypto {

using Sha256 = std::array<std::uint8_t, 32>;

Sha256 sha256(std::span<const std::uint8_t> data);
std::string toHex(std::span<const std::uint8_t> data);
std::string base64Unpadded(std::span<const std::uint8_t> data);
// "SHA256:" + unpadded base64: the form ssh-keygen -l prints.
std::string sha256Fingerprint(const Sha256& hash);

inline std::span<const std::uint8_t> asBytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace peertrust::crypto
