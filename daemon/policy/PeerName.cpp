#include "policy/PeerName.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>

#include <algorithm>
#include <cstring>

#include "crypto/GnutlsHandles.h"
#include "peertrust/TextExcerpt.h"

namespace peertrust::policy {

namespace {

Error malformed(std::string_view text, std::string_view why) {
    std::string shown = textExcerpt(text, 80);
    for (char& c : shown) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            c = '?';
        }
    }
    return invalidInput("malformed peer name \"" + shown + "\": " + std::string(why));
}

bool isAsciiLabelChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::optional<std::uint16_t> parsePort(std::string_view digits) {
    if (digits.empty() || digits.size() > 5) {
        return std::nullopt;
    }
    unsigned value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

std::optional<std::string> canonicalIpv4(std::string_view text) {
    std::string copy(text);
    in_addr addr{};
    if (inet_pton(AF_INET, copy.c_str(), &addr) != 1) {
        return std::nullopt;
    }
    char out[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr, out, sizeof out);
    return std::string(out);
}

// Returns the canonical text and whether it is (after un-mapping) IPv4.
std::optional<std::pair<std::string, bool>> canonicalIpv6(std::string_view text) {
    std::string copy(text);
    in6_addr addr{};
    if (inet_pton(AF_INET6, copy.c_str(), &addr) != 1) {
        return std::nullopt;
    }
    if (IN6_IS_ADDR_V4MAPPED(&addr)) {
        in_addr v4{};
        std::memcpy(&v4, &addr.s6_addr[12], 4);
        char out[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &v4, out, sizeof out);
        return std::pair{std::string(out), true};
    }
    char out[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &addr, out, sizeof out);
    return std::pair{std::string(out), false};
}

Result<PeerName> hostPeer(std::string_view original, std::string_view host,
                          std::optional<std::uint16_t> port, bool bracketed) {
    PeerName peer;
    peer.port = port;
    if (auto v6 = canonicalIpv6(host)) {
        peer.kind = v6->second ? PeerName::Kind::Ipv4 : PeerName::Kind::Ipv6;
        peer.host = std::move(v6->first);
        return peer;
    }
    if (bracketed) {
        return malformed(original, "only an IPv6 address may stand in brackets");
    }
    if (auto v4 = canonicalIpv4(host)) {
        peer.kind = PeerName::Kind::Ipv4;
        peer.host = std::move(*v4);
        return peer;
    }
    auto dns = canonicalDnsName(host);
    if (!dns) {
        return malformed(original, dns.error().message());
    }
    peer.kind = PeerName::Kind::Dns;
    peer.host = std::move(dns).value();
    return peer;
}

}  // namespace

