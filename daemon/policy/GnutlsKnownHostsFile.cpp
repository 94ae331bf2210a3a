#include "policy/GnutlsKnownHostsFile.h"

#include <algorithm>
#include <string_view>

#include "crypto/Digest.h"
#include "crypto/GnutlsHandles.h"
#include "peertrust/TextExcerpt.h"

namespace peertrust::policy {

namespace {

constexpr std::size_t kMaxLineBytes = 64 * 1024;
constexpr std::size_t kMaxFieldBytes = 1024;  // host and service names

std::vector<std::string_view> splitBars(std::string_view text) {
    std::vector<std::string_view> fields;
    while (true) {
        std::size_t bar = text.find('|');
        fields.push_back(text.substr(0, bar));
        if (bar == std::string_view::npos) {
            return fields;
        }
        text.remove_prefix(bar + 1);
    }
}

bool allDigits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void readLine(std::string_view line, std::size_t number, GnutlsKnownHostsFile& file) {
    auto issue = [&](const char* kind, std::string reason) {
        file.issues.push_back({number, kind, std::move(reason)});
    };
    if (line.size() > kMaxLineBytes) {
        return issue("malformed",
                     "the line is longer than " + std::to_string(kMaxLineBytes) + " bytes");
    }
    if (std::any_of(line.begin(), line.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
        return issue("malformed", "control characters in the line");
    }
    if (line.starts_with("|c0|")) {
        return issue("commitment",
                     "a hash commitment (|c0|) holds no key to pin, only the key's hash");
    }
    if (!line.starts_with("|g0|")) {
        return issue("malformed", "expected |g0|HOST|SERVICE|EXPIRATION|KEY");
    }
    std::vector<std::string_view> fields = splitBars(line.substr(4));
    // GnuTLS ignores whatever follows the key; so do we (it writes nothing there).
    if (fields.size() < 4 || fields[0].empty() || fields[1].empty() || fields[3].empty()) {
        return issue("malformed", "expected |g0|HOST|SERVICE|EXPIRATION|KEY");
    }
    if (fields[0].size() > kMaxFieldBytes || fields[1].size() > kMaxFieldBytes) {
        return issue("malformed", "the host or service is longer than " +
                                      std::to_string(kMaxFieldBytes) + " bytes");
    }
    if (fields[0] == "*") {
        return issue("wildcard", "the key is stored for any host (*); a pin names one peer");
    }
    if (!allDigits(fields[2]) || fields[2].size() > 18) {
        return issue("malformed", "the expiration \"" + textExcerpt(fields[2], 40) +
                                      "\" is not a number of seconds since the epoch");
    }
    std::string_view encoded = fields[3];
    encoded = encoded.substr(0, std::min(encoded.find_first_of(" \t"), encoded.size()));
    gnutls_datum_t in = crypto::datumOf(crypto::asBytes(encoded));
    crypto::OwnedDatum der;
    if (gnutls_base64_decode2(&in, der.out()) < 0) {
        return issue("malformed", "the key is not valid base64");
    }
    auto key = parsePresentedKey(KeyFormat::Spki, der.bytes());
    if (!key) {
        return issue("malformed", key.error().message());
    }
    GnutlsKnownHost entry;
    entry.line = number;
    entry.host = std::string(fields[0]);
    entry.service = fields[1] == "*" ? std::string() : std::string(fields[1]);
    entry.expiration = static_cast<UnixTime>(std::stoll(std::string(fields[2])));
    entry.key = std::move(*key);
    file.entries.push_back(std::move(entry));
}

}  // namespace

GnutlsKnownHostsFile parseGnutlsKnownHostsFile(std::span<const std::uint8_t> data) {
    GnutlsKnownHostsFile file;
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        std::size_t end = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        std::size_t start = line.find_first_not_of(" \t");
        if (start == std::string_view::npos || line[start] == '#') {
            continue;
        }
        ++file.contentLines;
        readLine(line.substr(start), number, file);
    }
    return file;
}

}  // namespace peertrust::policy
