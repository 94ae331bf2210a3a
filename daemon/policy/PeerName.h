// A peer name in its one canonical spelling (DESIGN.md, "Names: canonical before anything
// else"): two spellings of one name are one peer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "peertrust/Error.h"

namespace peertrust::policy {

inline constexpr std::size_t kMaxPeerNameBytes = 1024;

struct PeerName {
    enum class Kind { Dns, Ipv4, Ipv6, Email };

    Kind kind = Kind::Dns;
    std::string host;       // A-label, lower case, no trailing dot; or canonical IP text
    std::string localPart;  // e-mail only, as given (local parts are case-sensitive)
    std::optional<std::uint16_t> port;  // absent when it was the protocol's default

    // "host", "host:8443", "[2001:db8::1]:8443", "user@example.org".
    std::string canonical() const;
    // The name the peer's certificate must carry: host or e-mail address, never the port.
    std::string certificateName() const;
    bool isIp() const { return kind == Kind::Ipv4 || kind == Kind::Ipv6; }
};

// Canonicalises `text`; a port in `defaultPorts` is dropped.
Result<PeerName> parsePeerName(std::string_view text, std::span<const std::uint16_t> defaultPorts);

// A DNS name alone (no port): lower case, A-labels, validated. Used for scopes as well.
Result<std::string> canonicalDnsName(std::string_view text);

}  // namespace peertrust::policy
