#include "support/CertFactory.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>

#include <cstring>
#include <stdexcept>

#include "crypto/Digest.h"
#include "crypto/GnutlsHandles.h"

namespace peertrust::testing {

namespace {

void check(int rc, const char* what) {
    if (rc < 0) {
        throw std::runtime_error(std::string(what) + ": " + gnutls_strerror(rc));
    }
}

struct CrtHolder {
    gnutls_x509_crt_t crt = nullptr;
    CrtHolder() { check(gnutls_x509_crt_init(&crt), "crt_init"); }
    ~CrtHolder() { gnutls_x509_crt_deinit(crt); }
};

// `ownKey` null: the certificate is for `publicKey`, a key held elsewhere (a token).
Issued build(const CertSpec& spec, gnutls_x509_crt_t issuerCrt, gnutls_x509_privkey_t issuerKey,
             std::shared_ptr<std::remove_pointer_t<gnutls_x509_privkey_t>> ownKey,
             gnutls_pubkey_t publicKey = nullptr) {
    static unsigned serialCounter = 1;
    CrtHolder holder;
    gnutls_x509_crt_t crt = holder.crt;
    check(gnutls_x509_crt_set_version(crt, 3), "set_version");
    unsigned serial = htonl(serialCounter++);
    check(gnutls_x509_crt_set_serial(crt, &serial, sizeof serial), "set_serial");
    check(gnutls_x509_crt_set_activation_time(crt, spec.notBefore), "activation");
    check(gnutls_x509_crt_set_expiration_time(crt, spec.notAfter), "expiration");
    check(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, spec.commonName.data(),
                                        spec.commonName.size()),
          "set_dn");
    check(ownKey ? gnutls_x509_crt_set_key(crt, ownKey.get())
                 : gnutls_x509_crt_set_pubkey(crt, publicKey),
          "set_key");
    check(gnutls_x509_crt_set_basic_constraints(crt, spec.isCa ? 1 : 0, spec.pathLength),
          "basic_constraints");
    check(gnutls_x509_crt_set_key_usage(
              crt, spec.isCa ? (GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN |
                                GNUTLS_KEY_DIGITAL_SIGNATURE)
                             : GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT),
          "key_usage");
    for (const auto& name : spec.dnsNames) {
        check(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name.data(),
                                                   name.size(), GNUTLS_FSAN_APPEND),
              "san dns");
    }
    for (const auto& ip : spec.ipAddresses) {
        unsigned char raw[16];
        int family = ip.find(':') != std::string::npos ? AF_INET6 : AF_INET;
        if (inet_pton(family, ip.c_str(), raw) != 1) {
            throw std::runtime_error("bad ip " + ip);
        }
        check(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, raw,
                                                   family == AF_INET ? 4 : 16, GNUTLS_FSAN_APPEND),
              "san ip");
    }
    for (const auto& email : spec.emails) {
        check(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_RFC822NAME, email.data(),
                                                   email.size(), GNUTLS_FSAN_APPEND),
              "san email");
    }
    for (const auto& oid : spec.purposes) {
        check(gnutls_x509_crt_set_key_purpose_oid(crt, oid.c_str(), 0), "eku");
    }
    if (!spec.permittedDns.empty() || !spec.excludedDns.empty()) {
        gnutls_x509_name_constraints_t nc = nullptr;
        check(gnutls_x509_name_constraints_init(&nc), "nc_init");
        for (const auto& name : spec.permittedDns) {
            gnutls_datum_t d{reinterpret_cast<unsigned char*>(const_cast<char*>(name.data())),
                             static_cast<unsigned>(name.size())};
            gnutls_x509_name_constraints_add_permitted(nc, GNUTLS_SAN_DNSNAME, &d);
        }
        for (const auto& name : spec.excludedDns) {
            gnutls_datum_t d{reinterpret_cast<unsigned char*>(const_cast<char*>(name.data())),
                             static_cast<unsigned>(name.size())};
            gnutls_x509_name_constraints_add_excluded(nc, GNUTLS_SAN_DNSNAME, &d);
        }
        int rc = gnutls_x509_crt_set_name_constraints(crt, nc, 1);
        gnutls_x509_name_constraints_deinit(nc);
        check(rc, "set_name_constraints");
    }
    unsigned char keyId[64];
    size_t keyIdSize = sizeof keyId;
    check(gnutls_x509_crt_get_key_id(crt, 0, keyId, &keyIdSize), "key_id");
    check(gnutls_x509_crt_set_subject_key_id(crt, keyId, keyIdSize), "ski");

    gnutls_x509_crt_t signerCrt = issuerCrt != nullptr ? issuerCrt : crt;
    gnutls_x509_privkey_t signerKey = issuerKey != nullptr ? issuerKey : ownKey.get();
    if (issuerCrt != nullptr && spec.authorityKeyId) {
        unsigned char issuerId[64];
        size_t issuerIdSize = sizeof issuerId;
        if (gnutls_x509_crt_get_subject_key_id(issuerCrt, issuerId, &issuerIdSize, nullptr) >= 0) {
            check(gnutls_x509_crt_set_authority_key_id(crt, issuerId, issuerIdSize), "aki");
        }
    }
    // EdDSA has its digest built in; GnuTLS wants none named for it.
    gnutls_digest_algorithm_t digest =
        gnutls_x509_privkey_get_pk_algorithm(signerKey) == GNUTLS_PK_EDDSA_ED25519
            ? GNUTLS_DIG_UNKNOWN
            : (spec.sha1 ? GNUTLS_DIG_SHA1 : GNUTLS_DIG_SHA256);
    check(gnutls_x509_crt_sign2(crt, signerCrt, signerKey, digest, 0), "sign");

    Issued out;
    crypto::OwnedDatum der;
    check(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, der.out()), "export der");
    out.der.assign(der.bytes().begin(), der.bytes().end());
    crypto::OwnedDatum pem;
    check(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, pem.out()), "export pem");
    out.pem = pem.str();
    out.key = std::move(ownKey);

    gnutls_pubkey_t pub = nullptr;
    check(gnutls_pubkey_init(&pub), "pubkey_init");
    crypto::UniquePubkey owner(pub);
    check(gnutls_pubkey_import_x509(pub, crt, 0), "pubkey_import");
    crypto::OwnedDatum spki;
    check(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, spki.out()), "spki der");
    out.spkiDer.assign(spki.bytes().begin(), spki.bytes().end());
    crypto::OwnedDatum spkiPem;
    check(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_PEM, spkiPem.out()), "spki pem");
    out.spkiDerPem = spkiPem.str();
    return out;
}

}  // namespace