Result<std::string> canonicalDnsName(std::string_view text) {
    if (text.empty()) {
        return invalidInput("empty host name");
    }
    if (text.size() > kMaxPeerNameBytes) {
        return invalidInput("host name longer than " + std::to_string(kMaxPeerNameBytes) +
                            " bytes");
    }
    std::string lowered(text);
    bool ascii = true;
    for (char& c : lowered) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) {
            return invalidInput("spaces or control characters in the name");
        }
        if (u >= 0x80) {
            ascii = false;
        } else if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    if (lowered.back() == '.') {
        lowered.pop_back();
    }
    if (lowered.empty()) {
        return invalidInput("empty host name");
    }
    if (!ascii) {
        // Map label by label: GnuTLS's IDNA mapping silently drops characters such as '_'
        // from a label it converts, which would make two different names one peer.
        std::string mappedName;
        std::size_t start = 0;
        while (start <= lowered.size()) {
            std::size_t end = std::min(lowered.find('.', start), lowered.size());
            std::string label = lowered.substr(start, end - start);
            bool labelAscii = std::all_of(label.begin(), label.end(), [](char c) {
                return static_cast<unsigned char>(c) < 0x80;
            });
            if (!labelAscii) {
                if (label.find('_') != std::string::npos) {
                    return invalidInput("'_' is not allowed in an internationalised label");
                }
                crypto::OwnedDatum mapped;
                int rc = gnutls_idna_map(label.data(), static_cast<unsigned>(label.size()),
                                         mapped.out(), 0);
                if (rc < 0) {
                    return invalidInput("\"" + label + "\" is not a valid internationalised label");
                }
                label = mapped.str();
                std::transform(label.begin(), label.end(), label.begin(), [](char c) {
                    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
                });
            }
            mappedName += (start == 0 ? "" : ".") + label;
            start = end + 1;
        }
        lowered = std::move(mappedName);
    }
    if (lowered.size() > 253) {
        return invalidInput("longer than 253 octets");
    }
    std::size_t start = 0;
    std::string_view lastLabel;
    while (true) {
        std::size_t end = lowered.find('.', start);
        std::string_view label = std::string_view(lowered).substr(
            start, end == std::string::npos ? std::string::npos : end - start);
        if (label.empty()) {
            return invalidInput("empty label");
        }
        if (label.size() > 63) {
            return invalidInput("a label is longer than 63 octets");
        }
        if (!std::all_of(label.begin(), label.end(), isAsciiLabelChar)) {
            return invalidInput("labels may hold only letters, digits, '-' and '_'");
        }
        lastLabel = label;
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    // No top-level domain is numeric: "192.0.2.999" is a mistyped address, not a name.
    if (std::all_of(lastLabel.begin(), lastLabel.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
        return invalidInput("the last label is numeric (not a valid IP address either)");
    }
    // Other spellings of an IPv4 address ("0x0a000001", "10.1", "012.0.0.1"): the resolver
    // (inet_aton) connects to the address, so as a name it would escape every IP scope.
    if (in_addr address{}; inet_aton(lowered.c_str(), &address) != 0) {
        char dotted[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &address, dotted, sizeof dotted);
        return invalidInput(std::string("it reads as the IPv4 address ") + dotted +
                            " in another spelling: write that address instead");
    }
    return lowered;
}

Result<PeerName> parsePeerName(std::string_view text, std::span<const std::uint16_t> defaultPorts) {
    if (text.empty()) {
        return invalidInput("the peer name is empty");
    }
    if (text.size() > kMaxPeerNameBytes) {
        return malformed(text, "longer than " + std::to_string(kMaxPeerNameBytes) + " bytes");
    }
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) {
            return malformed(text, "spaces or control characters");
        }
    }

    Result<PeerName> parsed = invalidInput("");
    if (auto at = text.rfind('@'); at != std::string_view::npos) {
        std::string_view local = text.substr(0, at);
        std::string_view domain = text.substr(at + 1);
        if (local.empty() || local.size() > 64) {
            return malformed(text, "the local part of an e-mail address must be 1-64 octets");
        }
        for (char c : local) {
            auto u = static_cast<unsigned char>(c);
            if (u >= 0x80 || std::strchr("\"(),:;<>@[\\]", c) != nullptr) {
                return malformed(text, "unsupported character in the e-mail local part");
            }
        }
        auto dns = canonicalDnsName(domain);
        if (!dns) {
            return malformed(text, "e-mail domain: " + dns.error().message());
        }
        PeerName peer;
        peer.kind = PeerName::Kind::Email;
        peer.localPart = std::string(local);
        peer.host = std::move(dns).value();
        return peer;
    }

    std::string_view host = text;
    std::optional<std::uint16_t> port;
    bool bracketed = false;
    if (text.front() == '[') {
        std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            return malformed(text, "missing ']'");
        }
        host = text.substr(1, close - 1);
        bracketed = true;
        std::string_view after = text.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':' || !(port = parsePort(after.substr(1)))) {
                return malformed(text, "expected \":PORT\" (1-65535) after ']'");
            }
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        std::size_t colon = text.find(':');
        host = text.substr(0, colon);
        port = parsePort(text.substr(colon + 1));
        if (!port) {
            return malformed(text, "the port must be a number from 1 to 65535");
        }
    }
    if (host.find('%') != std::string_view::npos) {
        return malformed(text, "IPv6 zone identifiers are not peer names");
    }
    parsed = hostPeer(text, host, port, bracketed);
    if (parsed && parsed->port &&
        std::find(defaultPorts.begin(), defaultPorts.end(), *parsed->port) != defaultPorts.end()) {
        parsed->port.reset();
    }
    return parsed;
}

std::string PeerName::canonical() const {
    if (kind == Kind::Email) {
        return localPart + "@" + host;
    }
    if (!port) {
        return host;
    }
    if (kind == Kind::Ipv6) {
        return "[" + host + "]:" + std::to_string(*port);
    }
    return host + ":" + std::to_string(*port);
}

std::string PeerName::certificateName() const {
    return kind == Kind::Email ? localPart + "@" + host : host;
}

}  // namespace peertrust::policy
