// An immutable, compiled view of the policy in every store layer: anchors in a GnuTLS trust
// list with their scopes, distrust as hash sets, the protocol registry. Rebuilt when policy
// changes; Verify reads it without holding the store.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crypto/Certificate.h"
#include "crypto/GnutlsHandles.h"
#include "policy/ProtocolRegistry.h"
#include "store/AnchorStore.h"
#include "store/TrustStore.h"

namespace peertrust::policy {

struct CompiledAnchor {
    store::AnchorRow row;
    StoreLayer layer = StoreLayer::System;
    crypto::Certificate cert;
    crypto::UniqueNameConstraints scopeConstraints;  // null when the scope has no name part
};

struct DistrustMatch {
    std::string id;
    StoreLayer layer = StoreLayer::System;
    std::string label;
};

class PolicySnapshot {
public:
    static Result<std::shared_ptr<const PolicySnapshot>> load(store::TrustStore& store);

    const ProtocolRegistry& protocols() const { return m_protocols; }
    gnutls_x509_trust_list_t trustList() const { return m_trustList.get(); }
    const std::vector<CompiledAnchor>& anchors() const { return m_anchors; }
    // Every anchor entry (one per layer holding it) for this exact certificate.
    std::vector<const CompiledAnchor*> anchorsFor(const crypto::Sha256& certSha256) const;
    // Anchor entries whose subject is the issuer named by `cert`, and that issued it.
    std::vector<const CompiledAnchor*> issuersOf(const crypto::Certificate& cert) const;

    // The certificate itself, or its key, distrusted.
    std::optional<DistrustMatch> distrustOfCertificate(const crypto::Certificate& cert) const;
    std::optional<DistrustMatch> distrustOfKey(const crypto::Sha256& spkiSha256) const;

private:
    ProtocolRegistry m_protocols;
    crypto::UniqueTrustList m_trustList;
    std::vector<CompiledAnchor> m_anchors;
    std::multimap<crypto::Sha256, std::size_t> m_anchorIndex;
    std::multimap<std::string, std::size_t> m_subjectIndex;  // raw subject DN -> anchor
    std::map<crypto::Sha256, DistrustMatch> m_distrustedCerts;
    std::map<crypto::Sha256, DistrustMatch> m_distrustedKeys;
};

}  // namespace peertrust::policy