std::string Issued::spkiSha256Hex() const {
    return crypto::toHex(crypto::sha256(spkiDer));
}

CertSpec caSpec(const std::string& commonName) {
    CertSpec spec;
    spec.commonName = commonName;
    spec.isCa = true;
    return spec;
}

CertSpec serverSpec(const std::string& host) {
    CertSpec spec;
    spec.commonName = host;
    spec.dnsNames = {host};
    spec.purposes = {"1.3.6.1.5.5.7.3.1"};  // serverAuth
    return spec;
}

UniquePrivateKey generateKey(KeyType type) {
    gnutls_x509_privkey_t key = nullptr;
    check(gnutls_x509_privkey_init(&key), "privkey_init");
    UniquePrivateKey owned(key);
    switch (type) {
        case KeyType::EcdsaP256:
            check(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                               GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
                  "generate ecdsa");
            break;
        case KeyType::Rsa2048:
            check(gnutls_x509_privkey_generate(key, GNUTLS_PK_RSA, 2048, 0), "generate rsa");
            break;
        case KeyType::Ed25519:
            check(gnutls_x509_privkey_generate(key, GNUTLS_PK_EDDSA_ED25519,
                                               GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 0),
                  "generate ed25519");
            break;
    }
    return owned;
}

Issued selfSigned(const CertSpec& spec) {
    auto key = std::shared_ptr<std::remove_pointer_t<gnutls_x509_privkey_t>>(
        generateKey(spec.keyType).release(), PrivateKeyDeleter());
    return build(spec, nullptr, nullptr, key);
}

