// Aligned columns for the human output of the list commands.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace peertrust::cli {

class Table {
public:
    explicit Table(std::vector<std::string> headers) : m_headers(std::move(headers)) {}
    // Each cell is shown as displayText (no control characters, valid UTF-8).
    void addRow(std::vector<std::string> cells);
    void print(std::ostream& out) const;
    bool empty() const { return m_rows.empty(); }

private:
    std::vector<std::string> m_headers;
    std::vector<std::vector<std::string>> m_rows;
};

}  // namespace peertrust::cli
