#include "policy/ChainPath.h"

#include <algorithm>
#include <array>

#include "peertrust/Types.h"

namespace peertrust::policy {

namespace {

// True when a CA certificate on the path carries NameConstraints that the leaf violates.
bool violatesChainNameConstraints(const std::vector<crypto::Certificate>& chain,
                                  const PolicySnapshot& snapshot) {
    ChainPath path = buildChainPath(snapshot, chain);
    std::vector<gnutls_x509_crt_t> issuers;
    for (std::size_t i = 1; i < path.presented.size(); ++i) {
        issuers.push_back(path.presented[i]->crt.get());
    }
    if (path.anchorCert() != nullptr && path.anchorCert() != path.presented.front()) {
        issuers.push_back(path.anchorCert()->crt.get());
    }
    gnutls_x509_crt_t leaf = chain.front().crt.get();
    for (gnutls_x509_crt_t issuer : issuers) {
        auto nc = crypto::makeNameConstraints();
        if (!nc) {
            continue;
        }
        unsigned critical = 0;
        if (gnutls_x509_crt_get_name_constraints(issuer, nc->get(), 0, &critical) < 0) {
            continue;
        }
        for (auto type : {GNUTLS_SAN_DNSNAME, GNUTLS_SAN_RFC822NAME, GNUTLS_SAN_IPADDRESS}) {
            if (gnutls_x509_name_constraints_check_crt(nc->get(), type, leaf) == 0) {
                return true;
            }
        }
    }
    return false;
}

// The anchor certificate whose key signed `cert`, among anchors that all could have issued
// it by name. Several qualify only when the certificate names no key id (AKI) and anchors share
// a subject (a re-keyed CA): then the signature decides. When none verifies, the first one
// stands, and GnuTLS reports the bad signature against it.
const crypto::Certificate& signerAmong(const crypto::Certificate& cert,
                                       const std::vector<const CompiledAnchor*>& issuers) {
    const crypto::Certificate& first = issuers.front()->cert;
    if (std::all_of(issuers.begin(), issuers.end(), [&](const CompiledAnchor* anchor) {
            return anchor->cert.certSha256 == first.certSha256;
        })) {
        return first;
    }
    for (const CompiledAnchor* anchor : issuers) {
        gnutls_x509_crt_t signer = anchor->cert.crt.get();
        unsigned status = 0;
        if (gnutls_x509_crt_verify(
                cert.crt.get(), &signer, 1,
                GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
                &status) >= 0 &&
            (status & (GNUTLS_CERT_SIGNATURE_FAILURE | GNUTLS_CERT_SIGNER_NOT_FOUND)) == 0) {
            return anchor->cert;
        }
    }
    return first;
}

}  // namespace

const crypto::Certificate* ChainPath::leafIssuer() const {
    if (presented.empty()) {
        return nullptr;
    }
    const crypto::Certificate* leaf = presented.front();
    if (presented.size() > 1) {
        return presented[1];
    }
    if (const crypto::Certificate* anchor = anchorCert();
        anchor != nullptr && anchor->certSha256 != leaf->certSha256) {
        return anchor;
    }
    if (gnutls_x509_crt_check_issuer(leaf->crt.get(), leaf->crt.get())) {
        return leaf;
    }
    return nullptr;
}

ChainPath buildChainPath(const PolicySnapshot& snapshot,
                         const std::vector<crypto::Certificate>& chain) {
    ChainPath path;
    std::vector<bool> used(chain.size(), false);
    const crypto::Certificate* current = &chain.front();
    used[0] = true;
    for (std::size_t depth = 0; depth <= chain.size(); ++depth) {
        if (auto entries = snapshot.anchorsFor(current->certSha256); !entries.empty()) {
            path.anchors = std::move(entries);
            if (path.presented.empty()) {
                path.presented.push_back(current);  // the leaf itself is an anchor
            }
            return path;
        }
        path.presented.push_back(current);
        if (auto issuers = snapshot.issuersOf(*current); !issuers.empty()) {
            // Every entry for that anchor certificate, whichever layer holds it.
            path.anchors = snapshot.anchorsFor(signerAmong(*current, issuers).certSha256);
            return path;
        }
        const crypto::Certificate* next = nullptr;
        for (std::size_t i = 0; i < chain.size(); ++i) {
            if (!used[i] && gnutls_x509_crt_check_issuer(current->crt.get(), chain[i].crt.get())) {
                used[i] = true;
                next = &chain[i];
                break;
            }
        }
        if (next == nullptr) {
            return path;
        }
        current = next;
    }
    return path;
}

std::vector<Failure> checkWithGnutls(const PolicySnapshot& snapshot,
                                     const crypto::Certificate& anchor,
                                     const std::vector<crypto::Certificate>& chain,
                                     const PeerName& peer, const std::string& purposeOid) {
    std::vector<gnutls_x509_crt_t> certs;
    certs.reserve(chain.size());
    for (const auto& cert : chain) {
        certs.push_back(cert.crt.get());
    }
    std::string name = peer.certificateName();
    std::array<gnutls_typed_vdata_st, 2> data{};
    unsigned count = 0;
    data[count++] = {
        peer.kind == PeerName::Kind::Email ? GNUTLS_DT_RFC822NAME : GNUTLS_DT_DNS_HOSTNAME,
        reinterpret_cast<unsigned char*>(name.data()), 0};
    if (!purposeOid.empty()) {
        data[count++] = {GNUTLS_DT_KEY_PURPOSE_OID,
                         reinterpret_cast<unsigned char*>(const_cast<char*>(purposeOid.c_str())),
                         0};
    }
    unsigned status = 0;
    // Only the anchor whose scope is checked may vouch: another anchor GnuTLS could reach
    // (a re-keyed CA of the same name) would lend the chain a scope that was never checked.
    gnutls_x509_trust_list_t anchors = snapshot.trustListOf(anchor);
    if (anchors == nullptr) {
        return {{reason::UntrustedIssuer, "the anchor \"" + anchor.subject() + "\" is gone"}};
    }
    int rc = gnutls_x509_trust_list_verify_crt2(
        anchors, certs.data(), static_cast<unsigned>(certs.size()), data.data(), count,
        GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS, &status,
        nullptr);
    std::vector<Failure> failures;
    if (rc < 0) {
        failures.push_back(
            {reason::UntrustedIssuer,
             std::string("GnuTLS could not verify the chain (") + gnutls_strerror(rc) + ")"});
        return failures;
    }
    if (status == 0) {
        return failures;
    }
    if (status & GNUTLS_CERT_REVOKED) {
        failures.push_back({reason::Revoked, "a certificate in the chain is revoked"});
    }
    if (status & GNUTLS_CERT_SIGNATURE_FAILURE) {
        failures.push_back({reason::BadSignature, "a signature in the chain does not verify"});
    }
    if (status & GNUTLS_CERT_INSECURE_ALGORITHM) {
        failures.push_back({reason::InsecureAlgorithm,
                            "a certificate in the chain is signed with an algorithm that is no "
                            "longer considered secure"});
    }
    if (status & GNUTLS_CERT_SIGNER_NOT_FOUND) {
        failures.push_back({reason::UntrustedIssuer, "GnuTLS found no valid path to the anchor"});
    }
    if (status & GNUTLS_CERT_SIGNER_NOT_CA) {
        failures.push_back({reason::BadIssuer,
                            "a certificate in the chain was issued by a certificate that is "
                            "not a certificate authority"});
    }
    if (status & GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE) {
        // GnuTLS uses one bit for name constraints and for path or key-usage constraints.
        if (violatesChainNameConstraints(chain, snapshot)) {
            failures.push_back({reason::NameConstraint,
                                "the certificate names something its issuer's name "
                                "constraints do not permit"});
        } else if (!(status & GNUTLS_CERT_SIGNER_NOT_CA)) {
            failures.push_back({reason::BadIssuer,
                                "an issuer in the chain exceeds its path length or may not "
                                "sign certificates"});
        }
    }
    if (status & GNUTLS_CERT_PURPOSE_MISMATCH) {
        failures.push_back({reason::BadPurpose,
                            "the certificate is not valid for the key "
                            "purpose " +
                                purposeOid});
    }
    if (status & GNUTLS_CERT_UNEXPECTED_OWNER) {
        failures.push_back({reason::NameMismatch, "the certificate does not name " + name});
    }
    if (failures.empty()) {
        crypto::OwnedDatum text;
        gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, text.out(), 0);
        failures.push_back({reason::UntrustedIssuer, "GnuTLS: " + text.str()});
    }
    return failures;
}

void sortByPrecedence(std::vector<Failure>& failures) {
    static constexpr std::array<std::string_view, 13> order = {
        reason::Distrusted,        reason::Revoked,         reason::BadOcsp,   reason::BadSignature,
        reason::InsecureAlgorithm, reason::UntrustedIssuer, reason::BadIssuer, reason::OutOfScope,
        reason::NameConstraint,    reason::BadPurpose,      reason::Expired,   reason::NotYetValid,
        reason::NameMismatch};
    auto rank = [](std::string_view reasonCode) {
        return std::find(order.begin(), order.end(), reasonCode) - order.begin();
    };
    std::stable_sort(failures.begin(), failures.end(), [&](const Failure& a, const Failure& b) {
        return rank(a.reason) < rank(b.reason);
    });
}

}  // namespace peertrust::policy
