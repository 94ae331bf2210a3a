// OpenSSH's hashed host names (HashKnownHosts, ssh-keygen -H): "|1|" + base64(salt) + "|" +
// base64(HMAC-SHA1 keyed with the salt over the host). The name cannot be recovered from it,
// only tested against a candidate.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "peertrust/Error.h"

namespace peertrust::crypto {

using Sha1 = std::array<std::uint8_t, 20>;

struct HashedHostName {
    Sha1 salt{};
    Sha1 hmac{};
};

// "|1|salt|hash" as it stands in a known_hosts file.
Result<HashedHostName> parseHashedHostName(std::string_view text);
std::string formatHashedHostName(const HashedHostName& name);

Sha1 hostHmac(const Sha1& salt, std::string_view host);
// `host` as ssh hashes it: "name", or "[name]:port" off port 22.
bool hashedNameMatches(const HashedHostName& name, std::string_view host);

}  // namespace peertrust::crypto
