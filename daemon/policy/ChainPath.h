// The path GnuTLS builds from a presented chain to an anchor, and GnuTLS's verdict on it
// translated into peertrust's reason codes.
#pragma once

#include <string>
#include <vector>

#include "crypto/Certificate.h"
#include "policy/PeerName.h"
#include "policy/PolicySnapshot.h"

namespace peertrust::policy {

struct ChainPath {
    std::vector<const crypto::Certificate*> presented;  // on the path, leaf first
    std::vector<const CompiledAnchor*> anchors;         // entries of the anchor reached, if any
    const crypto::Certificate* anchorCert() const {
        return anchors.empty() ? nullptr : &anchors.front()->cert;
    }
    bool reachesAnchor() const { return !anchors.empty(); }
    // The leaf's issuer as the path shows it (the next presented certificate, else the anchor,
    // else the leaf itself when self-issued); null when the path does not show it.
    const crypto::Certificate* leafIssuer() const;
};

// Follows issuers from the leaf through the presented certificates until a certificate is an
// anchor or is issued by one (the same walk GnuTLS's verification takes).
ChainPath buildChainPath(const PolicySnapshot& snapshot,
                         const std::vector<crypto::Certificate>& chain);

struct Failure {
    std::string_view reason;
    std::string detail;  // completes "...but " in the explanation
};

// GnuTLS's checks of the whole chain against `anchor`, the anchor certificate its path
// reaches: signatures, algorithms, CA and path constraints, the chain's own name constraints,
// host name or e-mail, key purpose. Time is checked by the caller (time is an input, GnuTLS
// would use the clock).
std::vector<Failure> checkWithGnutls(const PolicySnapshot& snapshot,
                                     const crypto::Certificate& anchor,
                                     const std::vector<crypto::Certificate>& chain,
                                     const PeerName& peer, const std::string& purposeOid);

// Sorts failures by DESIGN.md's precedence, most important first.
void sortByPrecedence(std::vector<Failure>& failures);

}  // namespace peertrust::policy
