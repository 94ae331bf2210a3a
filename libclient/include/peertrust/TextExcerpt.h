// The start of a caller's text for an error message. Messages go back over D-Bus, and sd-bus
// refuses a string that is not valid UTF-8: a cut through a character would turn a clear
// InvalidInput into an error about the reply itself.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace peertrust {

// At most `maxBytes` of `text`, cut before a UTF-8 character rather than through one.
inline std::string textExcerpt(std::string_view text, std::size_t maxBytes) {
    if (text.size() <= maxBytes) {
        return std::string(text);
    }
    std::size_t end = maxBytes;
    // A character is at most four bytes: back up over at most three continuation bytes.
    for (int i = 0; i < 3 && end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80;
         ++i) {
        --end;
    }
    return std::string(text.substr(0, end));
}

}  // namespace peertrust
