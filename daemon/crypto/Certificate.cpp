#include "crypto/Certificate.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "peertrust/Der.h"
#include "peertrust/DisplayText.h"

namespace peertrust::crypto {

namespace {

Result<Certificate> importOne(std::span<const std::uint8_t> der) {
    PEERTRUST_TRY_ASSIGN(UniqueCrt crt, makeCrt());
    gnutls_datum_t datum = datumOf(der);
    int rc = gnutls_x509_crt_import(crt.get(), &datum, GNUTLS_X509_FMT_DER);
    if (rc < 0) {
        return gnutlsError(ErrorCategory::InvalidInput, "not a valid X.509 certificate", rc);
    }
    return describeCertificate(std::move(crt), der);
}

}  // namespace

Result<Bytes> exportSpki(gnutls_pubkey_t key) {
    OwnedDatum der;
    int rc = gnutls_pubkey_export2(key, GNUTLS_X509_FMT_DER, der.out());
    if (rc < 0) {
        return gnutlsError(ErrorCategory::InvalidInput, "cannot encode the public key", rc);
    }
    return Bytes(der.bytes().begin(), der.bytes().end());
}

Result<Certificate> describeCertificate(UniqueCrt crt, std::span<const std::uint8_t> der) {
    Certificate cert;
    if (der.empty()) {
        OwnedDatum encoded;
        int rc = gnutls_x509_crt_export2(crt.get(), GNUTLS_X509_FMT_DER, encoded.out());
        if (rc < 0) {
            return gnutlsError(ErrorCategory::InvalidInput, "cannot encode the certificate", rc);
        }
        cert.der.assign(encoded.bytes().begin(), encoded.bytes().end());
    } else {
        cert.der.assign(der.begin(), der.end());
    }
    cert.certSha256 = sha256(cert.der);
    cert.notBefore = gnutls_x509_crt_get_activation_time(crt.get());
    cert.notAfter = gnutls_x509_crt_get_expiration_time(crt.get());
    cert.crt = std::move(crt);
    return cert;
}

Result<Sha256> computeSpkiSha256(gnutls_x509_crt_t crt) {
    // GnuTLS's SHA-256 key id is the hash of the SPKI DER it would export: the same identity
    // as a bare key's, without building the public key.
    Sha256 hash{};
    std::size_t size = hash.size();
    int rc = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, hash.data(), &size);
    if (rc < 0 || size != hash.size()) {
        return gnutlsError(ErrorCategory::InvalidInput,
                           "the certificate's public key is not usable",
                           rc < 0 ? rc : GNUTLS_E_INTERNAL_ERROR);
    }
    return hash;
}

const Sha256& Certificate::spkiSha256() const {
    if (!m_spkiSha256) {
        auto hash = computeSpkiSha256(crt.get());
        m_spkiSha256 = hash ? *hash : Sha256{};
    }
    return *m_spkiSha256;
}

std::string Certificate::subject() const {
    OwnedDatum dn;
    if (gnutls_x509_crt_get_dn3(crt.get(), dn.out(), 0) < 0) {
        return {};
    }
    // For messages and listings only: any bytes the certificate's maker chose.
    return displayText(dn.str());
}

Result<Certificate> parseCertificate(std::span<const std::uint8_t> data) {
    PEERTRUST_TRY_ASSIGN(std::vector<Certificate> chain, parseChain(data));
    if (chain.size() != 1) {
        return invalidInput("expected one certificate, found " + std::to_string(chain.size()));
    }
    return std::move(chain.front());
}

Result<std::vector<Certificate>> parseChain(std::span<const std::uint8_t> data) {
    if (data.empty()) {
        return invalidInput("the certificate chain is empty");
    }
    if (data.size() > kMaxChainBytes) {
        return invalidInput("the certificate chain is " + std::to_string(data.size()) +
                            " bytes; the limit is " + std::to_string(kMaxChainBytes));
    }
    std::vector<Certificate> chain;
    if (looksLikePem(data)) {
        std::array<gnutls_x509_crt_t, kMaxChainCertificates + 1> raw{};
        unsigned count = raw.size();
        gnutls_datum_t datum = datumOf(data);
        int rc = gnutls_x509_crt_list_import(raw.data(), &count, &datum, GNUTLS_X509_FMT_PEM,
                                             GNUTLS_X509_CRT_LIST_IMPORT_FAIL_IF_EXCEED);
        if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER) {
            return invalidInput("the chain has more than " + std::to_string(kMaxChainCertificates) +
                                " certificates");
        }
        if (rc < 0) {
            return gnutlsError(ErrorCategory::InvalidInput, "cannot read the PEM certificates", rc);
        }
        // Own every certificate before anything can fail.
        std::vector<UniqueCrt> owned;
        for (unsigned i = 0; i < static_cast<unsigned>(rc); ++i) {
            owned.emplace_back(raw[i]);
        }
        if (owned.size() > kMaxChainCertificates) {
            return invalidInput("the chain has more than " + std::to_string(kMaxChainCertificates) +
                                " certificates");
        }
        for (auto& crt : owned) {
            PEERTRUST_TRY_ASSIGN(Certificate cert, describeCertificate(std::move(crt)));
            chain.push_back(std::move(cert));
        }
    } else {
        std::span<const std::uint8_t> rest = data;
        while (!rest.empty()) {
            std::size_t length = derSequenceLength(rest);
            if (length == 0) {
                return invalidInput("certificate " + std::to_string(chain.size() + 1) +
                                    " of the chain is not complete DER (truncated or not "
                                    "a certificate)");
            }
            if (chain.size() == kMaxChainCertificates) {
                return invalidInput("the chain has more than " +
                                    std::to_string(kMaxChainCertificates) + " certificates");
            }
            auto parsed = importOne(rest.first(length));
            if (!parsed) {
                return parsed.error().withContext("certificate " +
                                                  std::to_string(chain.size() + 1));
            }
            chain.push_back(std::move(parsed).value());
            rest = rest.subspan(length);
        }
    }
    if (chain.empty()) {
        return invalidInput("no certificate found in the input");
    }
    return chain;
}

Result<UniquePubkey> parseSpki(std::span<const std::uint8_t> data) {
    if (data.empty()) {
        return invalidInput("the public key is empty");
    }
    if (data.size() > kMaxKeyBytes) {
        return invalidInput("the public key is " + std::to_string(data.size()) +
                            " bytes; the limit is " + std::to_string(kMaxKeyBytes));
    }
    PEERTRUST_TRY_ASSIGN(UniquePubkey key, makePubkey());
    gnutls_datum_t datum = datumOf(data);
    int rc = gnutls_pubkey_import(key.get(), &datum,
                                  looksLikePem(data) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER);
    if (rc < 0) {
        return gnutlsError(ErrorCategory::InvalidInput,
                           "not a valid SubjectPublicKeyInfo (DER or PEM \"PUBLIC KEY\")", rc);
    }
    return key;
}

}  // namespace peertrust::crypto
