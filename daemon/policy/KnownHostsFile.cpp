#include "policy/KnownHostsFile.h"

#include <algorithm>
#include <string_view>

#include "crypto/Digest.h"
#include "peertrust/TextExcerpt.h"

namespace peertrust::policy {

namespace {

constexpr std::size_t kMaxLineBytes = 64 * 1024;

// Key types OpenSSH knows that peertrust does not pin (DSA is gone from OpenSSH, security
// keys and certificates need more than a bare public key).
bool knownButUnsupportedType(std::string_view type) {
    return type == "ssh-dss" || type.starts_with("sk-") ||
           type.find("-cert-v01@openssh.com") != std::string_view::npos;
}

bool isSpace(char c) {
    return c == ' ' || c == '\t';
}

std::string_view nextField(std::string_view& rest) {
    while (!rest.empty() && isSpace(rest.front())) {
        rest.remove_prefix(1);
    }
    std::size_t end = 0;
    while (end < rest.size() && !isSpace(rest[end])) {
        ++end;
    }
    std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end);
    return field;
}

// "[name]:port" -> "name:port" (or "[v6]:port"), the peer spelling of DESIGN.md.
std::optional<std::string> bracketedToPeer(std::string_view pattern) {
    std::size_t close = pattern.find("]:");
    if (close == std::string_view::npos || close < 2) {
        return std::nullopt;
    }
    std::string_view host = pattern.substr(1, close - 1);
    std::string_view port = pattern.substr(close + 2);
    if (port.empty() ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    bool v6 = host.find(':') != std::string_view::npos;
    return (v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::string(port);
}

class LineReader {
public:
    LineReader(KnownHostsFile& file, std::size_t line) : m_file(file), m_line(line) {}

    void issue(const char* kind, std::string reason) {
        m_file.issues.push_back({m_line, kind, std::move(reason)});
    }

    void read(std::string_view text) {
        if (text.size() > kMaxLineBytes) {
            return issue("malformed",
                         "the line is longer than " + std::to_string(kMaxLineBytes) + " bytes");
        }
        if (std::any_of(text.begin(), text.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; })) {
            return issue("malformed", "control characters in the line");
        }
        std::string_view rest = text;
        std::string_view field = nextField(rest);
        KnownHostsEntry entry;
        entry.line = m_line;
        if (field.starts_with("@")) {
            if (field == "@cert-authority") {
                return issue("not-supported",
                             "@cert-authority: SSH certificate authorities are not supported; "
                             "the CA key was not imported");
            }
            if (field != "@revoked") {
                return issue("malformed", "unknown marker \"" + textExcerpt(field, 40) +
                                              "\" (known: @revoked, @cert-authority)");
            }
            entry.revoked = true;
            field = nextField(rest);
        }
        std::string_view hosts = field;
        std::string_view type = nextField(rest);
        std::string_view encoded = nextField(rest);
        if (hosts.empty() || type.empty() || encoded.empty()) {
            return issue("malformed", "expected \"[@marker] HOSTS KEYTYPE BASE64 [COMMENT]\"");
        }
        std::string keyLine = std::string(type) + " " + std::string(encoded);
        auto key = parsePresentedKey(KeyFormat::OpenSsh, crypto::asBytes(keyLine));
        if (!key) {
            if (knownButUnsupportedType(type)) {
                return issue("not-supported", "the key type " + textExcerpt(type, 60) +
                                                  " is not supported (ssh-ed25519, "
                                                  "ecdsa-sha2-nistp256/384/521 and ssh-rsa are)");
            }
            return issue("malformed", key.error().message());
        }
        entry.key = std::move(*key);
        std::size_t issuesBefore = m_file.issues.size();
        readHosts(hosts, entry);
        // A revoked key stands for itself whatever the hosts say.
        if (!entry.hosts.empty() || entry.revoked) {
            m_file.entries.push_back(std::move(entry));
        } else if (m_file.issues.size() == issuesBefore) {
            issue("malformed", "the line names no host");
        }
    }

private:
    void readHosts(std::string_view hosts, KnownHostsEntry& entry) {
        // ssh applies a line with a negated pattern to no host the negation matches; a pin of
        // one of its names could not say that, and would accept the key where ssh does not.
        const bool negated = hosts.starts_with('!') || hosts.find(",!") != std::string_view::npos;
        while (!hosts.empty()) {
            std::size_t comma = std::min(hosts.find(','), hosts.size());
            std::string_view pattern = hosts.substr(0, comma);
            hosts.remove_prefix(std::min(comma + 1, hosts.size()));
            if (pattern.empty()) {
                continue;
            }
            if (pattern.find_first_of("*?!") != std::string_view::npos) {
                if (!entry.revoked) {
                    issue("wildcard", "the host pattern \"" + textExcerpt(pattern, 60) +
                                          "\" is a wildcard or negation; a pin names one peer");
                }
                continue;
            }
            if (negated && !entry.revoked) {
                issue("wildcard", "\"" + textExcerpt(pattern, 60) +
                                      "\" shares its line with a negated pattern, which a pin "
                                      "cannot carry");
                continue;
            }
            if (pattern.starts_with("|1|")) {
                auto hashed = crypto::parseHashedHostName(pattern);
                if (!hashed) {
                    issue("malformed", hashed.error().message());
                    continue;
                }
                entry.hosts.push_back({{}, *hashed});
                continue;
            }
            if (pattern.starts_with("|")) {
                issue("malformed", "unknown hashed host name form \"" + textExcerpt(pattern, 40) +
                                       "\" (known: |1|salt|hash)");
                continue;
            }
            if (pattern.starts_with("[")) {
                auto peer = bracketedToPeer(pattern);
                if (!peer) {
                    issue("malformed", "\"" + textExcerpt(pattern, 60) + "\" is not [HOST]:PORT");
                    continue;
                }
                entry.hosts.push_back({std::move(*peer), std::nullopt});
                continue;
            }
            entry.hosts.push_back({std::string(pattern), std::nullopt});
        }
    }

    KnownHostsFile& m_file;
    std::size_t m_line;
};

}  // namespace

KnownHostsFile parseKnownHostsFile(std::span<const std::uint8_t> data) {
    KnownHostsFile file;
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    std::size_t lineNumber = 0;
    while (!text.empty()) {
        ++lineNumber;
        std::size_t end = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        std::size_t start = 0;
        while (start < line.size() && isSpace(line[start])) {
            ++start;
        }
        line.remove_prefix(start);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        ++file.contentLines;
        LineReader(file, lineNumber).read(line);
    }
    return file;
}

std::string knownHostsName(const PeerName& peer) {
    if (peer.port) {
        return "[" + peer.host + "]:" + std::to_string(*peer.port);
    }
    return peer.host;
}

}  // namespace peertrust::policy
