// The scope of an anchor (protocols, name subtrees, not-after override): parsing its parts
// and deciding whether it admits a peer. The daemon always enforces all of it.
#pragma once

#include <string>
#include <string_view>

#include "crypto/Certificate.h"
#include "crypto/GnutlsHandles.h"
#include "peertrust/Types.h"
#include "policy/PeerName.h"

namespace peertrust::policy {

// ".br" or "br" (the domain and everything under it), "192.0.2.0/24", "2001:db8::/32",
// "@example.org" (mailboxes at that domain or below it).
Result<NameSubtree> parseNameSubtree(std::string_view text);
std::string formatNameScope(const AnchorScope& scope);  // "permit .br; exclude .gov.br"

// Validates a scope as a whole (subtrees canonical, override sane).
Result<AnchorScope> canonicalScope(const AnchorScope& scope);

// Whether the peer's name lies inside the scope. Stricter than RFC 5280 on purpose: when a
// scope permits some subtrees, a name of a type with no permitted subtree is outside it.
bool scopeAdmitsName(const AnchorScope& scope, const PeerName& peer);

// The scope as GnuTLS name constraints, to check every name a leaf certificate carries.
// `excludeUnpermittedIp` adds 0.0.0.0/0 and ::/0 exclusions when no IP range is permitted.
Result<crypto::UniqueNameConstraints> scopeConstraints(const AnchorScope& scope,
                                                       bool excludeUnpermittedIp);

}  // namespace peertrust::policy
