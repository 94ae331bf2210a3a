// DESIGN.md's "Never over-trust": what each kind of client may be given for an anchor, so
// that no exported form trusts more than the daemon would. Later layers (the PKCS#11 trust
// module, the PEM export) only read this.
#pragma once

#include "peertrust/Types.h"
#include "policy/AnchorScope.h"
#include "policy/ProtocolRegistry.h"

namespace peertrust::policy {

AnchorExport computeAnchorExport(const AnchorScope& scope, bool distrusted,
                                 const ProtocolRegistry& registry);

}  // namespace peertrust::policy
