// The CRL half of PolicyEngine's management: a CRL is stored only once its signer is known to
// chain to an anchor, so that nobody can revoke in an anchor's name without its key.
#include "policy/PolicyEngine.h"
#include "policy/RevocationList.h"
#include "policy/StableIds.h"
#include "store/CrlStore.h"

namespace peertrust::policy {

namespace {

Result<crypto::Certificate> copyOf(const crypto::Certificate& cert) {
    return crypto::parseCertificate(cert.der);
}

std::string anchorText(const CompiledAnchor& anchor) {
    return "the anchor \"" + anchor.row.label + "\" (id " + anchor.row.id + ")";
}

// The certificate given as the CRL's signer must itself be an anchor or be issued by one.
Result<void> checkIssuedByAnchor(const PolicySnapshot& snapshot, const crypto::Certificate& cert) {
    if (!snapshot.anchorsFor(cert.certSha256).empty()) {
        return {};
    }
    gnutls_x509_crt_t crt = cert.crt.get();
    unsigned status = 0;
    // Time is not checked: a CA certificate that has since expired still revoked what it did.
    int rc = gnutls_x509_trust_list_verify_crt2(
        snapshot.trustList(), &crt, 1, nullptr, 0,
        GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS, &status,
        nullptr);
    if (rc < 0) {
        return crypto::gnutlsError(ErrorCategory::InvalidInput,
                                   "cannot check the issuer certificate against the anchors", rc);
    }
    if (status != 0) {
        crypto::OwnedDatum text;
        gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, text.out(), 0);
        return invalidInput("the issuer certificate \"" + cert.subject() +
                            "\" is neither an anchor nor issued by one (GnuTLS: " + text.str() +
                            "), so its CRL cannot be trusted");
    }
    return {};
}

Result<crypto::Certificate> crlSigner(const PolicySnapshot& snapshot, const RevocationList& list,
                                      const Bytes& issuerCertificate) {
    if (!issuerCertificate.empty()) {
        auto parsed = crypto::parseCertificate(issuerCertificate);
        if (!parsed) {
            return parsed.error().withContext("the issuer certificate");
        }
        crypto::Certificate cert = std::move(parsed).value();
        PEERTRUST_TRY(checkIssuedByAnchor(snapshot, cert));
        if (auto problem = crlSignatureProblem(list, cert)) {
            return invalidInput("the CRL of \"" + list.issuer +
                                "\" is not signed by the given issuer certificate \"" +
                                cert.subject() + "\": " + *problem);
        }
        return cert;
    }
    std::vector<const CompiledAnchor*> named = snapshot.anchorsNamed(list.issuerDn);
    if (named.empty()) {
        return invalidInput("no anchor is the CRL's issuer \"" + list.issuer +
                            "\": give the certificate that signed it (--issuer CERT), which an "
                            "anchor must have issued, or add its issuer as an anchor first");
    }
    std::string problems;
    for (const CompiledAnchor* anchor : named) {
        auto problem = crlSignatureProblem(list, anchor->cert);
        if (!problem) {
            return copyOf(anchor->cert);
        }
        problems += (problems.empty() ? "" : "; ") + anchorText(*anchor) + ": " + *problem;
    }
    return invalidInput("the CRL names \"" + list.issuer +
                        "\" as its issuer, but no anchor of that name can be its signer (" +
                        problems + ")");
}

}  // namespace

Result<AddOutcome> PolicyEngine::addCrl(const CrlAddRequest& request) {
    PEERTRUST_TRY_ASSIGN(RevocationList list, parseRevocationList(request.crl));
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    PEERTRUST_TRY_ASSIGN(crypto::Certificate signer,
                         crlSigner(*current, list, request.issuerCertificate));
    store::CrlRow row;
    row.id = crlIdFor(list.der);
    row.der = list.der;
    row.issuerDn = list.issuerDn;
    row.issuerCertDer = signer.der;
    row.issuerSpkiSha256 = signer.spkiSha256();
    row.thisUpdate = list.thisUpdate;
    row.nextUpdate = list.nextUpdate;
    row.crlNumber = list.number;
    row.entries = static_cast<std::int64_t>(list.revoked.size());
    row.created = m_clock();

    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(store::Layer * layer, writableLayerLocked());
    store::CrlStore crls(*layer->writer);
    PEERTRUST_TRY_ASSIGN(
        store::CrlPut put, crls.put(row, [&](const store::CrlRow& stored) -> Result<void> {
            auto storedList = parseRevocationList(stored.der);
            if (!storedList) {
                return {};  // damaged (the snapshot skips it too): this CRL takes its place
            }
            if (auto problem = crlScopeProblem(*storedList, list)) {
                return invalidInput("cannot replace the CRL " + stored.id + ": " + *problem);
            }
            return {};
        }));
    if (put.outcome.created) {
        policyChanged();
    }
    AddOutcome outcome = put.outcome;
    outcome.replacedId = put.replacedId.value_or("");
    return outcome;
}

Result<void> PolicyEngine::removeCrl(const std::string& id) {
    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(ResolvedId resolved, resolveItemLocked(ItemKind::Crl, id));
    store::CrlStore crls(*resolved.layer->writer);
    PEERTRUST_TRY(crls.remove(resolved.id));
    policyChanged();
    return {};
}

Result<std::vector<CrlInfo>> PolicyEngine::listCrls() {
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    const UnixTime now = m_clock();
    std::vector<CrlInfo> out;
    for (const CompiledCrl& crl : current->crls()) {
        CrlInfo info;
        info.id = crl.row.id;
        info.issuer = crl.issuer.subject();
        info.signerId = anchorIdFor(crl.issuer.der);
        info.layer = crl.layer;
        info.thisUpdate = crl.row.thisUpdate;
        info.nextUpdate = crl.row.nextUpdate;
        info.crlNumber = crl.row.crlNumber.value_or("");
        info.entries = static_cast<std::uint64_t>(crl.row.entries);
        info.stale = isStaleCrl(crl.row.nextUpdate, now);
        info.created = crl.row.created;
        out.push_back(std::move(info));
    }
    return out;
}

}  // namespace peertrust::policy
