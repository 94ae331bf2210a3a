#include "cli/ExitCodes.h"

#include <exception>
#include <iostream>

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

int exitCodeOf(std::string_view name, const std::function<Result<int>()>& program) {
    try {
        auto result = program();
        if (!result) {
            std::cerr << name << ": " << result.error().message() << '\n';
            return exitCodeFor(result.error().category());
        }
        return *result;
    } catch (const std::exception& e) {
        std::cerr << name << ": internal error: " << e.what() << '\n';
        return kExitInternal;
    }
}

}  // namespace peertrust::cli
