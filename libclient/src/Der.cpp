#include "peertrust/Der.h"

#include <string_view>

namespace peertrust {

std::size_t derSequenceLength(std::span<const std::uint8_t> data) {
    if (data.size() < 2 || data[0] != 0x30) {
        return 0;
    }
    std::size_t header = 2;
    std::size_t length = data[1];
    if (length & 0x80) {
        std::size_t octets = length & 0x7f;
        // Certificates are far below 16 MiB; longer length fields are not ours to accept.
        if (octets == 0 || octets > 3 || data.size() < 2 + octets) {
            return 0;
        }
        length = 0;
        for (std::size_t i = 0; i < octets; ++i) {
            length = (length << 8) | data[2 + i];
        }
        header += octets;
    }
    if (length > data.size() - header) {
        return 0;
    }
    return header + length;
}

bool looksLikePem(std::span<const std::uint8_t> data) {
    // A certificate or CRL is a SEQUENCE longer than 127 bytes: 0x30, then a long-form length
    // of 1 to 4 bytes, which no ASCII or UTF-8 text has as its first two bytes.
    if (data.size() >= 2 && data[0] == 0x30 && data[1] >= 0x81 && data[1] <= 0x84) {
        return false;
    }
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    return text.find("-----BEGIN ") != std::string_view::npos;
}

}  // namespace peertrust
