#include "policy/AnchorExportRules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>

#include "policy/AnchorScope.h"
#include "policy/PeerName.h"

namespace peertrust::policy {

namespace {

ClientExport nothing(std::string why) {
    return {ExportLevel::None, {}, std::move(why)};
}

bool permitsType(const AnchorScope& scope, NameSubtree::Type type) {
    return std::any_of(scope.permitted.begin(), scope.permitted.end(),
                       [&](const NameSubtree& t) { return t.type == type; });
}

AnchorExport computeWithoutDistrustBelow(const AnchorScope& scope, bool distrusted,
                                         const std::optional<std::string>& revocationListId,
                                         const ProtocolRegistry& registry,
                                         const CertificateOwnLimits& own) {
    AnchorExport out;
    if (distrusted) {
        out.gnutls = out.nss = out.pemFile = nothing("distrusted");
        return out;
    }
    if (revocationListId) {
        // Neither a PKCS#11 trust token nor a PEM file can carry a CRL: a client given this
        // anchor would accept the certificates the CRL revokes.
        out.gnutls = out.nss = out.pemFile =
            nothing("the CRL " + *revocationListId +
                    " revokes it or certificates under it, which clients outside the daemon "
                    "cannot check");
        return out;
    }
    if (scope.notAfter) {
        out.gnutls = out.nss = out.pemFile =
            nothing("has a not-after override, which no client can enforce");
        return out;
    }

    // A purpose is exported only when the scope admits every protocol of its family: no
    // client can tell SMTP from HTTPS, so an smtp-only anchor is nobody's serverAuth anchor.
    std::vector<std::string> purposes;
    std::vector<std::string> families;
    for (const ProtocolInfo& info : registry.list()) {
        if (info.name != info.family || info.purposeOid.empty()) {
            continue;
        }
        // The certificate's own EKU limits it too: a stapled EKU would replace it.
        const bool ownPurpose =
            !own.keyPurposes || std::find(own.keyPurposes->begin(), own.keyPurposes->end(),
                                          info.purposeOid) != own.keyPurposes->end();
        if (ownPurpose && (scope.admitsEveryProtocol() ||
                           std::find(scope.protocols.begin(), scope.protocols.end(), info.family) !=
                               scope.protocols.end())) {
            purposes.push_back(info.purposeOid);
            families.push_back(info.family);
        }
    }
    if (purposes.empty() && own.keyPurposes) {
        out.gnutls = out.nss = out.pemFile = nothing(
            "its certificate's own key purposes (EKU) admit no whole family its scope "
            "does");
        return out;
    }
    if (purposes.empty()) {
        out.gnutls = out.nss = out.pemFile = nothing(
            "its protocol scope admits no whole family (tls, tls-client, email, "
            "code-signing), and clients cannot tell one protocol of a family from another");
        return out;
    }

    std::string familyList;
    for (const auto& family : families) {
        familyList += (familyList.empty() ? "" : ", ") + family;
    }
    if (!scope.hasNameScope()) {
        out.gnutls = {ExportLevel::Anchor, purposes, "anchor for " + familyList};
        out.nss = out.gnutls;
        out.pemFile = {ExportLevel::Anchor, purposes,
                       "anchor for " + familyList + " (a PEM file carries no purposes)"};
        return out;
    }

    // A name scope travels only as stapled NameConstraints, which GnuTLS enforces and NSS and
    // PEM readers ignore. Stapling covers host names (DNS, IP); not e-mail or code signing.
    out.nss = {ExportLevel::MustVerify, {}, "name-scoped: NSS ignores stapled NameConstraints"};
    out.pemFile = nothing("name-scoped: a PEM file cannot carry the name scope");
    std::vector<std::string> hostPurposes;
    for (const auto& oid : purposes) {
        if (oid == kPurposeServerAuth || oid == kPurposeClientAuth) {
            hostPurposes.push_back(oid);
        }
    }
    if (own.nameConstraints) {
        out.gnutls = nothing(
            "name-scoped, and its certificate carries NameConstraints of its own, which stapled "
            "ones would replace");
        return out;
    }
    bool expressible = permitsType(scope, NameSubtree::Type::Dns) || scope.permitted.empty();
    if (hostPurposes.empty() || !expressible) {
        out.gnutls = nothing(hostPurposes.empty()
                                 ? "name-scoped, and its purposes have no host names to constrain"
                                 : "name scope permits only IP ranges, which stapled "
                                   "NameConstraints cannot express without also admitting "
                                   "every DNS name");
        return out;
    }
    out.gnutls = {ExportLevel::AnchorWithNameConstraints, hostPurposes,
                  "anchor with stapled NameConstraints (" + formatNameScope(scope) + ")"};
    return out;
}

// GnuTLS trusts a certificate found in the token as itself when a peer presents it, checking
// its own names and EKU only: why that would admit more than the scope, if it would.
std::optional<std::string> trustedAsItselfBeyondScope(const AnchorScope& scope,
                                                      const CertificateOwnLimits& own,
                                                      const std::vector<std::string>& exported) {
    if (scope.hasNameScope()) {
        for (const std::string& name : own.hostNames) {
            auto peer = parsePeerName(name, {});
            if (!peer || !scopeAdmitsName(scope, *peer)) {
                return "its certificate names " + name +
                       ", outside its name scope, and GnuTLS trusts a certificate it finds in the "
                       "token for its own names when a peer presents it";
            }
        }
    }
    // A CA's certificate is presented as itself only by the CA (whose root certificate's CN
    // may well look like a host name); any other by whoever holds it.
    if (own.ca && !own.hostNamesFromSan) {
        return std::nullopt;
    }
    for (const char* purpose : {kPurposeServerAuth, kPurposeClientAuth}) {
        const bool ownPurpose =
            !own.keyPurposes || std::find(own.keyPurposes->begin(), own.keyPurposes->end(),
                                          purpose) != own.keyPurposes->end();
        if (ownPurpose && std::find(exported.begin(), exported.end(), purpose) == exported.end()) {
            return std::string("its certificate may serve as ") +
                   (std::string(purpose) == kPurposeServerAuth ? "a TLS server" : "a TLS client") +
                   ", which its scope does not admit, and GnuTLS trusts a certificate it finds "
                   "in the token for its own purposes when a peer presents it";
        }
    }
    return std::nullopt;
}

}  // namespace

CertificateOwnLimits ownLimitsOf(const crypto::Certificate& cert) {
    CertificateOwnLimits own;
    gnutls_x509_crt_t crt = cert.crt.get();
    std::vector<std::string> purposes;
    bool any = false;
    for (unsigned i = 0;; ++i) {
        char oid[128];
        size_t size = sizeof oid;
        const int rc = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &size, nullptr);
        if (rc < 0) {
            // The end of the list, or no EKU at all; an unreadable one limits to nothing.
            if (rc != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE && i == 0) {
                own.keyPurposes = std::vector<std::string>{};
                return own;
            }
            break;
        }
        const std::string purpose(oid);
        any = any || purpose == "2.5.29.37.0";  // anyExtendedKeyUsage
        purposes.push_back(purpose);
    }
    if (!purposes.empty() && !any) {
        own.keyPurposes = std::move(purposes);
    }
    gnutls_datum_t value{nullptr, 0};
    unsigned critical = 0;
    if (gnutls_x509_crt_get_extension_by_oid2(crt, "2.5.29.30", 0, &value, &critical) >= 0) {
        own.nameConstraints = true;
        gnutls_free(value.data);
    }
    own.ca =
        gnutls_x509_crt_get_ca_status(crt, nullptr) > 0 || gnutls_x509_crt_get_version(crt) == 1;
    for (unsigned i = 0;; ++i) {
        char name[256];
        size_t size = sizeof name;
        const int type = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &size, nullptr);
        if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
            break;
        }
        if (type == GNUTLS_SAN_DNSNAME) {
            own.hostNames.emplace_back(name, size);
        } else if (type == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16)) {
            char text[64];
            if (inet_ntop(size == 4 ? AF_INET : AF_INET6, name, text, sizeof text) != nullptr) {
                own.hostNames.emplace_back(text);
            }
        } else if (type < 0 && type != GNUTLS_E_SHORT_MEMORY_BUFFER) {
            // Unreadable: a name that fits no scope, so a name-scoped anchor is not GnuTLS's.
            own.hostNames.emplace_back("(an unreadable subject alternative name)");
            break;
        }
    }
    own.hostNamesFromSan = !own.hostNames.empty();
    if (own.hostNames.empty()) {
        // GnuTLS matches a host name against the CN when there is no SAN.
        char cn[256];
        size_t size = sizeof cn;
        if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &size) == 0 &&
            parsePeerName(std::string_view(cn, size), {}).ok()) {
            own.hostNames.emplace_back(cn, size);
        }
    }
    return own;
}

