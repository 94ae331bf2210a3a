#include "support/CrlFactory.h"

#include <arpa/inet.h>

#include <stdexcept>

#include "crypto/GnutlsHandles.h"

namespace peertrust::testing {

namespace {

void check(int rc, const char* what) {
    if (rc < 0) {
        throw std::runtime_error(std::string("CRL ") + what + ": " + gnutls_strerror(rc));
    }
}

crypto::UniqueCrt parsed(const Bytes& der) {
    auto crt = crypto::makeCrt();
    if (!crt) {
        throw std::runtime_error(crt.error().message());
    }
    gnutls_datum_t datum = crypto::datumOf(der);
    check(gnutls_x509_crt_import(crt->get(), &datum, GNUTLS_X509_FMT_DER), "import certificate");
    return std::move(crt).value();
}

crypto::UniqueCrl signedCrl(const Issued& issuer, const CrlSpec& spec) {
    auto made = crypto::makeCrl();
    if (!made) {
        throw std::runtime_error(made.error().message());
    }
    crypto::UniqueCrl crl = std::move(made).value();
    check(gnutls_x509_crl_set_version(crl.get(), 2), "set_version");
    check(gnutls_x509_crl_set_this_update(crl.get(), spec.thisUpdate), "this_update");
    if (spec.nextUpdate) {
        check(gnutls_x509_crl_set_next_update(crl.get(), *spec.nextUpdate), "next_update");
    }
    for (const auto& [cert, at] : spec.revoked) {
        crypto::UniqueCrt crt = parsed(cert->der);
        check(gnutls_x509_crl_set_crt(crl.get(), crt.get(), at), "set_crt");
    }
    crypto::UniqueCrt issuerCrt = parsed(issuer.der);
    unsigned char keyId[64];
    size_t keyIdSize = sizeof keyId;
    if (gnutls_x509_crt_get_subject_key_id(issuerCrt.get(), keyId, &keyIdSize, nullptr) >= 0) {
        check(gnutls_x509_crl_set_authority_key_id(crl.get(), keyId, keyIdSize), "aki");
    }
    if (spec.number) {
        unsigned number = htonl(*spec.number);
        check(gnutls_x509_crl_set_number(crl.get(), &number, sizeof number), "number");
    }
    check(gnutls_x509_crl_sign2(crl.get(), issuerCrt.get(), issuer.key.get(), GNUTLS_DIG_SHA256, 0),
          "sign");
    return crl;
}

}  // namespace

Bytes makeCrl(const Issued& issuer, const CrlSpec& spec) {
    crypto::UniqueCrl crl = signedCrl(issuer, spec);
    crypto::OwnedDatum der;
    check(gnutls_x509_crl_export2(crl.get(), GNUTLS_X509_FMT_DER, der.out()), "export der");
    return Bytes(der.bytes().begin(), der.bytes().end());
}

std::string makeCrlPem(const Issued& issuer, const CrlSpec& spec) {
    crypto::UniqueCrl crl = signedCrl(issuer, spec);
    crypto::OwnedDatum pem;
    check(gnutls_x509_crl_export2(crl.get(), GNUTLS_X509_FMT_PEM, pem.out()), "export pem");
    return pem.str();
}

}  // namespace peertrust::testing
