#include "cli/ExitCodes.h"

#include <algorithm>
#include <exception>
#include <iostream>

#include "peertrust/DisplayText.h"

namespace peertrust::cli {

int exitCodeFor(ErrorCategory category) {
    switch (category) {
        case ErrorCategory::Usage:
            return kExitUsage;
        case ErrorCategory::InvalidInput:
        case ErrorCategory::Conflict:
            return kExitInvalid;
        case ErrorCategory::NotFound:
            return kExitNotFound;
        case ErrorCategory::Unavailable:
            return kExitUnavailable;
        case ErrorCategory::NotAuthorized:
            return kExitNotAuthorized;
        case ErrorCategory::Internal:
            return kExitInternal;
    }
    return kExitInternal;
}

namespace {

// A message may quote what a file or a peer held: each of its lines as displayText, so that
// nothing in it reaches the terminal as a control sequence.
std::string printable(const std::string& message) {
    std::string out;
    std::size_t start = 0;
    while (start <= message.size()) {
        const std::size_t end = std::min(message.find('\n', start), message.size());
        out += displayText(std::string_view(message).substr(start, end - start));
        if (end < message.size()) {
            out += '\n';
        }
        start = end + 1;
    }
    return out;
}

}  // namespace

int exitCodeOf(std::string_view name, const std::function<Result<int>()>& program) {
    try {
        auto result = program();
        if (!result) {
            std::cerr << name << ": " << printable(result.error().message()) << '\n';
            return exitCodeFor(result.error().category());
        }
        return *result;
    } catch (const std::exception& e) {
        std::cerr << name << ": internal error: " << e.what() << '\n';
        return kExitInternal;
    }
}

}  // namespace peertrust::cli
