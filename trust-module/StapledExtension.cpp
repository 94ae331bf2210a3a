#include "StapledExtension.h"

#include <gnutls/x509-ext.h>

#include "crypto/GnutlsHandles.h"
#include "policy/AnchorScope.h"

namespace peertrust::trustmodule {

namespace {

// id-ce-extKeyUsage (2.5.29.37) and id-ce-nameConstraints (2.5.29.30), DER-encoded.
const Bytes kEkuOid{0x06, 0x03, 0x55, 0x1d, 0x25};
const Bytes kNameConstraintsOid{0x06, 0x03, 0x55, 0x1d, 0x1e};

void appendLength(Bytes& out, std::size_t length) {
    if (length < 0x80) {
        out.push_back(static_cast<std::uint8_t>(length));
        return;
    }
    Bytes digits;
    for (std::size_t n = length; n > 0; n >>= 8) {
        digits.insert(digits.begin(), static_cast<std::uint8_t>(n & 0xff));
    }
    out.push_back(static_cast<std::uint8_t>(0x80 | digits.size()));
    out.insert(out.end(), digits.begin(), digits.end());
}

Bytes tlv(std::uint8_t tag, std::span<const std::uint8_t> content) {
    Bytes out{tag};
    appendLength(out, content.size());
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
StapledExtension wrap(const Bytes& oid, bool critical, std::span<const std::uint8_t> value) {
    Bytes body = oid;
    if (critical) {
        body.insert(body.end(), {0x01, 0x01, 0xff});
    }
    Bytes octets = tlv(0x04, value);
    body.insert(body.end(), octets.begin(), octets.end());
    return {oid, tlv(0x30, body), critical};
}

}  // namespace

Result<StapledExtension> extendedKeyUsage(const std::vector<std::string>& purposeOids) {
    gnutls_x509_key_purposes_t raw = nullptr;
    if (int rc = gnutls_x509_key_purpose_init(&raw); rc < 0) {
        return crypto::gnutlsError(ErrorCategory::Internal, "key purposes", rc);
    }
    std::unique_ptr<std::remove_pointer_t<gnutls_x509_key_purposes_t>,
                    decltype(&gnutls_x509_key_purpose_deinit)>
        purposes(raw, &gnutls_x509_key_purpose_deinit);
    for (const auto& oid : purposeOids) {
        if (int rc = gnutls_x509_key_purpose_set(purposes.get(), oid.c_str()); rc < 0) {
            return crypto::gnutlsError(ErrorCategory::Internal, "key purpose " + oid, rc);
        }
    }
    crypto::OwnedDatum value;
    if (int rc = gnutls_x509_ext_export_key_purposes(purposes.get(), value.out()); rc < 0) {
        return crypto::gnutlsError(ErrorCategory::Internal, "encoding ExtendedKeyUsage", rc);
    }
    return wrap(kEkuOid, false, value.bytes());
}

Result<StapledExtension> nameConstraints(const AnchorScope& scope) {
    PEERTRUST_TRY_ASSIGN(crypto::UniqueNameConstraints nc, policy::scopeConstraints(scope, true));
    crypto::OwnedDatum value;
    if (int rc = gnutls_x509_ext_export_name_constraints(nc.get(), value.out()); rc < 0) {
        return crypto::gnutlsError(ErrorCategory::Internal, "encoding NameConstraints", rc);
    }
    // RFC 5280: conforming CAs mark NameConstraints critical.
    return wrap(kNameConstraintsOid, true, value.bytes());
}

}  // namespace peertrust::trustmodule
