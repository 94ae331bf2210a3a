// DESIGN.md's "Never over-trust": what each kind of client may be given for an anchor, so
// that no exported form trusts more than the daemon would. Later layers (the PKCS#11 trust
// module, the PEM export) only read this.
#pragma once

#include <optional>
#include <string>

#include "peertrust/Types.h"
#include "policy/AnchorScope.h"
#include "policy/ProtocolRegistry.h"

namespace peertrust::policy {

// `revocationListId`: a CRL with revoked entries that applies under the anchor (signed by it
// or by a certificate it issued), which no exported form can carry. `distrustBelowId`: the
// distrust of a certificate the anchor issued; the trust module exports that distrust beside
// the anchor, a PEM file cannot.
AnchorExport computeAnchorExport(const AnchorScope& scope, bool distrusted,
                                 const std::optional<std::string>& revocationListId,
                                 const ProtocolRegistry& registry,
                                 const std::optional<std::string>& distrustBelowId = std::nullopt);

}  // namespace peertrust::policy
