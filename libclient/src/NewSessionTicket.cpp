#include "NewSessionTicket.h"

#include <string>

namespace peertrust {

namespace {

Error malformed(const char* what) {
    return invalidInput(std::string("malformed NewSessionTicket: ") + what);
}

// Reads an `octets`-byte big-endian length at `pos`, then checks that many bytes follow.
bool vectorAt(const unsigned char* data, std::size_t size, std::size_t& pos, std::size_t octets,
              std::size_t& length) {
    if (size - pos < octets) {
        return false;
    }
    length = 0;
    for (std::size_t i = 0; i < octets; ++i) {
        length = (length << 8) | data[pos + i];
    }
    pos += octets;
    return size - pos >= length;
}

}  // namespace

Result<Bytes> parseNewSessionTicket(const unsigned char* data, std::size_t size) {
    if (data == nullptr) {
        return malformed("no bytes");
    }
    std::size_t pos = 8;  // ticket_lifetime and ticket_age_add
    if (size < pos) {
        return malformed("truncated lifetime or age_add");
    }
    std::size_t length = 0;
    if (!vectorAt(data, size, pos, 1, length)) {
        return malformed("truncated ticket_nonce");
    }
    pos += length;
    if (!vectorAt(data, size, pos, 2, length) || length == 0) {
        return malformed("bad ticket");
    }
    Bytes ticket(data + pos, data + pos + length);
    pos += length;
    if (!vectorAt(data, size, pos, 2, length) || pos + length != size) {
        return malformed("extensions length does not match the message");
    }
    return ticket;
}

}  // namespace peertrust
