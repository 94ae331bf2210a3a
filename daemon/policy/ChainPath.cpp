#include "policy/ChainPath.h"

#include <algorithm>
#include <array>

#include "peertrust/Types.h"

namespace peertrust::policy {

namespace {

// True when a CA certificate on the path carries NameConstraints that the leaf violates.
bool violatesChainNameConstraints(const ChainPath& path) {
    std::vector<gnutls_x509_crt_t> issuers;
    for (std::size_t i = 1; i < path.presented.size(); ++i) {
        issuers.push_back(path.presented[i]->crt.get());
    }
    if (path.anchorCert() != nullptr && path.anchorCert() != path.presented.front()) {
        issuers.push_back(path.anchorCert()->crt.get());
    }
    gnutls_x509_crt_t leaf = path.presented.front()->crt.get();
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

// The anchor certificates among `issuers` (anchors that all could have issued `cert` by name)
// whose key signed it, each once. Several qualify when the certificate names no key id (AKI)
// and anchors share a subject: a re-keyed CA, or one CA certificate re-issued with the same
// key under another scope. When none verifies, the first stands alone, and GnuTLS reports the
// bad signature against it.
std::vector<const crypto::Certificate*> signersAmong(
    const crypto::Certificate& cert, const std::vector<const CompiledAnchor*>& issuers) {
    std::vector<const crypto::Certificate*> distinct;
    for (const CompiledAnchor* anchor : issuers) {
        if (std::none_of(distinct.begin(), distinct.end(), [&](const crypto::Certificate* c) {
                return c->certSha256 == anchor->cert.certSha256;
            })) {
            distinct.push_back(&anchor->cert);
        }
    }
    if (distinct.size() == 1) {
        return distinct;
    }
    std::vector<const crypto::Certificate*> signers;
    for (const crypto::Certificate* candidate : distinct) {
        gnutls_x509_crt_t signer = candidate->crt.get();
        unsigned status = 0;
        if (gnutls_x509_crt_verify(
                cert.crt.get(), &signer, 1,
                GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
                &status) >= 0 &&
            (status & (GNUTLS_CERT_SIGNATURE_FAILURE | GNUTLS_CERT_SIGNER_NOT_FOUND)) == 0) {
            signers.push_back(candidate);
        }
    }
    if (signers.empty()) {
        signers.push_back(distinct.front());
    }
    return signers;
}

// Paths this many at most, found in this many steps at most: a chain is at most 16
// certificates, but 16 of one subject would otherwise make factorially many orders.
constexpr std::size_t kMaxPaths = 8;
constexpr std::size_t kMaxSteps = 64;

// A depth-first walk over the presented certificates, in the order they were presented, so
// that the first path found is the one GnuTLS's own walk takes.
class PathSearch {
public:
    PathSearch(const PolicySnapshot& snapshot, const std::vector<crypto::Certificate>& chain)
        : m_snapshot(snapshot), m_chain(chain), m_used(chain.size(), false) {}

    std::vector<ChainPath> run() {
        m_used[0] = true;
        extend(&m_chain.front());
        if (m_found.empty()) {
            m_found.push_back(std::move(m_firstDeadEnd));
        }
        return std::move(m_found);
    }

private:
    void extend(const crypto::Certificate* current) {
        if (m_steps >= kMaxSteps || m_found.size() >= kMaxPaths) {
            return;
        }
        ++m_steps;
        if (auto entries = m_snapshot.anchorsFor(current->certSha256); !entries.empty()) {
            ChainPath path;
            // The leaf itself may be the anchor; otherwise the anchor is not "presented".
            path.presented = m_presented.empty() ? std::vector<const crypto::Certificate*>{current}
                                                 : m_presented;
            path.anchors = std::move(entries);
            m_found.push_back(std::move(path));
            return;
        }
        m_presented.push_back(current);
        if (auto issuers = m_snapshot.issuersOf(*current); !issuers.empty()) {
            for (const crypto::Certificate* signer : signersAmong(*current, issuers)) {
                ChainPath path;
                path.presented = m_presented;
                // Every entry for that anchor certificate, whichever layer holds it.
                path.anchors = m_snapshot.anchorsFor(signer->certSha256);
                m_found.push_back(std::move(path));
            }
        } else {
            bool extended = false;
            for (std::size_t i = 0; i < m_chain.size(); ++i) {
                if (!m_used[i] &&
                    gnutls_x509_crt_check_issuer(current->crt.get(), m_chain[i].crt.get())) {
                    extended = true;
                    m_used[i] = true;
                    extend(&m_chain[i]);
                    m_used[i] = false;
                }
            }
            if (!extended && !m_haveDeadEnd) {
                m_firstDeadEnd.presented = m_presented;
                m_haveDeadEnd = true;
            }
        }
        m_presented.pop_back();
    }

    const PolicySnapshot& m_snapshot;
    const std::vector<crypto::Certificate>& m_chain;
    std::vector<bool> m_used;
    std::vector<const crypto::Certificate*> m_presented;
    std::vector<ChainPath> m_found;
    ChainPath m_firstDeadEnd;
    bool m_haveDeadEnd = false;
    std::size_t m_steps = 0;
};

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

std::vector<ChainPath> buildChainPaths(const PolicySnapshot& snapshot,
                                       const std::vector<crypto::Certificate>& chain) {
    if (chain.empty()) {
        return {ChainPath{}};
    }
    return PathSearch(snapshot, chain).run();
}

ChainPath buildChainPath(const PolicySnapshot& snapshot,
                         const std::vector<crypto::Certificate>& chain) {
    return std::move(buildChainPaths(snapshot, chain).front());
}

std::vector<Failure> checkWithGnutls(const PolicySnapshot& snapshot, const ChainPath& path,
                                     const PeerName& peer, const std::string& purposeOid) {
    const crypto::Certificate& anchor = *path.anchorCert();
    // The path's certificates only, in its order: GnuTLS would sort the whole presented chain
    // by names, and could take a certificate of the right name that leads nowhere.
    std::vector<gnutls_x509_crt_t> certs;
    certs.reserve(path.presented.size());
    for (const crypto::Certificate* cert : path.presented) {
        certs.push_back(cert->crt.get());
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
        if (violatesChainNameConstraints(path)) {
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
