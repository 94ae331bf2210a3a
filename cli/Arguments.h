// A command line taken apart: flags (--name VALUE, --name=VALUE, --switch) and positionals.
// Every flag a command reads is declared by reading it; anything left over is a usage error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "peertrust/Error.h"

namespace peertrust::cli {

class Arguments {
public:
    explicit Arguments(std::vector<std::string> words) : m_words(std::move(words)) {}

    // The value of --name (or of -S, when `shortName` is given); a usage error when given
    // without a value or twice.
    Result<std::optional<std::string>> value(std::string_view name, char shortName = '\0');
    bool flag(std::string_view name);  // --name present (takes no value)
    // The next positional word, if any.
    std::optional<std::string> positional();
    // Errors for whatever no one asked for.
    Result<void> finish() const;

    bool helpRequested();

private:
    std::vector<std::string> m_words;
};

Result<std::int64_t> parseInteger(std::string_view flag, std::string_view text);

}  // namespace peertrust::cli
