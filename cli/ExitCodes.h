// The CLI's exit codes (DESIGN.md, "CLI contract"): one table from error categories.
#pragma once

#include <functional>
#include <string_view>

#include "peertrust/Error.h"

namespace peertrust::cli {

inline constexpr int kExitAccepted = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitUnknown = 2;
inline constexpr int kExitUsage = 64;        // the command line itself is wrong
inline constexpr int kExitInvalid = 65;      // a value or a file's content is invalid
inline constexpr int kExitNotFound = 66;     // something named does not exist
inline constexpr int kExitUnavailable = 69;  // no daemon answers
inline constexpr int kExitInternal = 70;     // a bug
inline constexpr int kExitNotAuthorized = 77;

int exitCodeFor(ErrorCategory category);

// The end of a program's main: runs `program`, prints a failure's message after `name` and
// returns its exit code. An exception that escaped (a bug, or memory exhausted) is reported
// the same way, as exit 70, rather than as an abort and a core dump.
int exitCodeOf(std::string_view name, const std::function<Result<int>()>& program);

}  // namespace peertrust::cli
