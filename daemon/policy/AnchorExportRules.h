// DESIGN.md's "Never over-trust": what each kind of client may be given for an anchor, so
// that no exported form trusts more than the daemon would. Later layers (the PKCS#11 trust
// module, the PEM export) only read this.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/Certificate.h"

#include "peertrust/Types.h"
#include "policy/AnchorScope.h"
#include "policy/ProtocolRegistry.h"

namespace peertrust::policy {

// What the anchor certificate limits itself. A PKCS#11 trust module staples extensions that
// replace the certificate's own of the same kind in GnuTLS, so these must narrow what is
// stapled, never be lost to it.
struct CertificateOwnLimits {
    std::optional<std::vector<std::string>> keyPurposes;  // its EKU; none: any purpose
    bool nameConstraints = false;                         // it carries NameConstraints
    // GnuTLS trusts a certificate found in the token as itself when a peer presents it, with
    // its own EKU and names and without the stapled extensions that carry a scope. These say
    // what it could be presented for: whether it is a CA certificate (or a version 1 one), and
    // the host names it carries (SAN DNS names and addresses; else a host-name-like CN).
    bool ca = true;
    std::vector<std::string> hostNames;
    bool hostNamesFromSan = false;  // else from the CN, or none
};
CertificateOwnLimits ownLimitsOf(const crypto::Certificate& cert);

// `revocationListId`: a CRL that revokes the anchor itself, or one with revoked entries that
// applies under it (signed by it or by a certificate it issued), which no exported form can
// carry. `distrustBelowId`: the
// distrust of a certificate the anchor issued; the trust module exports that distrust beside
// the anchor, a PEM file cannot.
AnchorExport computeAnchorExport(const AnchorScope& scope, bool distrusted,
                                 const std::optional<std::string>& revocationListId,
                                 const ProtocolRegistry& registry,
                                 const std::optional<std::string>& distrustBelowId = std::nullopt,
                                 const CertificateOwnLimits& own = {});

// One anchor as a PKCS#11 trust token holds it, for withdrawSharedKeyStaples.
struct TokenAnchor {
    StoreLayer layer = StoreLayer::System;
    crypto::Sha256 spkiSha256{};
    std::string id;
    const AnchorScope* scope = nullptr;
    AnchorExport* exports = nullptr;
};

// Anchors of one token that share a key: GnuTLS finds stapled extensions by the key and
// applies every one it finds to each of them, so they stay GnuTLS anchors only when they
// would staple the same; otherwise none of them is (less, never more).
void withdrawSharedKeyStaples(std::vector<TokenAnchor>& anchors);

}  // namespace peertrust::policy
