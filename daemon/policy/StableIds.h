// Ids of pins, anchors, distrust entries and CRLs: derived from what they are, so the same entry
// has the same id in every store and adding it twice is visibly idempotent.
#pragma once

#include <string>
#include <string_view>

#include "crypto/Digest.h"

namespace peertrust::policy {

std::string pinIdFor(std::string_view peer, std::string_view protocol,
                     const crypto::Sha256& spkiSha256);
// `hashedName` as known_hosts spells it ("|1|salt|hash"): the salt makes each one unique.
std::string hashedPinIdFor(std::string_view hashedName, std::string_view protocol,
                           const crypto::Sha256& spkiSha256);
std::string anchorIdFor(std::span<const std::uint8_t> certDer);
std::string distrustIdFor(std::string_view kind, const crypto::Sha256& hash);
std::string crlIdFor(std::span<const std::uint8_t> crlDer);

// An id or a prefix of one: lower-case hex, 1 to 16 characters.
bool isIdOrPrefix(std::string_view text);

}  // namespace peertrust::policy
