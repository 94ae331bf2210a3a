#include "cli/Json.h"

#include <cstdio>

#include "peertrust/DisplayText.h"

namespace peertrust::cli {

void JsonWriter::separate() {
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (!m_first.empty()) {
        if (!m_first.back()) {
            m_out += ',';
        }
        m_first.back() = false;
    }
}

JsonWriter& JsonWriter::beginObject() {
    separate();
    m_out += '{';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endObject() {
    m_out += '}';
    m_first.pop_back();
    return *this;
}

JsonWriter& JsonWriter::beginArray() {
    separate();
    m_out += '[';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endArray() {
    m_out += ']';
    m_first.pop_back();
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    value(name);
    m_out += ':';
    m_afterKey = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
    separate();
    m_out += '"';
    for (std::size_t i = 0; i < text.size();) {
        // JSON is UTF-8: a byte that begins no UTF-8 character (text read from a file with
        // --db, say) becomes U+FFFD rather than making the whole document unreadable.
        const Utf8Character c = utf8CharacterAt(text, i);
        if (c.length == 0) {
            m_out += "\\ufffd";
            ++i;
            continue;
        }
        switch (c.code) {
            case '"':
                m_out += "\\\"";
                break;
            case '\\':
                m_out += "\\\\";
                break;
            case '\n':
                m_out += "\\n";
                break;
            case '\t':
                m_out += "\\t";
                break;
            case '\r':
                m_out += "\\r";
                break;
            default:
                // Control characters, C1 (U+0080..U+009F: 8-bit terminal escapes) included,
                // only ever as escapes, so that the output is safe on a terminal too.
                if (c.code < 0x20 || (c.code >= 0x7f && c.code <= 0x9f)) {
                    char escaped[16];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x",
                                  static_cast<unsigned>(c.code));
                    m_out += escaped;
                } else {
                    m_out.append(text.substr(i, c.length));
                }
        }
        i += c.length;
    }
    m_out += '"';
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
    separate();
    m_out += std::to_string(number);
    return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
    separate();
    m_out += flag ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null() {
    separate();
    m_out += "null";
    return *this;
}

JsonWriter& JsonWriter::value(const std::optional<std::string>& text) {
    return text ? value(std::string_view(*text)) : null();
}

JsonWriter& JsonWriter::stringArray(const std::vector<std::string>& items) {
    beginArray();
    for (const auto& item : items) {
        value(std::string_view(item));
    }
    return endArray();
}

}  // namespace peertrust::cli
