#include "cli/Table.h"

#include <locale.h>
#include <wchar.h>

#include <algorithm>

#include "peertrust/DisplayText.h"

namespace peertrust::cli {

namespace {

// The columns `text` takes on a terminal, as wcwidth(3) says under C.UTF-8 (glibc has it
// built in): a wide character (CJK, most emoji) takes two, a combining mark none. Without
// that locale, one column per character.
std::size_t width(const std::string& text) {
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
    const locale_t previous = utf8 != locale_t{} ? uselocale(utf8) : locale_t{};
    std::size_t columns = 0;
    for (std::size_t i = 0; i < text.size();) {
        const Utf8Character c = utf8CharacterAt(text, i);
        if (c.length == 0) {  // not after displayText; counted as one column all the same
            ++columns;
            ++i;
            continue;
        }
        const int w = utf8 != locale_t{} ? wcwidth(static_cast<wchar_t>(c.code)) : 1;
        columns += w > 0 ? static_cast<std::size_t>(w) : 0;
        i += c.length;
    }
    if (previous != locale_t{}) {
        uselocale(previous);
    }
    return columns;
}

}  // namespace

void Table::addRow(std::vector<std::string> cells) {
    // Cells hold what certificates, files and people named: on a terminal, never a control
    // character (an escape sequence) or a byte that is not UTF-8.
    for (std::string& cell : cells) {
        cell = displayText(cell);
    }
    m_rows.push_back(std::move(cells));
}

void Table::print(std::ostream& out) const {
    std::vector<std::size_t> widths(m_headers.size(), 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
            widths[i] = std::max(widths[i], width(row[i]));
        }
    };
    measure(m_headers);
    for (const auto& row : m_rows) {
        measure(row);
    }
    auto printRow = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) {
                line += std::string(widths[i] - width(row[i]) + 2, ' ');
            }
        }
        out << line << '\n';
    };
    printRow(m_headers);
    for (const auto& row : m_rows) {
        printRow(row);
    }
}

}  // namespace peertrust::cli
