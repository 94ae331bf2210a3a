// Text taken from a certificate (its subject, a label made from its names) or from a file, for
// places that need valid UTF-8 on one line: D-Bus strings (sd-bus refuses anything else),
// comment lines of a PEM bundle, tables on a terminal. GnuTLS hands a name's bytes over as the
// certificate has them, and a certificate is anyone's to make.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace peertrust {

struct Utf8Character {
    std::size_t length = 0;  // 0: no valid UTF-8 character starts here
    char32_t code = 0;
};

// The UTF-8 character at `text[at]`: overlong forms, surrogates and code points beyond
// U+10FFFF are not UTF-8.
inline Utf8Character utf8CharacterAt(std::string_view text, std::size_t at) {
    const auto lead = static_cast<unsigned char>(text[at]);
    std::size_t length = 0;
    char32_t code = 0;
    if (lead < 0x80) {
        return {1, lead};
    } else if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        code = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        code = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        code = lead & 0x07;
    } else {
        return {};
    }
    if (at + length > text.size()) {
        return {};
    }
    for (std::size_t k = 1; k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[at + k]);
        if ((next & 0xc0) != 0x80) {
            return {};
        }
        code = (code << 6) | (next & 0x3f);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
        (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) {
        return {};
    }
    return {length, code};
}

inline bool isValidUtf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const Utf8Character c = utf8CharacterAt(text, i);
        if (c.length == 0) {
            return false;
        }
        i += c.length;
    }
    return true;
}

// `text` with every byte that does not begin a valid UTF-8 character, and every control
// character (C0, DEL, C1), replaced by U+FFFD.
inline std::string displayText(std::string_view text) {
    static constexpr std::string_view kReplacement = "\xef\xbf\xbd";
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const Utf8Character c = utf8CharacterAt(text, i);
        if (c.length == 0) {
            out.append(kReplacement);
            ++i;
            continue;
        }
        if (c.code < 0x20 || (c.code >= 0x7f && c.code <= 0x9f)) {
            out.append(kReplacement);
        } else {
            out.append(text.substr(i, c.length));
        }
        i += c.length;
    }
    return out;
}

}  // namespace peertrust
