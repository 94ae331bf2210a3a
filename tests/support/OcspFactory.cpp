#include "support/OcspFactory.h"

#include <gnutls/abstract.h>
#include <gnutls/ocsp.h>

#include <ctime>
#include <stdexcept>
#include <string>

#include "crypto/GnutlsHandles.h"

namespace peertrust::testing {

namespace {

void check(int rc, const char* what) {
    if (rc < 0) {
        throw std::runtime_error(std::string(what) + ": " + gnutls_strerror(rc));
    }
}

// DER: tag, definite length, content.
Bytes tlv(std::uint8_t tag, const Bytes& content) {
    Bytes out{tag};
    std::size_t n = content.size();
    if (n < 0x80) {
        out.push_back(static_cast<std::uint8_t>(n));
    } else {
        Bytes length;
        for (; n > 0; n >>= 8) {
            length.insert(length.begin(), static_cast<std::uint8_t>(n & 0xff));
        }
        out.push_back(static_cast<std::uint8_t>(0x80 | length.size()));
        out.insert(out.end(), length.begin(), length.end());
    }
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

Bytes bytesOfDatum(const gnutls_datum_t& d) {
    return Bytes(d.data, d.data + d.size);
}

Bytes generalizedTime(UnixTime t) {
    std::time_t time = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&time, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%d%H%M%SZ", &tm);
    std::string s(text);
    return tlv(0x18, Bytes(s.begin(), s.end()));
}

struct CrtHolder {
    gnutls_x509_crt_t crt = nullptr;
    explicit CrtHolder(const Bytes& der) {
        check(gnutls_x509_crt_init(&crt), "crt_init");
        gnutls_datum_t d{const_cast<unsigned char*>(der.data()), static_cast<unsigned>(der.size())};
        check(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER), "crt_import");
    }
    ~CrtHolder() { gnutls_x509_crt_deinit(crt); }
};

// CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber }. GnuTLS
// computes the hashes when it builds a request; we reuse them.
Bytes certId(const Issued& leaf, const Issued& issuer) {
    CrtHolder leafCrt(leaf.der);
    CrtHolder issuerCrt(issuer.der);
    gnutls_ocsp_req_t req = nullptr;
    check(gnutls_ocsp_req_init(&req), "ocsp_req_init");
    std::unique_ptr<std::remove_pointer_t<gnutls_ocsp_req_t>, void (*)(gnutls_ocsp_req_t)> holder(
        req, gnutls_ocsp_req_deinit);
    check(gnutls_ocsp_req_add_cert(req, GNUTLS_DIG_SHA1, issuerCrt.crt, leafCrt.crt), "add_cert");
    crypto::OwnedDatum nameHash, keyHash, serial;
    check(gnutls_ocsp_req_get_cert_id(req, 0, nullptr, nameHash.out(), keyHash.out(), serial.out()),
          "get_cert");
    auto asBytes = [](const crypto::OwnedDatum& d) {
        return Bytes(d.bytes().begin(), d.bytes().end());
    };
    const Bytes sha1Algorithm = {0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00};
    return tlv(0x30, cat({sha1Algorithm, tlv(0x04, asBytes(nameHash)), tlv(0x04, asBytes(keyHash)),
                          tlv(0x02, asBytes(serial))}));
}

Bytes rawSubject(const Issued& cert) {
    CrtHolder crt(cert.der);
    gnutls_datum_t dn{nullptr, 0};
    check(gnutls_x509_crt_get_raw_dn(crt.crt, &dn), "raw_dn");
    Bytes out = bytesOfDatum(dn);
    gnutls_free(dn.data);
    return out;
}

// Signs with SHA-256; the AlgorithmIdentifier for the key's type.
std::pair<Bytes, Bytes> sign(const Issued& signer, const Bytes& tbs) {
    gnutls_privkey_t key = nullptr;
    check(gnutls_privkey_init(&key), "privkey_init");
    std::unique_ptr<std::remove_pointer_t<gnutls_privkey_t>, void (*)(gnutls_privkey_t)> holder(
        key, gnutls_privkey_deinit);
    check(gnutls_privkey_import_x509(key, signer.key.get(), 0), "privkey_import");
    Bytes algorithm;
    switch (gnutls_privkey_get_pk_algorithm(key, nullptr)) {
        case GNUTLS_PK_ECDSA:  // ecdsa-with-SHA256
            algorithm = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
            break;
        case GNUTLS_PK_RSA:  // sha256WithRSAEncryption
            algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                         0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
            break;
        default:
            throw std::runtime_error("OcspFactory signs with ECDSA or RSA keys only");
    }
    gnutls_datum_t data{const_cast<unsigned char*>(tbs.data()), static_cast<unsigned>(tbs.size())};
    gnutls_datum_t signature{nullptr, 0};
    check(gnutls_privkey_sign_data(key, GNUTLS_DIG_SHA256, 0, &data, &signature), "sign_data");
    Bytes sig = bytesOfDatum(signature);
    gnutls_free(signature.data);
    return {algorithm, sig};
}

}  // namespace

Bytes makeOcspResponse(const Issued& leaf, const Issued& issuer, const OcspSpec& spec) {
    if (spec.responseStatus != 0) {
        // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } (no responseBytes)
        return tlv(0x30, tlv(0x0a, {static_cast<std::uint8_t>(spec.responseStatus)}));
    }
    Bytes status;
    switch (spec.status) {
        case OcspSpec::Status::Good:
            status = {0x80, 0x00};  // good [0] IMPLICIT NULL
            break;
        case OcspSpec::Status::Unknown:
            status = {0x82, 0x00};  // unknown [2] IMPLICIT NULL
            break;
        case OcspSpec::Status::Revoked: {
            // revoked [1] IMPLICIT RevokedInfo { revocationTime, [0] EXPLICIT CRLReason }
            Bytes info = generalizedTime(spec.revokedAt);
            if (spec.revocationReason >= 0) {
                info =
                    cat({info,
                         tlv(0xa0, tlv(0x0a, {static_cast<std::uint8_t>(spec.revocationReason)}))});
            }
            status = tlv(0xa1, info);
            break;
        }
    }
    Bytes single = cat({certId(leaf, issuer), status, generalizedTime(spec.thisUpdate)});
    if (spec.nextUpdate) {
        single = cat({single, tlv(0xa0, generalizedTime(*spec.nextUpdate))});
    }
    const Issued& signer = spec.responder != nullptr ? *spec.responder : issuer;
    // ResponseData { responderID byName [1] EXPLICIT Name, producedAt, responses }
    Bytes tbs = tlv(0x30, cat({tlv(0xa1, rawSubject(signer)), generalizedTime(spec.thisUpdate),
                               tlv(0x30, tlv(0x30, single))}));
    auto [algorithm, signature] = sign(signer, tbs);
    if (spec.corruptSignature) {
        signature[signature.size() / 2] ^= 0x01;
    }
    Bytes bitString = cat({Bytes{0x00}, signature});  // no unused bits
    Bytes basic = cat({tbs, algorithm, tlv(0x03, bitString)});
    if (spec.responder != nullptr) {
        basic = cat({basic, tlv(0xa0, tlv(0x30, spec.responder->der))});  // certs [0]
    }
    basic = tlv(0x30, basic);
    const Bytes basicOid = {0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01};
    Bytes responseBytes = tlv(0xa0, tlv(0x30, cat({basicOid, tlv(0x04, basic)})));
    return tlv(0x30, cat({tlv(0x0a, {0x00}), responseBytes}));
}

}  // namespace peertrust::testing
