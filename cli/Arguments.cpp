#include "cli/Arguments.h"

#include <charconv>

namespace peertrust::cli {

Result<std::optional<std::string>> Arguments::value(std::string_view name, char shortName) {
    std::string flagText = "--" + std::string(name);
    const std::string shortText = shortName != '\0' ? std::string{'-', shortName} : std::string();
    std::optional<std::string> found;
    for (std::size_t i = 0; i < m_words.size();) {
        const std::string& word = m_words[i];
        if (word == "--") {
            break;
        }
        std::optional<std::string> value;
        std::size_t consumed = 0;
        if (word == flagText || (!shortText.empty() && word == shortText)) {
            if (i + 1 >= m_words.size()) {
                return usageError(flagText + " needs a value");
            }
            value = m_words[i + 1];
            consumed = 2;
        } else if (word.starts_with(flagText + "=")) {
            value = word.substr(flagText.size() + 1);
            consumed = 1;
        }
        if (consumed == 0) {
            ++i;
            continue;
        }
        if (found) {
            return usageError(flagText + " given twice");
        }
        found = std::move(value);
        m_words.erase(m_words.begin() + static_cast<std::ptrdiff_t>(i),
                      m_words.begin() + static_cast<std::ptrdiff_t>(i + consumed));
    }
    return found;
}

bool Arguments::flag(std::string_view name) {
    std::string flagText = "--" + std::string(name);
    bool found = false;
    for (std::size_t i = 0; i < m_words.size();) {
        if (m_words[i] == "--") {
            break;
        }
        if (m_words[i] == flagText) {
            found = true;
            m_words.erase(m_words.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
            ++i;
        }
    }
    return found;
}

bool Arguments::helpRequested() {
    bool help = flag("help");
    // "-h" as well, as every tool takes it (it was looked for as "--h").
    for (std::size_t i = 0; i < m_words.size() && m_words[i] != "--";) {
        if (m_words[i] == "-h") {
            help = true;
            m_words.erase(m_words.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
            ++i;
        }
    }
    return help;
}

std::optional<std::string> Arguments::positional() {
    for (std::size_t i = 0; i < m_words.size(); ++i) {
        if (m_words[i] == "--") {
            if (i + 1 < m_words.size()) {
                std::string word = m_words[i + 1];
                m_words.erase(m_words.begin() + static_cast<std::ptrdiff_t>(i + 1));
                return word;
            }
            return std::nullopt;
        }
        if (!m_words[i].starts_with("--") || m_words[i] == "-") {
            std::string word = m_words[i];
            m_words.erase(m_words.begin() + static_cast<std::ptrdiff_t>(i));
            return word;
        }
    }
    return std::nullopt;
}

Result<void> Arguments::finish() const {
    for (const std::string& word : m_words) {
        if (word == "--") {
            continue;
        }
        if (word.starts_with("--")) {
            return usageError("unknown option " + word.substr(0, word.find('=')));
        }
        return usageError("unexpected argument \"" + word + "\"");
    }
    return {};
}

Result<std::int64_t> parseInteger(std::string_view flag, std::string_view text) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return usageError("--" + std::string(flag) + " needs a number, not \"" + std::string(text) +
                          "\"");
    }
    return value;
}

}  // namespace peertrust::cli
