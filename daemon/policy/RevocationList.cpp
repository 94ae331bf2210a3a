#include "policy/RevocationList.h"

#include <algorithm>
#include <string_view>

#include "peertrust/Der.h"

namespace peertrust::policy {

namespace {

constexpr std::string_view kPemHeader = "-----BEGIN X509 CRL-----";
constexpr std::string_view kDeltaCrlIndicatorOid = "2.5.29.27";
constexpr std::string_view kIssuingDistributionPointOid = "2.5.29.28";
// Longer than any serial number RFC 5280 allows (20 octets), with room for odd encoders.
constexpr std::size_t kMaxSerialBytes = 64;

Bytes withoutLeadingZeros(std::span<const std::uint8_t> serial) {
    auto first = std::find_if(serial.begin(), serial.end(), [](std::uint8_t b) { return b != 0; });
    return Bytes(first, serial.end());
}

std::string hexNumber(std::span<const std::uint8_t> bytes) {
    std::string hex = crypto::toHex(withoutLeadingZeros(bytes));
    if (!hex.empty() && hex.front() == '0') {
        hex.erase(0, 1);  // one leading zero nibble
    }
    return hex.empty() ? "0" : hex;
}

std::string verifyProblems(unsigned status) {
    std::string out;
    auto add = [&](unsigned bit, const char* text) {
        if (status & bit) {
            out += (out.empty() ? "" : ", ") + std::string(text);
        }
    };
    add(GNUTLS_CERT_SIGNER_NOT_FOUND, "it names another issuer");
    add(GNUTLS_CERT_SIGNER_NOT_CA, "the signer is not a certificate authority");
    add(GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "the signer may not sign CRLs (key usage)");
    add(GNUTLS_CERT_SIGNATURE_FAILURE, "the signature does not verify");
    add(GNUTLS_CERT_INSECURE_ALGORITHM, "it is signed with an insecure algorithm");
    return out.empty() ? "GnuTLS rejects its signature" : out;
}

}  // namespace

Result<RevocationList> parseRevocationList(std::span<const std::uint8_t> data) {
    if (data.empty()) {
        return invalidInput("the CRL is empty");
    }
    if (data.size() > kMaxCrlBytes) {
        return invalidInput("the CRL is " + std::to_string(data.size()) + " bytes, more than the " +
                            std::to_string(kMaxCrlBytes) + " accepted");
    }
    RevocationList list;
    PEERTRUST_TRY_ASSIGN(list.crl, crypto::makeCrl());
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    bool pem = text.find(kPemHeader) != std::string_view::npos;
    if (!pem && looksLikePem(data)) {
        return invalidInput("the PEM input holds no \"X509 CRL\" block");
    }
    gnutls_datum_t datum = crypto::datumOf(data);
    int rc = gnutls_x509_crl_import(list.crl.get(), &datum,
                                    pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER);
    if (rc < 0) {
        return crypto::gnutlsError(ErrorCategory::InvalidInput,
                                   "not a valid X.509 certificate revocation list", rc);
    }
    crypto::OwnedDatum der;
    rc = gnutls_x509_crl_export2(list.crl.get(), GNUTLS_X509_FMT_DER, der.out());
    if (rc < 0) {
        return crypto::gnutlsError(ErrorCategory::InvalidInput, "cannot encode the CRL", rc);
    }
    list.der.assign(der.bytes().begin(), der.bytes().end());

    // A delta CRL lists only what changed since its base: kept alone, or in the place of the
    // full one (one CRL per issuer), it would lift every revocation it does not repeat.
    for (unsigned index = 0;; ++index) {
        char oid[128];
        size_t oidSize = sizeof oid;
        unsigned critical = 0;
        rc = gnutls_x509_crl_get_extension_info(list.crl.get(), index, oid, &oidSize, &critical);
        if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
            break;
        }
        if (rc < 0) {
            return crypto::gnutlsError(ErrorCategory::InvalidInput,
                                       "cannot read the CRL's extensions", rc);
        }
        if (std::string_view(oid) == kDeltaCrlIndicatorOid) {
            return invalidInput(
                "this is a delta CRL (deltaCRLIndicator), which lists only the changes since "
                "another CRL; peertrust keeps complete CRLs only: add the full CRL");
        }
        if (std::string_view(oid) == kIssuingDistributionPointOid) {
            crypto::OwnedDatum extension;
            rc = gnutls_x509_crl_get_extension_data2(list.crl.get(), index, extension.out());
            if (rc < 0) {
                return crypto::gnutlsError(ErrorCategory::InvalidInput,
                                           "cannot read the CRL's issuingDistributionPoint", rc);
            }
            list.scope.assign(extension.bytes().begin(), extension.bytes().end());
        }
    }

