#include "policy/PolicySnapshot.h"

#include <algorithm>

#include "policy/AnchorScope.h"
#include "policy/RevocationList.h"
#include "store/DistrustStore.h"
#include "store/ProtocolStore.h"

namespace peertrust::policy {

namespace {

// A trust list owns its own copy of each certificate.
Result<void> addToTrustList(gnutls_x509_trust_list_t list, const crypto::Certificate& cert) {
    PEERTRUST_TRY_ASSIGN(crypto::UniqueCrt copy, crypto::makeCrt());
    gnutls_datum_t der = crypto::datumOf(cert.der);
    if (gnutls_x509_crt_import(copy.get(), &der, GNUTLS_X509_FMT_DER) >= 0) {
        gnutls_x509_crt_t raw = copy.release();
        if (gnutls_x509_trust_list_add_cas(list, &raw, 1, 0) != 1) {
            gnutls_x509_crt_deinit(raw);
        }
    }
    return {};
}

std::string rawKey(std::span<const std::uint8_t> bytes) {
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

Result<std::shared_ptr<const PolicySnapshot>> PolicySnapshot::load(store::TrustStore& store) {
    auto snapshot = std::make_shared<PolicySnapshot>();
    PEERTRUST_TRY_ASSIGN(snapshot->m_trustList, crypto::makeTrustList());

    for (store::Layer& layer : store.layers()) {
        store::ProtocolStore protocols(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto rows, protocols.list());
        for (const auto& row : rows) {
            PEERTRUST_TRY_ASSIGN(ProtocolPolicy policy, parseProtocolPolicy(row.policy));
            // A stored row that no longer fits (its family vanished) is ignored, not fatal.
            (void)snapshot->m_protocols.apply(row.name, row.family, policy);
        }
    }

    std::vector<gnutls_x509_crt_t> forTrustList;
    std::set<crypto::Sha256> inTrustList;
    std::vector<std::pair<crypto::Certificate, DistrustMatch>> distrustedCertificates;
    for (store::Layer& layer : store.layers()) {
        store::AnchorStore anchors(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto rows, anchors.list());
        for (auto& row : rows) {
            auto cert = crypto::parseCertificate(row.certDer);
            if (!cert) {
                continue;  // written by us after parsing, so only a damaged row lands here
            }
            CompiledAnchor anchor;
            anchor.layer = layer.which;
            anchor.cert = std::move(cert).value();
            if (row.scope.hasNameScope()) {
                PEERTRUST_TRY_ASSIGN(anchor.scopeConstraints, scopeConstraints(row.scope, false));
            }
            anchor.row = std::move(row);
            if (inTrustList.insert(anchor.cert.certSha256).second) {
                PEERTRUST_TRY(addToTrustList(snapshot->m_trustList.get(), anchor.cert));
                PEERTRUST_TRY_ASSIGN(crypto::UniqueTrustList alone, crypto::makeTrustList(1));
                PEERTRUST_TRY(addToTrustList(alone.get(), anchor.cert));
                snapshot->m_anchorTrustLists.emplace(anchor.cert.certSha256, std::move(alone));
            }
            snapshot->m_anchorIndex.emplace(anchor.cert.certSha256, snapshot->m_anchors.size());
            gnutls_datum_t subject{nullptr, 0};
            if (gnutls_x509_crt_get_raw_dn(anchor.cert.crt.get(), &subject) >= 0) {
                snapshot->m_subjectIndex.emplace(
                    std::string(reinterpret_cast<const char*>(subject.data), subject.size),
                    snapshot->m_anchors.size());
                gnutls_free(subject.data);
            }
            // Computed now, while the snapshot is private: shared snapshots are only read.
            (void)anchor.cert.spkiSha256();
            snapshot->m_anchors.push_back(std::move(anchor));
        }

        store::DistrustStore distrust(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto entries, distrust.list());
        for (const auto& entry : entries) {
            DistrustMatch match{entry.id, layer.which, entry.label};
            // Distrusting a certificate distrusts its key too: a re-issued certificate or the
            // bare key must not bring back what the administrator took away.
            snapshot->m_distrustedKeys.emplace(entry.spkiSha256, match);
            if (entry.certSha256) {
                snapshot->m_distrustedCerts.emplace(*entry.certSha256, match);
                if (auto cert = crypto::parseCertificate(entry.data)) {
                    distrustedCertificates.emplace_back(std::move(cert).value(), match);
                }
            }
        }

        store::CrlStore crls(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto crlRows, crls.list());
        for (auto& row : crlRows) {
            auto list = parseRevocationList(row.der);
            auto issuer = crypto::parseCertificate(row.issuerCertDer);
            if (!list || !issuer) {
                continue;  // checked when added, so only a damaged row lands here
            }
            CompiledCrl crl;
            crl.layer = layer.which;
            crl.issuer = std::move(issuer).value();
            crl.revoked = std::move(list->revoked);
            crl.row = std::move(row);
            snapshot->m_crlIssuerIndex.emplace(rawKey(crl.row.issuerDn), snapshot->m_crls.size());
            snapshot->m_crls.push_back(std::move(crl));
        }
    }

    // Anchors that issued a distrusted certificate (once every layer's anchors are in).
    for (const auto& [cert, match] : distrustedCertificates) {
        for (const CompiledAnchor* anchor : snapshot->issuersOf(cert)) {
            snapshot->m_distrustUnderAnchor.emplace(anchor->cert.certSha256, match);
        }
    }

    // Only CRLs look above an anchor; a store without them spares the walk at every load.
    if (!snapshot->m_crls.empty()) {
        for (const CompiledAnchor& anchor : snapshot->m_anchors) {
            if (!snapshot->m_anchorsAbove.count(anchor.cert.certSha256)) {
                snapshot->m_anchorsAbove.emplace(anchor.cert.certSha256,
                                                 snapshot->walkAnchorsFrom(anchor));
            }
        }
    }
    // The anchors each CRL's signer chains to: the anchor signed it, or issued its signer.
    // Under those a non-empty CRL applies, which clients outside the daemon cannot check.
    for (std::size_t i = 0; i < snapshot->m_crls.size(); ++i) {
        CompiledCrl& crl = snapshot->m_crls[i];
        std::vector<const CompiledAnchor*> under = snapshot->anchorsFor(crl.issuer.certSha256);
        for (const CompiledAnchor* anchor : snapshot->issuersOf(crl.issuer)) {
            under.push_back(anchor);
        }
        for (const CompiledAnchor* anchor : under) {
            crl.anchors.push_back(anchor->cert.certSha256);
            if (!crl.revoked.empty()) {
                snapshot->m_crlUnderAnchor.emplace(anchor->cert.certSha256, i);
            }
        }
    }
    // Anchors of the CRL issuer's name that chain to the anchor its signer does (a re-keyed
    // CA's old certificate, anchored beside its root): the CRL applies under them too.
    for (std::size_t i = 0; i < snapshot->m_crls.size(); ++i) {
        const CompiledCrl& crl = snapshot->m_crls[i];
        if (crl.revoked.empty()) {
            continue;
        }
        for (const CompiledAnchor* anchor : snapshot->anchorsNamed(crl.row.issuerDn)) {
            const std::vector<crypto::Sha256>& above = snapshot->anchorsFrom(*anchor);
            if (std::any_of(above.begin(), above.end(), [&](const crypto::Sha256& a) {
                    return std::find(crl.anchors.begin(), crl.anchors.end(), a) !=
                           crl.anchors.end();
                })) {
                snapshot->m_crlUnderAnchor.emplace(anchor->cert.certSha256, i);
            }
        }
    }
    // Anchors a CRL revokes themselves (an intermediate anchored beside, or instead of, its
    // issuer): the daemon refuses every chain through them.
    for (const CompiledAnchor& anchor : snapshot->m_anchors) {
        for (const RevocationMatch& match :
             snapshot->revocationsOf(anchor.cert, snapshot->anchorsFrom(anchor))) {
            snapshot->m_crlUnderAnchor.emplace(
                anchor.cert.certSha256,
                static_cast<std::size_t>(match.crl - snapshot->m_crls.data()));
        }
    }
    return std::shared_ptr<const PolicySnapshot>(std::move(snapshot));
}

gnutls_x509_trust_list_t PolicySnapshot::trustListOf(const crypto::Certificate& anchor) const {
    auto found = m_anchorTrustLists.find(anchor.certSha256);
    return found == m_anchorTrustLists.end() ? nullptr : found->second.get();
}

std::vector<const CompiledAnchor*> PolicySnapshot::anchorsFor(
    const crypto::Sha256& certSha256) const {
    std::vector<const CompiledAnchor*> found;
    auto [begin, end] = m_anchorIndex.equal_range(certSha256);
    for (auto it = begin; it != end; ++it) {
        found.push_back(&m_anchors[it->second]);
    }
    return found;
}

std::optional<DistrustMatch> PolicySnapshot::distrustOfCertificate(
    const crypto::Certificate& cert) const {
    if (auto found = m_distrustedCerts.find(cert.certSha256); found != m_distrustedCerts.end()) {
        return found->second;
    }
    if (m_distrustedKeys.empty()) {
        return std::nullopt;  // spare hashing the key when nothing could match
    }
    return distrustOfKey(cert.spkiSha256());
}

std::vector<const CompiledAnchor*> PolicySnapshot::issuersOf(
    const crypto::Certificate& cert) const {
    std::vector<const CompiledAnchor*> found;
    gnutls_datum_t issuer{nullptr, 0};
    if (gnutls_x509_crt_get_raw_issuer_dn(cert.crt.get(), &issuer) < 0) {
        return found;
    }
    std::string key(reinterpret_cast<const char*>(issuer.data), issuer.size);
    gnutls_free(issuer.data);
    auto [begin, end] = m_subjectIndex.equal_range(key);
    for (auto it = begin; it != end; ++it) {
        const CompiledAnchor& anchor = m_anchors[it->second];
        // Same name is not enough (re-keyed or cross-signed CAs): the key ids must agree too.
        if (gnutls_x509_crt_check_issuer(cert.crt.get(), anchor.cert.crt.get())) {
            found.push_back(&anchor);
        }
    }
    return found;
}

const std::vector<crypto::Sha256>& PolicySnapshot::anchorsFrom(const CompiledAnchor& anchor) const {
    static const std::vector<crypto::Sha256> kNone;
    auto found = m_anchorsAbove.find(anchor.cert.certSha256);
    return found == m_anchorsAbove.end() ? kNone : found->second;
}

std::vector<crypto::Sha256> PolicySnapshot::walkAnchorsFrom(const CompiledAnchor& anchor) const {
    // A few levels are plenty: anchors anchored beside the anchors that issued them.
    constexpr int kMaxLevels = 4;
    std::vector<crypto::Sha256> found{anchor.cert.certSha256};
    std::vector<const CompiledAnchor*> level{&anchor};
    for (int depth = 0; depth < kMaxLevels && !level.empty(); ++depth) {
        std::vector<const CompiledAnchor*> next;
        for (const CompiledAnchor* current : level) {
            for (const CompiledAnchor* issuer : issuersOf(current->cert)) {
                if (std::find(found.begin(), found.end(), issuer->cert.certSha256) == found.end()) {
                    found.push_back(issuer->cert.certSha256);
                    next.push_back(issuer);
                }
            }
        }
        level = std::move(next);
    }
    return found;
}

std::vector<const CompiledAnchor*> PolicySnapshot::anchorsNamed(
    std::span<const std::uint8_t> rawDn) const {
    std::vector<const CompiledAnchor*> found;
    auto [begin, end] = m_subjectIndex.equal_range(rawKey(rawDn));
    for (auto it = begin; it != end; ++it) {
        found.push_back(&m_anchors[it->second]);
    }
    return found;
}

std::vector<RevocationMatch> PolicySnapshot::revocationsOf(
    const crypto::Certificate& cert, std::span<const crypto::Sha256> pathAnchors) const {
    std::vector<RevocationMatch> found;
    if (m_crls.empty()) {
        return found;  // spare reading names when nothing could match
    }
    crypto::OwnedDatum issuer;
    if (gnutls_x509_crt_get_raw_issuer_dn(cert.crt.get(), issuer.out()) < 0) {
        return found;
    }
    auto [begin, end] = m_crlIssuerIndex.equal_range(rawKey(issuer.bytes()));
    if (begin == end) {
        return found;
    }
    Bytes serial = serialNumberOf(cert);
    for (auto it = begin; it != end; ++it) {
        const CompiledCrl& crl = m_crls[it->second];
        auto listed = crl.revoked.find(serial);
        if (listed == crl.revoked.end()) {
            continue;
        }
        // Same name is not enough: the CRL's signer issued the certificate, or chains to the
        // anchor the certificate's own path reaches (a re-keyed CA, RFC 5280 6.3.3 (f)).
        bool sameAnchor = std::any_of(crl.anchors.begin(), crl.anchors.end(), [&](const auto& a) {
            return std::find(pathAnchors.begin(), pathAnchors.end(), a) != pathAnchors.end();
        });
        if (sameAnchor || gnutls_x509_crt_check_issuer(cert.crt.get(), crl.issuer.crt.get())) {
            found.push_back({&crl, serial, listed->second});
        }
    }
    return found;
}

const CompiledCrl* PolicySnapshot::revocationListUnder(const CompiledAnchor& anchor) const {
    auto found = m_crlUnderAnchor.find(anchor.cert.certSha256);
    return found == m_crlUnderAnchor.end() ? nullptr : &m_crls[found->second];
}

std::optional<DistrustMatch> PolicySnapshot::distrustUnder(const CompiledAnchor& anchor) const {
    auto found = m_distrustUnderAnchor.find(anchor.cert.certSha256);
    if (found == m_distrustUnderAnchor.end()) {
        return std::nullopt;
    }
    return found->second;
}

std::optional<std::string> distrustIdUnder(const PolicySnapshot& snapshot,
                                           const CompiledAnchor& anchor) {
    if (auto match = snapshot.distrustUnder(anchor)) {
        return match->id;
    }
    return std::nullopt;
}

std::optional<DistrustMatch> PolicySnapshot::distrustOfKey(const crypto::Sha256& spkiSha256) const {
    if (auto found = m_distrustedKeys.find(spkiSha256); found != m_distrustedKeys.end()) {
        return found->second;
    }
    return std::nullopt;
}

std::optional<DistrustMatch> PolicySnapshot::distrustOfPin(
    const crypto::Sha256& spkiSha256, KeyFormat format,
    std::span<const std::uint8_t> keyData) const {
    if (auto match = distrustOfKey(spkiSha256)) {
        return match;
    }
    if (format != KeyFormat::X509Chain || m_distrustedCerts.empty()) {
        return std::nullopt;
    }
    auto cert = crypto::parseCertificate(keyData);
    if (!cert) {
        return std::nullopt;  // a stored pin is parsed when it is added; its key still counts
    }
    return distrustOfCertificate(*cert);
}

std::optional<std::string> revocationListIdUnder(const PolicySnapshot& snapshot,
                                                 const CompiledAnchor& anchor) {
    if (const CompiledCrl* crl = snapshot.revocationListUnder(anchor)) {
        return crl->row.id;
    }
    return std::nullopt;
}

}  // namespace peertrust::policy