AnchorExport computeAnchorExport(const AnchorScope& scope, bool distrusted,
                                 const std::optional<std::string>& revocationListId,
                                 const ProtocolRegistry& registry,
                                 const std::optional<std::string>& distrustBelowId,
                                 const CertificateOwnLimits& own) {
    AnchorExport out =
        computeWithoutDistrustBelow(scope, distrusted, revocationListId, registry, own);
    if (out.gnutls.level != ExportLevel::None) {
        if (auto why = trustedAsItselfBeyondScope(scope, own, out.gnutls.purposes)) {
            out.gnutls = nothing(*why);
        }
    }
    if (distrustBelowId && out.pemFile.level != ExportLevel::None) {
        out.pemFile = nothing("the distrust " + *distrustBelowId +
                              " is of a certificate it issued, which a PEM file cannot say");
    }
    return out;
}

void withdrawSharedKeyStaples(std::vector<TokenAnchor>& anchors) {
    auto staplesAlike = [](const TokenAnchor& a, const TokenAnchor& b) {
        const ClientExport& x = a.exports->gnutls;
        const ClientExport& y = b.exports->gnutls;
        return x.level == y.level && x.purposes == y.purposes &&
               (x.level != ExportLevel::AnchorWithNameConstraints ||
                (a.scope->permitted == b.scope->permitted &&
                 a.scope->excluded == b.scope->excluded));
    };
    // Decided on what each would staple before any is withdrawn: withdrawing one first would
    // hide the conflict from the other.
    std::vector<std::pair<TokenAnchor*, std::string>> withdrawn;
    for (TokenAnchor& anchor : anchors) {
        for (const TokenAnchor& other : anchors) {
            if (&other != &anchor && other.layer == anchor.layer &&
                other.spkiSha256 == anchor.spkiSha256 &&
                other.exports->gnutls.level != ExportLevel::None &&
                anchor.exports->gnutls.level != ExportLevel::None && !staplesAlike(anchor, other)) {
                withdrawn.emplace_back(&anchor, other.id);
                break;
            }
        }
    }
    for (auto& [anchor, otherId] : withdrawn) {
        anchor->exports->gnutls =
            nothing("shares its key with the anchor " + otherId +
                    ", whose stapled extensions GnuTLS would apply to it too");
    }
}

}  // namespace peertrust::policy
