#include "cli/ExitCodes.h"

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

}  // namespace peertrust::cli
