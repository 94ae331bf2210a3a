// libFuzzer target: peertrustd.conf, the input as the file's text. A file that reads leaves
// every option inside its documented range (DESIGN.md "Configuration", daemonUsage()) and the
// rest of the configuration as it was; a file that does not names the file and a line of it.
// CRLF line ends read the same as LF.
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "service/DaemonConfig.h"

namespace {

using peertrust::Result;
using peertrust::service::DaemonConfig;

constexpr const char* kSource = "fuzz.conf";

Result<void> read(const std::string& text, DaemonConfig& config) {
    std::istringstream in(text);
    return peertrust::service::readDaemonConfig(in, kSource, config);
}

bool trimmed(std::string_view value) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    return !value.empty() && !blank(value.front()) && !blank(value.back());
}

void checkRead(const DaemonConfig& config) {
    const DaemonConfig defaults;
    if (!trimmed(config.adminGroup)) {
        std::abort();
    }
    std::string store = config.systemStore.string();
    if (!trimmed(store) || store.front() != '/') {
        std::abort();
    }
    if (config.workers < 1 || config.workers > 64) {
        std::abort();
    }
    using peertrust::service::LogLevel;
    const LogLevel levels[] = {LogLevel::Error, LogLevel::Warning, LogLevel::Info, LogLevel::Debug};
    if (std::find(std::begin(levels), std::end(levels), config.logLevel) == std::end(levels)) {
        std::abort();
    }
    // A protocol line: three words, and where it came from.
    for (const auto& protocol : config.protocols) {
        if (protocol.request.name.empty() || protocol.request.family.empty() ||
            !protocol.origin.starts_with(std::string(kSource) + ":")) {
            std::abort();
        }
    }
    // Only flags set these; the file never does.
    if (config.mode != defaults.mode || config.configPath != defaults.configPath ||
        config.db != defaults.db || config.helpRequested != defaults.helpRequested) {
        std::abort();
    }
}

void checkFailure(const peertrust::Error& error, const std::string& text) {
    if (error.category() != peertrust::ErrorCategory::InvalidInput) {
        std::abort();
    }
    // "fuzz.conf:<line>: <reason>", the line one of the file's.
    const std::string& message = error.message();
    std::string prefix = std::string(kSource) + ":";
    if (!message.starts_with(prefix)) {
        std::abort();
    }
    std::size_t colon = message.find(": ", prefix.size());
    if (colon == std::string::npos || colon + 2 == message.size()) {
        std::abort();
    }
    long line = 0;
    const char* first = message.data() + prefix.size();
    auto [end, ec] = std::from_chars(first, message.data() + colon, line);
    if (ec != std::errc() || end != message.data() + colon) {
        std::abort();
    }
    long lines = static_cast<long>(std::count(text.begin(), text.end(), '\n')) + 1;
    if (line < 1 || line > lines) {
        std::abort();
    }
}

bool sameValues(const DaemonConfig& a, const DaemonConfig& b) {
    auto sameProtocols = [](const DaemonConfig::ConfiguredProtocol& x,
                            const DaemonConfig::ConfiguredProtocol& y) {
        return x.request.name == y.request.name && x.request.family == y.request.family &&
               x.request.policy == y.request.policy && x.origin == y.origin;
    };
    return a.adminGroup == b.adminGroup && a.systemStore == b.systemStore &&
           a.workers == b.workers && a.logLevel == b.logLevel && a.verdictCache == b.verdictCache &&
           std::equal(a.protocols.begin(), a.protocols.end(), b.protocols.begin(),
                      b.protocols.end(), sameProtocols);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    DaemonConfig config;
    auto result = read(text, config);
    if (result) {
        checkRead(config);
    } else {
        checkFailure(result.error(), text);
    }

    std::string crlf;
    for (char c : text) {
        crlf += c == '\n' ? std::string_view("\r\n") : std::string_view(&c, 1);
    }
    DaemonConfig again;
    auto crlfResult = read(crlf, again);
    if (crlfResult.ok() != result.ok()) {
        std::abort();
    }
    if (result ? !sameValues(config, again)
               : crlfResult.error().message() != result.error().message()) {
        std::abort();
    }
    return 0;
}
