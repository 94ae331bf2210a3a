#include "crypto/GnutlsHandles.h"

namespace peertrust::crypto {

Error gnutlsError(ErrorCategory category, std::string_view operation, int code) {
    return Error(category, std::string(operation) + ": " + gnutls_strerror(code));
}

Result<UniqueCrt> makeCrt() {
    gnutls_x509_crt_t raw = nullptr;
    int rc = gnutls_x509_crt_init(&raw);
    if (rc < 0) {
        return gnutlsError(ErrorCategory::Internal, "gnutls_x509_crt_init", rc);
    }
    return UniqueCrt(raw);
}

Result<UniquePubkey> makePubkey() {
    gnutls_pubkey_t raw = nullptr;
    int rc = gnutls_pubkey_init(&raw);
    if (rc < 0) {
        return gnutlsError(ErrorCategory::Internal, "gnutls_pubkey_init", rc);
    }
    return UniquePubkey(raw);
}

Result<UniqueTrustList> makeTrustList(unsigned size) {
    gnutls_x509_trust_list_t raw = nullptr;
    int rc = gnutls_x509_trust_list_init(&raw, size);
    if (rc < 0) {
        return gnutlsError(ErrorCategory::Internal, "gnutls_x509_trust_list_init", rc);
    }
    return UniqueTrustList(raw);
}

Result<UniqueNameConstraints> makeNameConstraints() {
    gnutls_x509_name_constraints_t raw = nullptr;
    int rc = gnutls_x509_name_constraints_init(&raw);
    if (rc < 0) {
        return gnutlsError(ErrorCategory::Internal, "gnutls_x509_name_constraints_init", rc);
    }
    return UniqueNameConstraints(raw);
}

Result<UniqueOcspResp> makeOcspResp() {
    gnutls_ocsp_resp_t raw = nullptr;
    int rc = gnutls_ocsp_resp_init(&raw);
    if (rc < 0) {
        return gnutlsError(ErrorCategory::Internal, "gnutls_ocsp_resp_init", rc);
    }
    return UniqueOcspResp(raw);
}

Result<UniqueCrl> makeCrl() {
    gnutls_x509_crl_t raw = nullptr;
    int rc = gnutls_x509_crl_init(&raw);
    if (rc < 0) {
        return gnutlsError(ErrorCategory::Internal, "gnutls_x509_crl_init", rc);
    }
    return UniqueCrl(raw);
}

}  // namespace peertrust::crypto
