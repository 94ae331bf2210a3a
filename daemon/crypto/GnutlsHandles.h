// Owning handles for GnuTLS objects: every gnutls_*_t is held by one of these from the
// moment it is initialised.
#pragma once

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/ocsp.h>
#include <gnutls/x509.h>

#include <memory>
#include <span>
#include <string>
#include <type_traits>

#include "peertrust/Error.h"

namespace peertrust::crypto {

struct CrtDeleter {
    void operator()(gnutls_x509_crt_t crt) const { gnutls_x509_crt_deinit(crt); }
};
struct PubkeyDeleter {
    void operator()(gnutls_pubkey_t key) const { gnutls_pubkey_deinit(key); }
};
struct TrustListDeleter {
    // 1: the list owns the certificates added with gnutls_x509_trust_list_add_cas.
    void operator()(gnutls_x509_trust_list_t list) const { gnutls_x509_trust_list_deinit(list, 1); }
};
struct NameConstraintsDeleter {
    void operator()(gnutls_x509_name_constraints_t nc) const {
        gnutls_x509_name_constraints_deinit(nc);
    }
};
struct OcspRespDeleter {
    void operator()(gnutls_ocsp_resp_t resp) const { gnutls_ocsp_resp_deinit(resp); }
};
struct CrlDeleter {
    void operator()(gnutls_x509_crl_t crl) const { gnutls_x509_crl_deinit(crl); }
};
struct DatumDeleter {
    void operator()(void* data) const { gnutls_free(data); }
};

using UniqueCrt = std::unique_ptr<std::remove_pointer_t<gnutls_x509_crt_t>, CrtDeleter>;
using UniquePubkey = std::unique_ptr<std::remove_pointer_t<gnutls_pubkey_t>, PubkeyDeleter>;
using UniqueTrustList =
    std::unique_ptr<std::remove_pointer_t<gnutls_x509_trust_list_t>, TrustListDeleter>;
using UniqueNameConstraints =
    std::unique_ptr<std::remove_pointer_t<gnutls_x509_name_constraints_t>, NameConstraintsDeleter>;
using UniqueOcspResp = std::unique_ptr<std::remove_pointer_t<gnutls_ocsp_resp_t>, OcspRespDeleter>;
using UniqueCrl = std::unique_ptr<std::remove_pointer_t<gnutls_x509_crl_t>, CrlDeleter>;

// A gnutls_datum_t whose data GnuTLS allocated.
class OwnedDatum {
public:
    OwnedDatum() = default;
    gnutls_datum_t* out() { return &m_datum; }
    ~OwnedDatum() { gnutls_free(m_datum.data); }
    OwnedDatum(const OwnedDatum&) = delete;
    OwnedDatum& operator=(const OwnedDatum&) = delete;

    std::span<const unsigned char> bytes() const { return {m_datum.data, m_datum.size}; }
    std::string str() const {
        return std::string(reinterpret_cast<const char*>(m_datum.data), m_datum.size);
    }

private:
    gnutls_datum_t m_datum{nullptr, 0};
};

Result<UniqueCrt> makeCrt();
Result<UniquePubkey> makePubkey();
// `size`: the hash table's (0: GnuTLS's default, for many certificates).
Result<UniqueTrustList> makeTrustList(unsigned size = 0);
Result<UniqueNameConstraints> makeNameConstraints();
Result<UniqueOcspResp> makeOcspResp();
Result<UniqueCrl> makeCrl();

inline gnutls_datum_t datumOf(std::span<const unsigned char> bytes) {
    return {const_cast<unsigned char*>(bytes.data()), static_cast<unsigned>(bytes.size())};
}

// "operation: GnuTLS's message".
Error gnutlsError(ErrorCategory category, std::string_view operation, int code);

}  // namespace peertrust::crypto
