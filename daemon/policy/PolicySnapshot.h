// An immutable, compiled view of the policy in every store layer: anchors in a GnuTLS trust
// list with their scopes, distrust as hash sets, the protocol registry. Rebuilt when policy
// changes; Verify reads it without holding the store.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "crypto/Certificate.h"
#include "crypto/GnutlsHandles.h"
#include "policy/ProtocolRegistry.h"
#include "store/AnchorStore.h"
#include "store/CrlStore.h"
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

// A certificate revocation list of one layer, with the certificate that signed it.
struct CompiledCrl {
    store::CrlRow row;
    StoreLayer layer = StoreLayer::System;
    crypto::Certificate issuer;
    std::map<Bytes, UnixTime> revoked;  // serial number -> revocation date
    // The anchors its signer chains to: the signer itself, or the anchors that issued it.
    std::vector<crypto::Sha256> anchors;
};

struct RevocationMatch {
    const CompiledCrl* crl = nullptr;
    Bytes serial;
    UnixTime revokedAt = 0;
};

class PolicySnapshot {
public:
    static Result<std::shared_ptr<const PolicySnapshot>> load(store::TrustStore& store);

    const ProtocolRegistry& protocols() const { return m_protocols; }
    // Every anchor certificate (the CRL issuer check).
    gnutls_x509_trust_list_t trustList() const { return m_trustList.get(); }
    // This anchor certificate alone: a chain is checked against the anchor its path reaches
    // (ChainPath), the one whose scope decides. GnuTLS also spends less on a list of one
    // (about 90 us less per chain than with Debian's 150 CAs in the list, measured here).
    gnutls_x509_trust_list_t trustListOf(const crypto::Certificate& anchor) const;
    const std::vector<CompiledAnchor>& anchors() const { return m_anchors; }
    // Every anchor entry (one per layer holding it) for this exact certificate.
    std::vector<const CompiledAnchor*> anchorsFor(const crypto::Sha256& certSha256) const;
    // Anchor entries whose subject is the issuer named by `cert`, and that issued it.
    std::vector<const CompiledAnchor*> issuersOf(const crypto::Certificate& cert) const;

    // The anchor and the anchors above it (that issued it, and so on): every anchor a path
    // reaching this one also reaches. Certificate hashes, the anchor's own first. Worked out
    // when the snapshot loads, and only when there are CRLs (the one use); empty otherwise.
    const std::vector<crypto::Sha256>& anchorsFrom(const CompiledAnchor& anchor) const;

    // Anchor entries whose subject is exactly this raw DN.
    std::vector<const CompiledAnchor*> anchorsNamed(std::span<const std::uint8_t> rawDn) const;

    const std::vector<CompiledCrl>& crls() const { return m_crls; }
    // Every stored CRL (of either layer) from the certificate's issuer that lists it. The
    // issuer is the CRL's signer, or (RFC 5280, 6.3.3) a CA of the same name whose CRL
    // signer chains to one of `pathAnchors`, the anchors the certificate's paths reach: a
    // re-keyed CA signs its CRL with its new key for certificates its old key issued.
    std::vector<RevocationMatch> revocationsOf(const crypto::Certificate& cert,
                                               std::span<const crypto::Sha256> pathAnchors) const;
    // A CRL with at least one entry signed by the anchor, or by a certificate the anchor
    // issued: clients outside the daemon cannot apply it. Null when there is none.
    const CompiledCrl* revocationListUnder(const CompiledAnchor& anchor) const;
    // The distrust of a certificate the anchor issued (a sub-CA, a server's certificate): a
    // PEM file, which can only list anchors, cannot carry it.
    std::optional<DistrustMatch> distrustUnder(const CompiledAnchor& anchor) const;

    // The certificate itself, or its key, distrusted.
    std::optional<DistrustMatch> distrustOfCertificate(const crypto::Certificate& cert) const;
    std::optional<DistrustMatch> distrustOfKey(const crypto::Sha256& spkiSha256) const;
    // The distrust that makes a pin worthless, since distrust comes before pins in every
    // decision: of its key, or of the certificate stored with it (`keyData` in `format`).
    std::optional<DistrustMatch> distrustOfPin(const crypto::Sha256& spkiSha256, KeyFormat format,
                                               std::span<const std::uint8_t> keyData) const;

private:
    ProtocolRegistry m_protocols;
    crypto::UniqueTrustList m_trustList;
    std::map<crypto::Sha256, crypto::UniqueTrustList> m_anchorTrustLists;
    std::vector<CompiledAnchor> m_anchors;
    std::multimap<crypto::Sha256, std::size_t> m_anchorIndex;
    std::multimap<std::string, std::size_t> m_subjectIndex;  // raw subject DN -> anchor
    std::map<crypto::Sha256, DistrustMatch> m_distrustedCerts;
    std::map<crypto::Sha256, DistrustMatch> m_distrustedKeys;
    std::vector<CompiledCrl> m_crls;
    std::multimap<std::string, std::size_t> m_crlIssuerIndex;  // raw issuer DN -> CRL
    // anchor certificate -> a CRL that applies under it or revokes it
    std::map<crypto::Sha256, std::size_t> m_crlUnderAnchor;
    std::map<crypto::Sha256, DistrustMatch> m_distrustUnderAnchor;  // anchor certificate -> it
    std::map<crypto::Sha256, std::vector<crypto::Sha256>> m_anchorsAbove;  // see anchorsFrom()

    std::vector<crypto::Sha256> walkAnchorsFrom(const CompiledAnchor& anchor) const;
};

// The id of distrustUnder(anchor), for the export rules.
std::optional<std::string> distrustIdUnder(const PolicySnapshot& snapshot,
                                           const CompiledAnchor& anchor);
// The id of revocationListUnder(anchor), for the export rules.
std::optional<std::string> revocationListIdUnder(const PolicySnapshot& snapshot,
                                                 const CompiledAnchor& anchor);

}  // namespace peertrust::policy
