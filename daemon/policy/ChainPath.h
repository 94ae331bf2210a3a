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

// Every path from the leaf through the presented certificates to a certificate that is an
// anchor or is issued by one, each ending at one anchor certificate: the first is the walk
// GnuTLS's verification takes. Another path matters when that one dead-ends (a presented
// certificate of the issuer's name that leads nowhere) or when anchors share a key and differ
// in scope. When no path reaches an anchor: the first walk alone, as far as it went. Never
// empty.
std::vector<ChainPath> buildChainPaths(const PolicySnapshot& snapshot,
                                       const std::vector<crypto::Certificate>& chain);
// The first of buildChainPaths.
ChainPath buildChainPath(const PolicySnapshot& snapshot,
                         const std::vector<crypto::Certificate>& chain);

struct Failure {
    std::string_view reason;
    std::string detail;  // completes "...but " in the explanation
};

// GnuTLS's checks of a path that reaches an anchor, against that anchor alone: signatures,
// algorithms, CA and path constraints, the path's own name constraints, host name or e-mail,
// key purpose. Time is checked by the caller (time is an input, GnuTLS would use the clock).
std::vector<Failure> checkWithGnutls(const PolicySnapshot& snapshot, const ChainPath& path,
                                     const PeerName& peer, const std::string& purposeOid);

// Sorts failures by DESIGN.md's precedence, most important first.
void sortByPrecedence(std::vector<Failure>& failures);

}  // namespace peertrust::policy
