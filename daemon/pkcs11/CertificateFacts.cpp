#include "pkcs11/CertificateFacts.h"

#include <gnutls/x509.h>

#include "crypto/Certificate.h"
#include "crypto/GnutlsHandles.h"

namespace peertrust::pkcs11 {

Result<CertificateFacts> factsOf(const Bytes& der) {
    PEERTRUST_TRY_ASSIGN(crypto::Certificate cert, crypto::parseCertificate(der));
    CertificateFacts facts;
    facts.der = cert.der;
    gnutls_x509_crt_t crt = cert.crt.get();
    gnutls_datum_t subject{}, issuer{};
    if (gnutls_x509_crt_get_raw_dn(crt, &subject) < 0 ||
        gnutls_x509_crt_get_raw_issuer_dn(crt, &issuer) < 0) {
        gnutls_free(subject.data);
        return invalidInput("the certificate's names cannot be read");
    }
    facts.subject.assign(subject.data, subject.data + subject.size);
    facts.issuer.assign(issuer.data, issuer.data + issuer.size);
    gnutls_free(subject.data);
    gnutls_free(issuer.data);

    std::uint8_t serial[64];
    std::size_t serialSize = sizeof serial;
    if (gnutls_x509_crt_get_serial(crt, serial, &serialSize) < 0 || serialSize == 0) {
        return invalidInput("the certificate's serial number cannot be read");
    }
    Bytes integer(serial, serial + serialSize);
    if (integer.front() & 0x80) {
        integer.insert(integer.begin(), 0x00);  // a DER INTEGER is signed
    }
    facts.serialDer = {0x02, static_cast<std::uint8_t>(integer.size())};
    facts.serialDer.insert(facts.serialDer.end(), integer.begin(), integer.end());

    PEERTRUST_TRY_ASSIGN(crypto::UniquePubkey key, crypto::makePubkey());
    if (int rc = gnutls_pubkey_import_x509(key.get(), crt, 0); rc < 0) {
        return crypto::gnutlsError(ErrorCategory::InvalidInput, "the certificate's key", rc);
    }
    PEERTRUST_TRY_ASSIGN(facts.spkiDer, crypto::exportSpki(key.get()));
    std::uint8_t keyId[20];
    std::size_t keyIdSize = sizeof keyId;
    if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, keyId, &keyIdSize) >= 0) {
        facts.keyId.assign(keyId, keyId + keyIdSize);
    }
    unsigned critical = 0;
    facts.isCa = gnutls_x509_crt_get_ca_status(crt, &critical) > 0;
    return facts;
}

}  // namespace peertrust::pkcs11