Issued issue(const CertSpec& spec, const Issued& issuer) {
    CrtHolder issuerCrt;
    gnutls_datum_t der{const_cast<unsigned char*>(issuer.der.data()),
                       static_cast<unsigned>(issuer.der.size())};
    check(gnutls_x509_crt_import(issuerCrt.crt, &der, GNUTLS_X509_FMT_DER), "import issuer");
    auto key = std::shared_ptr<std::remove_pointer_t<gnutls_x509_privkey_t>>(
        generateKey(spec.keyType).release(), PrivateKeyDeleter());
    return build(spec, issuerCrt.crt, issuer.key.get(), key);
}

Issued issueFor(const CertSpec& spec, const std::string& publicKeyPem, const Issued& issuer) {
    CrtHolder issuerCrt;
    gnutls_datum_t der{const_cast<unsigned char*>(issuer.der.data()),
                       static_cast<unsigned>(issuer.der.size())};
    check(gnutls_x509_crt_import(issuerCrt.crt, &der, GNUTLS_X509_FMT_DER), "import issuer");
    gnutls_pubkey_t pub = nullptr;
    check(gnutls_pubkey_init(&pub), "pubkey_init");
    crypto::UniquePubkey owner(pub);
    gnutls_datum_t spki{reinterpret_cast<unsigned char*>(const_cast<char*>(publicKeyPem.data())),
                        static_cast<unsigned>(publicKeyPem.size())};
    check(gnutls_pubkey_import(pub, &spki, GNUTLS_X509_FMT_PEM), "import public key");
    return build(spec, issuerCrt.crt, issuer.key.get(), nullptr, pub);
}

Bytes concat(const std::vector<const Issued*>& chain) {
    Bytes out;
    for (const Issued* cert : chain) {
        out.insert(out.end(), cert->der.begin(), cert->der.end());
    }
    return out;
}

std::string pemChain(const std::vector<const Issued*>& chain) {
    std::string out;
    for (const Issued* cert : chain) {
        out += cert->pem;
    }
    return out;
}

Bytes bytesOf(const std::string& text) {
    return Bytes(text.begin(), text.end());
}

std::string openSshLine(gnutls_x509_privkey_t key, const std::string& comment) {
    Bytes blob;
    auto putString = [&blob](const void* data, std::size_t size) {
        std::uint32_t length = htonl(static_cast<std::uint32_t>(size));
        const auto* lp = reinterpret_cast<const std::uint8_t*>(&length);
        blob.insert(blob.end(), lp, lp + 4);
        const auto* p = static_cast<const std::uint8_t*>(data);
        blob.insert(blob.end(), p, p + size);
    };
    gnutls_ecc_curve_t curve{};
    gnutls_datum_t x{}, y{};
    gnutls_privkey_t priv = nullptr;
    check(gnutls_privkey_init(&priv), "privkey_init");
    check(gnutls_privkey_import_x509(priv, key, 0), "privkey_import");
    gnutls_pubkey_t pub = nullptr;
    check(gnutls_pubkey_init(&pub), "pubkey_init");
    crypto::UniquePubkey pubOwner(pub);
    int rc = gnutls_pubkey_import_privkey(pub, priv, 0, 0);
    gnutls_privkey_deinit(priv);
    check(rc, "pubkey_import_privkey");
    check(gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, &y, GNUTLS_EXPORT_FLAG_NO_LZ),
          "export raw");
    std::string type;
    if (curve == GNUTLS_ECC_CURVE_ED25519) {
        type = "ssh-ed25519";
        putString(type.data(), type.size());
        putString(x.data, x.size);
    } else {
        type = "ecdsa-sha2-nistp256";
        putString(type.data(), type.size());
        putString("nistp256", 8);
        // Coordinates are fixed-size in the point; GnuTLS strips leading zero bytes.
        Bytes point{0x04};
        point.insert(point.end(), 32 - x.size, 0);
        point.insert(point.end(), x.data, x.data + x.size);
        point.insert(point.end(), 32 - y.size, 0);
        point.insert(point.end(), y.data, y.data + y.size);
        putString(point.data(), point.size());
    }
    gnutls_free(x.data);
    gnutls_free(y.data);
    gnutls_datum_t raw{blob.data(), static_cast<unsigned>(blob.size())};
    crypto::OwnedDatum encoded;
    check(gnutls_base64_encode2(&raw, encoded.out()), "base64");
    return type + " " + encoded.str() + " " + comment + "\n";
}

}  // namespace peertrust::testing