    crypto::OwnedDatum issuerDn;
    rc = gnutls_x509_crl_get_raw_issuer_dn(list.crl.get(), issuerDn.out());
    if (rc < 0 || issuerDn.bytes().empty()) {
        return crypto::gnutlsError(ErrorCategory::InvalidInput, "the CRL names no issuer", rc);
    }
    list.issuerDn.assign(issuerDn.bytes().begin(), issuerDn.bytes().end());
    crypto::OwnedDatum issuerText;
    if (gnutls_x509_crl_get_issuer_dn3(list.crl.get(), issuerText.out(), 0) >= 0) {
        list.issuer = issuerText.str();
    }

    time_t thisUpdate = gnutls_x509_crl_get_this_update(list.crl.get());
    if (thisUpdate == static_cast<time_t>(-1)) {
        return invalidInput("the CRL has no readable thisUpdate time");
    }
    list.thisUpdate = thisUpdate;
    time_t nextUpdate = gnutls_x509_crl_get_next_update(list.crl.get());
    if (nextUpdate != static_cast<time_t>(-1)) {
        list.nextUpdate = nextUpdate;
    }

    std::uint8_t number[kMaxSerialBytes];
    std::size_t numberSize = sizeof number;
    rc = gnutls_x509_crl_get_number(list.crl.get(), number, &numberSize, nullptr);
    if (rc >= 0) {
        list.number = hexNumber({number, numberSize});
    } else if (rc != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
        return crypto::gnutlsError(ErrorCategory::InvalidInput, "cannot read the CRL number", rc);
    }

    gnutls_x509_crl_iter_t iter = nullptr;
    // The iterator is GnuTLS's; released however the loop ends.
    std::unique_ptr<gnutls_x509_crl_iter_t, void (*)(gnutls_x509_crl_iter_t*)> iterOwner(
        &iter, [](gnutls_x509_crl_iter_t* it) { gnutls_x509_crl_iter_deinit(*it); });
    while (true) {
        std::uint8_t serial[kMaxSerialBytes];
        std::size_t serialSize = sizeof serial;
        time_t revokedAt = -1;
        rc =
            gnutls_x509_crl_iter_crt_serial(list.crl.get(), &iter, serial, &serialSize, &revokedAt);
        if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
            break;
        }
        if (rc < 0) {
            return crypto::gnutlsError(ErrorCategory::InvalidInput,
                                       "cannot read an entry of the CRL", rc);
        }
        Bytes key = withoutLeadingZeros({serial, serialSize});
        auto [it, inserted] = list.revoked.emplace(std::move(key), revokedAt);
        if (!inserted) {
            it->second = std::min<UnixTime>(it->second, revokedAt);  // listed twice: the earlier
        }
    }
    return list;
}

std::optional<std::string> crlSignatureProblem(const RevocationList& list,
                                               const crypto::Certificate& signer) {
    gnutls_x509_crt_t ca = signer.crt.get();
    unsigned status = 0;
    int rc = gnutls_x509_crl_verify(list.crl.get(), &ca, 1, 0, &status);
    if (rc < 0) {
        return std::string("GnuTLS cannot check its signature (") + gnutls_strerror(rc) + ")";
    }
    // GnuTLS compares the CRL's times with the clock; a CRL is checked at the decision's time
    // and an out-of-date one still revokes, so only the signature counts here.
    const unsigned timeBits =
        GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED | GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE;
    const unsigned otherBits = status & ~(timeBits | GNUTLS_CERT_INVALID);
    // GNUTLS_CERT_INVALID alone, without a time bit to explain it, is a failure too.
    bool invalidUnexplained = (status & GNUTLS_CERT_INVALID) != 0 && (status & timeBits) == 0;
    if (otherBits == 0 && !invalidUnexplained) {
        return std::nullopt;
    }
    return verifyProblems(otherBits);
}

Bytes serialNumberOf(const crypto::Certificate& cert) {
    std::uint8_t serial[kMaxSerialBytes];
    std::size_t size = sizeof serial;
    if (gnutls_x509_crt_get_serial(cert.crt.get(), serial, &size) < 0) {
        return {};
    }
    return withoutLeadingZeros({serial, size});
}

std::string formatSerialNumber(const Bytes& serial) {
    if (serial.empty()) {
        return "00";
    }
    std::string hex = crypto::toHex(serial);
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        out += (out.empty() ? "" : ":") + hex.substr(i, 2);
    }
    return out;
}

std::optional<std::string> crlScopeProblem(const RevocationList& stored,
                                           const RevocationList& replacement) {
    if (stored.scope == replacement.scope) {
        return std::nullopt;
    }
    auto describe = [](const RevocationList& list) {
        return list.scope.empty() ? std::string("has no issuingDistributionPoint")
                                  : "has the issuingDistributionPoint " + crypto::toHex(list.scope);
    };
    return "this CRL " + describe(replacement) + " and the stored one " + describe(stored) +
           ": they cover different parts of the issuer's certificates (partitioned or scoped "
           "CRLs), and peertrust keeps one CRL per issuer, so this one would lift the "
           "revocations only the stored one lists";
}

bool isStaleCrl(const std::optional<UnixTime>& nextUpdate, UnixTime now) {
    return nextUpdate.has_value() && now > *nextUpdate;
}

}  // namespace peertrust::policy
