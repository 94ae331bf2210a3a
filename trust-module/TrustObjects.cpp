#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include <algorithm>
#include <optional>

#include "StapledExtension.h"
#include "TrustObject.h"
#include "VendorDefinitions.h"
#include "crypto/Certificate.h"
#include "crypto/GnutlsHandles.h"
#include "pkcs11/CertificateFacts.h"
#include "policy/PeerName.h"
#include "policy/ProtocolRegistry.h"

namespace peertrust::trustmodule {

namespace {

Bytes digest(gnutls_digest_algorithm_t algorithm, std::span<const std::uint8_t> data) {
    Bytes out(gnutls_hash_get_len(algorithm));
    if (gnutls_hash_fast(algorithm, data.data(), data.size(), out.data()) < 0) {
        return {};
    }
    return out;
}

void commonAttributes(pkcs11::AttributeSet& a, CK_OBJECT_CLASS objectClass,
                      std::string_view label) {
    a.setUlong(CKA_CLASS, objectClass);
    a.setBool(CKA_TOKEN, true);
    a.setBool(CKA_PRIVATE, false);
    a.setBool(CKA_MODIFIABLE, false);
    a.setString(CKA_LABEL, label);
}

pkcs11::AttributeSet certificateObject(const pkcs11::CertificateFacts& facts,
                                       std::string_view label, bool trusted, bool distrusted) {
    pkcs11::AttributeSet a;
    commonAttributes(a, CKO_CERTIFICATE, label);
    a.setUlong(CKA_CERTIFICATE_TYPE, CKC_X_509);
    a.setBool(CKA_TRUSTED, trusted);
    a.setBool(CKA_X_DISTRUSTED, distrusted);
    a.setUlong(CKA_CERTIFICATE_CATEGORY, facts.isCa ? 2 : 0);  // 2: authority, 0: unknown
    Bytes sha1 = digest(GNUTLS_DIG_SHA1, facts.der);
    a.setBytes(CKA_CHECK_VALUE, std::span(sha1).first(std::min<std::size_t>(3, sha1.size())));
    a.setBytes(CKA_VALUE, facts.der);
    a.setBytes(CKA_SUBJECT, facts.subject);
    a.setBytes(CKA_ISSUER, facts.issuer);
    a.setBytes(CKA_SERIAL_NUMBER, facts.serialDer);
    a.setBytes(CKA_ID, facts.keyId);
    a.setBytes(CKA_PUBLIC_KEY_INFO, facts.spkiDer);
    a.setBytes(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, facts.keyId);
    a.setString(CKA_URL, "");
    a.setUlong(CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
    return a;
}

// NSS's view: one trust value per purpose; anything not an anchor for a purpose must be
// verified through a chain, and a distrusted certificate is trusted for nothing.
pkcs11::AttributeSet nssTrustObject(const pkcs11::CertificateFacts& facts, std::string_view label,
                                    const ClientExport& nss, bool distrusted) {
    pkcs11::AttributeSet a;
    commonAttributes(a, CKO_NSS_TRUST, label);
    a.setBytes(CKA_CERT_SHA1_HASH, digest(GNUTLS_DIG_SHA1, facts.der));
    a.setBytes(CKA_CERT_MD5_HASH, digest(GNUTLS_DIG_MD5, facts.der));
    a.setBytes(CKA_ISSUER, facts.issuer);
    a.setBytes(CKA_SERIAL_NUMBER, facts.serialDer);
    const std::pair<CK_ATTRIBUTE_TYPE, const char*> purposes[] = {
        {CKA_TRUST_SERVER_AUTH, policy::kPurposeServerAuth},
        {CKA_TRUST_CLIENT_AUTH, policy::kPurposeClientAuth},
        {CKA_TRUST_EMAIL_PROTECTION, policy::kPurposeEmailProtection},
        {CKA_TRUST_CODE_SIGNING, policy::kPurposeCodeSigning},
    };
    for (const auto& [attribute, oid] : purposes) {
        CK_ULONG value = CKT_NSS_MUST_VERIFY_TRUST;
        if (distrusted) {
            value = CKT_NSS_NOT_TRUSTED;
        } else if (nss.level == ExportLevel::Anchor &&
                   std::find(nss.purposes.begin(), nss.purposes.end(), oid) != nss.purposes.end()) {
            value = CKT_NSS_TRUSTED_DELEGATOR;
        }
        a.setUlong(attribute, value);
    }
    a.setBool(CKA_TRUST_STEP_UP_APPROVED, false);
    return a;
}

pkcs11::AttributeSet extensionObject(const pkcs11::CertificateFacts& facts, std::string_view label,
                                     const StapledExtension& extension) {
    pkcs11::AttributeSet a;
    commonAttributes(a, CKO_X_CERTIFICATE_EXTENSION, label);
    a.setBytes(CKA_PUBLIC_KEY_INFO, facts.spkiDer);
    a.setBytes(CKA_OBJECT_ID, extension.oidDer);
    a.setBytes(CKA_VALUE, extension.extensionDer);
    a.setBool(kAttrCritical, extension.critical);
    return a;
}

pkcs11::AttributeSet assertionObject(CK_ULONG type, std::string_view label,
                                     std::string_view purpose) {
    pkcs11::AttributeSet a;
    commonAttributes(a, kClassTrustAssertion, label);
    a.setUlong(kAttrAssertionType, type);
    a.setString(kAttrPurpose, purpose);
    return a;
}

std::string layerName(StoreLayer layer) {
    return std::string(toString(layer));
}

Result<void> addAnchor(const policy::ExportedAnchor& anchor, std::vector<TrustObject>& out) {
    const ClientExport& gnutls = anchor.exports.gnutls;
    const ClientExport& nss = anchor.exports.nss;
    if (gnutls.level == ExportLevel::None && nss.level == ExportLevel::None) {
        return {};  // e.g. a not-after override or a protocol scope no client can enforce
    }
    PEERTRUST_TRY_ASSIGN(pkcs11::CertificateFacts facts, pkcs11::factsOf(anchor.certDer));
    const std::string base = layerName(anchor.layer) + "/anchor/" + anchor.id + "/";
    bool gnutlsAnchor = gnutls.level == ExportLevel::Anchor ||
                        gnutls.level == ExportLevel::AnchorWithNameConstraints;
    std::vector<TrustObject> objects;
    objects.push_back({base + "certificate",
                       anchor.layer,
                       certificateObject(facts, anchor.label, gnutlsAnchor, false),
                       {}});
    objects.push_back(
        {base + "nss-trust", anchor.layer, nssTrustObject(facts, anchor.label, nss, false), {}});
    if (gnutlsAnchor) {
        // The purposes GnuTLS may trust it for, and (name-scoped) the names.
        PEERTRUST_TRY_ASSIGN(StapledExtension eku, extendedKeyUsage(gnutls.purposes));
        objects.push_back(
            {base + "extension/eku", anchor.layer, extensionObject(facts, anchor.label, eku), {}});
        if (gnutls.level == ExportLevel::AnchorWithNameConstraints) {
            PEERTRUST_TRY_ASSIGN(StapledExtension nc, nameConstraints(anchor.scope));
            objects.push_back({base + "extension/name-constraints",
                               anchor.layer,
                               extensionObject(facts, anchor.label, nc),
                               {}});
        }
    }
    // gcr's callers check names themselves and see no stapled extensions: they get what NSS
    // gets, an anchor only where no name scope needs enforcing. And gcr checks no certificate
    // of a chain against distrust objects: an anchor that issued a distrusted certificate is
    // not its anchor (as it is no PEM file's).
    if (nss.level == ExportLevel::Anchor && !anchor.distrustBelowId) {
        for (const auto& purpose : nss.purposes) {
            pkcs11::AttributeSet a = assertionObject(kAssertionAnchored, anchor.label, purpose);
            a.setBytes(kAttrCertificateValue, facts.der);
            objects.push_back({base + "anchored/" + purpose, anchor.layer, std::move(a), {}});
        }
    }
    out.insert(out.end(), std::make_move_iterator(objects.begin()),
               std::make_move_iterator(objects.end()));
    return {};
}

// Distrust goes into both tokens, whichever layer holds it: GnuTLS looks for it only in the
// token its trust URL names, and an administrator's distrust must hold under the user's
// anchors, as a user's must under the system's (this module is one user's view).
Result<void> addDistrust(const policy::ExportedDistrust& entry, std::vector<TrustObject>& out) {
    std::vector<TrustObject> objects;
    std::optional<pkcs11::CertificateFacts> facts;
    if (entry.certDer) {
        PEERTRUST_TRY_ASSIGN(facts, pkcs11::factsOf(*entry.certDer));
    }
    for (StoreLayer token : {StoreLayer::System, StoreLayer::User}) {
        const std::string base =
            layerName(token) + "/distrust/" + layerName(entry.layer) + "/" + entry.id + "/";
        if (facts) {
            objects.push_back({base + "certificate",
                               token,
                               certificateObject(*facts, entry.label, false, true),
                               {}});
            objects.push_back(
                {base + "nss-trust", token, nssTrustObject(*facts, entry.label, {}, true), {}});
            continue;
        }
        // A bare key: p11-kit's form for a distrusted public key.
        pkcs11::AttributeSet a;
        commonAttributes(a, CKO_PUBLIC_KEY, entry.label);
        a.setBool(CKA_X_DISTRUSTED, true);
        a.setBytes(CKA_PUBLIC_KEY_INFO, entry.spkiDer);
        objects.push_back({base + "public-key", token, std::move(a), {}});
    }
    out.insert(out.end(), std::make_move_iterator(objects.begin()),
               std::make_move_iterator(objects.end()));
    return {};
}

void addPin(const policy::ExportedPin& pin, std::vector<TrustObject>& out) {
    // Only a pin for a whole family reaches gcr: its callers cannot tell one protocol of a
    // family from another, so a pin for https alone would trust the key for imaps too.
    if (pin.protocol != pin.family || pin.purposeOid.empty() ||
        (pin.keyFormat != KeyFormat::X509Chain && pin.keyFormat != KeyFormat::Spki)) {
        return;
    }
    pkcs11::AttributeSet a =
        assertionObject(kAssertionPinned, "pin for " + pin.peer, pin.purposeOid);
    a.setString(kAttrPeer, pin.peer);
    if (pin.keyFormat == KeyFormat::X509Chain) {
        a.setBytes(kAttrCertificateValue, pin.keyData);  // the leaf, as stored
    }
    out.push_back({layerName(pin.layer) + "/pin/" + pin.id, pin.layer, std::move(a),
                   PinAssertion{pin.id, pin.spkiSha256, pin.peer, pin.family}});
}

std::optional<std::string> canonicalPeer(std::span<const std::uint8_t> value) {
    auto peer = policy::parsePeerName(
        std::string_view(reinterpret_cast<const char*>(value.data()), value.size()), {});
    if (!peer) {
        return std::nullopt;
    }
    return peer->canonical();
}

bool pinMatches(const PinAssertion& pin, const CK_ATTRIBUTE& attribute) {
    std::span<const std::uint8_t> value(static_cast<const std::uint8_t*>(attribute.pValue),
                                        attribute.ulValueLen);
    if (attribute.type == kAttrCertificateValue) {
        auto cert = crypto::parseCertificate(value);
        return cert && cert->spkiSha256() == pin.spkiSha256;
    }
    auto peer = canonicalPeer(value);
    return peer && *peer == pin.peer;
}

}  // namespace

TrustObjects buildTrustObjects(const policy::TrustExport& trust) {
    TrustObjects result;
    for (const auto& anchor : trust.anchors) {
        if (!addAnchor(anchor, result.objects)) {
            ++result.skipped;
        }
    }
    for (const auto& entry : trust.distrust) {
        if (!addDistrust(entry, result.objects)) {
            ++result.skipped;
        }
    }
    for (const auto& pin : trust.pins) {
        addPin(pin, result.objects);
    }
    return result;
}

bool matchesTemplate(const TrustObject& object, const CK_ATTRIBUTE* attributes, CK_ULONG count) {
    for (CK_ULONG i = 0; i < count; ++i) {
        const CK_ATTRIBUTE& attribute = attributes[i];
        if (attribute.pValue == nullptr && attribute.ulValueLen != 0) {
            return false;
        }
        if (object.pin &&
            (attribute.type == kAttrCertificateValue || attribute.type == kAttrPeer)) {
            if (!pinMatches(*object.pin, attribute)) {
                return false;
            }
            continue;
        }
        std::span<const std::uint8_t> value(static_cast<const std::uint8_t*>(attribute.pValue),
                                            attribute.ulValueLen);
        if (!object.attributes.holds(attribute.type, value)) {
            return false;
        }
    }
    return true;
}

std::string familyForPurpose(std::string_view purposeOid) {
    static const policy::ProtocolRegistry registry;
    for (const ProtocolInfo& info : registry.list()) {
        if (info.name == info.family && info.purposeOid == purposeOid) {
            return info.family;
        }
    }
    return {};
}

}  // namespace peertrust::trustmodule
