// What peertrustd says about itself: one line per event on stderr, which systemd sends to the
// journal. log_level (or --log-level) sets how much: errors, warnings, what the daemon does
// (info, the default), and each Verify answered (debug; it names peers, so it is opt-in).
#pragma once

#include <string_view>

#include "peertrust/Error.h"

namespace peertrust::service {

// Ordered as syslog priorities, which journald reads from a "<N>" line prefix.
enum class LogLevel { Error = 3, Warning = 4, Info = 6, Debug = 7 };

Result<LogLevel> parseLogLevel(std::string_view text);

void setLogLevel(LogLevel level);
// Whether a message of `level` is written: lets a caller skip building one.
bool logs(LogLevel level);
// Writes "peertrustd: message" as one line when `level` is enabled, control characters in
// `message` replaced by '?'. Safe from any thread.
void log(LogLevel level, std::string_view message);

}  // namespace peertrust::service
