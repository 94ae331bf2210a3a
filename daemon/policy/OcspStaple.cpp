#include "policy/OcspStaple.h"

#include <string_view>

#include "peertrust/TimeFormat.h"

namespace peertrust::policy {

namespace {

constexpr std::string_view kPemHeader = "-----BEGIN OCSP RESPONSE-----";

std::string_view revocationReason(int code) {
    switch (code) {
        case GNUTLS_X509_CRLREASON_KEYCOMPROMISE:
            return "key compromise";
        case GNUTLS_X509_CRLREASON_CACOMPROMISE:
            return "CA compromise";
        case GNUTLS_X509_CRLREASON_AFFILIATIONCHANGED:
            return "affiliation changed";
        case GNUTLS_X509_CRLREASON_SUPERSEDED:
            return "superseded";
        case GNUTLS_X509_CRLREASON_CESSATIONOFOPERATION:
            return "cessation of operation";
        case GNUTLS_X509_CRLREASON_CERTIFICATEHOLD:
            return "certificate hold";
        case GNUTLS_X509_CRLREASON_PRIVILEGEWITHDRAWN:
            return "privilege withdrawn";
        case GNUTLS_X509_CRLREASON_AACOMPROMISE:
            return "AA compromise";
        default:
            return "";
    }
}

std::string responseStatusText(int status) {
    switch (status) {
        case GNUTLS_OCSP_RESP_MALFORMEDREQUEST:
            return "malformedRequest";
        case GNUTLS_OCSP_RESP_INTERNALERROR:
            return "internalError";
        case GNUTLS_OCSP_RESP_TRYLATER:
            return "tryLater";
        case GNUTLS_OCSP_RESP_SIGREQUIRED:
            return "sigRequired";
        case GNUTLS_OCSP_RESP_UNAUTHORIZED:
            return "unauthorized";
        default:
            return "status " + std::to_string(status);
    }
}

std::string signerProblems(unsigned verify) {
    std::string out;
    auto add = [&](unsigned bit, const char* text) {
        if (verify & bit) {
            out += (out.empty() ? "" : ", ") + std::string(text);
        }
    };
    add(GNUTLS_OCSP_VERIFY_SIGNER_NOT_FOUND, "its signer is not the issuer");
    add(GNUTLS_OCSP_VERIFY_UNTRUSTED_SIGNER,
        "its signer is neither the issuer nor a responder the issuer delegated to");
    add(GNUTLS_OCSP_VERIFY_SIGNER_KEYUSAGE_ERROR,
        "its signer is not authorised to sign OCSP responses (key purpose OCSPSigning)");
    add(GNUTLS_OCSP_VERIFY_SIGNATURE_FAILURE, "its signature does not verify");
    add(GNUTLS_OCSP_VERIFY_INSECURE_ALGORITHM, "it is signed with an insecure algorithm");
    add(GNUTLS_OCSP_VERIFY_CERT_NOT_ACTIVATED, "its delegated signer is not yet valid");
    add(GNUTLS_OCSP_VERIFY_CERT_EXPIRED, "its delegated signer has expired");
    return out.empty() ? "GnuTLS rejects its signature" : out;
}

OcspCheck unusable(std::string why) {
    return {OcspCheck::Outcome::Unusable, std::move(why), {}};
}

}  // namespace

Result<OcspStaple> parseOcspStaple(std::span<const std::uint8_t> data) {
    if (data.empty()) {
        return invalidInput("the OCSP response is empty");
    }
    if (data.size() > kMaxOcspBytes) {
        return invalidInput("the OCSP response is " + std::to_string(data.size()) +
                            " bytes, more than the " + std::to_string(kMaxOcspBytes) + " accepted");
    }
    PEERTRUST_TRY_ASSIGN(crypto::UniqueOcspResp resp, crypto::makeOcspResp());
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    gnutls_datum_t datum = crypto::datumOf(data);
    int rc = gnutls_ocsp_resp_import2(resp.get(), &datum,
                                      text.find(kPemHeader) != std::string_view::npos
                                          ? GNUTLS_X509_FMT_PEM
                                          : GNUTLS_X509_FMT_DER);
    if (rc < 0) {
        return crypto::gnutlsError(ErrorCategory::InvalidInput, "not a valid OCSP response", rc);
    }
    return OcspStaple{std::move(resp)};
}

OcspCheck checkOcspStaple(const OcspStaple& staple, const crypto::Certificate& leaf,
                          const crypto::Certificate* issuer, UnixTime now) {
    gnutls_ocsp_resp_t resp = staple.resp.get();
    int status = gnutls_ocsp_resp_get_status(resp);
    if (status < 0) {
        return unusable(std::string("GnuTLS cannot read its status (") + gnutls_strerror(status) +
                        ")");
    }
    if (status != GNUTLS_OCSP_RESP_SUCCESSFUL) {
        return unusable("the responder answered " + responseStatusText(status) +
                        " instead of a certificate status");
    }

    // A response may carry several certificates' statuses: find this certificate's.
    int index = -1;
    for (unsigned i = 0; i < 64; ++i) {
        int rc = gnutls_ocsp_resp_get_single(resp, i, nullptr, nullptr, nullptr, nullptr, nullptr,
                                             nullptr, nullptr, nullptr, nullptr);
        if (rc < 0) {
            break;
        }
        if (gnutls_ocsp_resp_check_crt(resp, i, leaf.crt.get()) == 0) {
            index = static_cast<int>(i);
            break;
        }
    }
    if (index < 0) {
        return unusable(
            "it is not about this certificate (no status in it names its issuer and "
            "serial number)");
    }

    if (issuer == nullptr) {
        return unusable(
            "the certificate's issuer is not in the chain nor an anchor, so who "
            "signed the response cannot be checked");
    }
    unsigned verify = 0;
    // GnuTLS checks a delegated responder's certificate against the clock, not `now`.
    int rc = gnutls_ocsp_resp_verify_direct(resp, issuer->crt.get(), &verify, 0);
    if (rc < 0) {
        return unusable(std::string("GnuTLS cannot check its signature (") + gnutls_strerror(rc) +
                        ")");
    }
    if (verify != 0) {
        return unusable(signerProblems(verify) + " (issuer \"" + issuer->subject() + "\")");
    }

    unsigned certStatus = 0;
    time_t thisUpdate = -1;
    time_t nextUpdate = -1;
    time_t revokedAt = -1;
    unsigned revocationCode = 0;
    rc = gnutls_ocsp_resp_get_single(resp, static_cast<unsigned>(index), nullptr, nullptr, nullptr,
                                     nullptr, &certStatus, &thisUpdate, &nextUpdate, &revokedAt,
                                     &revocationCode);
    if (rc < 0) {
        return unusable(std::string("GnuTLS cannot read the certificate's status (") +
                        gnutls_strerror(rc) + ")");
    }

    // A signed statement that the certificate was revoked by `now` stays true whatever the
    // response's update window: revocation is final, so it is never turned into "unusable".
    if (certStatus == GNUTLS_OCSP_CERT_REVOKED && revokedAt != -1 && revokedAt <= now) {
        std::string why(revocationReason(static_cast<int>(revocationCode)));
        return {OcspCheck::Outcome::Revoked,
                "was revoked on " + formatIsoTime(revokedAt) +
                    (why.empty() ? std::string() : " (reason: " + why + ")") +
                    ", says the OCSP response signed for \"" + issuer->subject() + "\" on " +
                    formatIsoTime(thisUpdate),
                {revokedAt}};
    }

    OcspCheck check;
    check.edges.push_back(thisUpdate);
    if (certStatus == GNUTLS_OCSP_CERT_REVOKED && revokedAt != -1) {
        check.edges.push_back(revokedAt);  // from then on the answer is "revoked"
    }
    UnixTime until =
        nextUpdate != -1 ? UnixTime(nextUpdate) : thisUpdate + kOcspMaxAgeWithoutNextUpdate;
    check.edges.push_back(until + 1);
    if (now < thisUpdate) {
        check.detail = "it was produced for " + formatIsoTime(thisUpdate) +
                       ", after the time of the decision (" + formatIsoTime(now) + ")";
        return check;
    }
    if (now > until) {
        check.detail =
            nextUpdate != -1
                ? "it is out of date: its next update was due on " + formatIsoTime(nextUpdate)
                : "it names no next update and is older than 15 days (produced " +
                      formatIsoTime(thisUpdate) + ")";
        return check;
    }
    if (certStatus == GNUTLS_OCSP_CERT_REVOKED) {
        // Revoked after `now` (or without a time): at `now` it was not yet; still not "good".
        check.detail =
            "it says the certificate is revoked, but only from " +
            (revokedAt != -1 ? formatIsoTime(revokedAt) : std::string("an unknown time"));
        return check;
    }
    if (certStatus != GNUTLS_OCSP_CERT_GOOD) {
        check.detail = "the responder does not know the certificate (status unknown)";
        return check;
    }
    check.outcome = OcspCheck::Outcome::Good;
    return check;
}

}  // namespace peertrust::policy
