#include "service/DaemonLog.h"

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace peertrust::service {

namespace {

std::atomic<LogLevel> g_level{LogLevel::Info};

// True when stderr is the journal's stream (systemd sets JOURNAL_STREAM to its device and
// inode): then each line starts with its priority, and on a terminal it does not.
bool stderrIsJournal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    struct stat st {};
    if (stream == nullptr || fstat(STDERR_FILENO, &st) != 0) {
        return false;
    }
    unsigned long long device = 0, inode = 0;
    return std::sscanf(stream, "%llu:%llu", &device, &inode) == 2 && st.st_dev == device &&
           st.st_ino == inode;
}

}  // namespace

Result<LogLevel> parseLogLevel(std::string_view text) {
    if (text == "error") {
        return LogLevel::Error;
    }
    if (text == "warning") {
        return LogLevel::Warning;
    }
    if (text == "info") {
        return LogLevel::Info;
    }
    if (text == "debug") {
        return LogLevel::Debug;
    }
    return Error(ErrorCategory::InvalidInput, "log_level must be error, warning, info or debug");
}

void setLogLevel(LogLevel level) {
    g_level.store(level, std::memory_order_relaxed);
}

bool logs(LogLevel level) {
    return static_cast<int>(level) <= static_cast<int>(g_level.load(std::memory_order_relaxed));
}

void log(LogLevel level, std::string_view message) {
    if (!logs(level)) {
        return;
    }
    static const bool journal = stderrIsJournal();
    std::string line;
    if (journal) {
        line = "<" + std::to_string(static_cast<int>(level)) + ">";
    }
    line.append("peertrustd: ");
    // A message may quote a caller's text: control characters would forge or break lines.
    for (char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        line.push_back(byte < 0x20 || byte == 0x7f ? '?' : c);
    }
    line.push_back('\n');
    // One write per line, so that lines from several threads never interleave.
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace peertrust::service
