// A stapled OCSP response (DESIGN.md, "Revocation"): parsed and checked by GnuTLS against the
// leaf of a presented chain and that leaf's issuer, at the time of the decision.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "crypto/Certificate.h"
#include "crypto/GnutlsHandles.h"
#include "peertrust/Types.h"

namespace peertrust::policy {

// Responses from real responders are a few KB; anything this big is not one.
inline constexpr std::size_t kMaxOcspBytes = 64 * 1024;

// GnuTLS's own limit for a response without nextUpdate (MAX_OCSP_VALIDITY_SECS), so that a
// staple GnuTLS would call superseded is not relied on here either.
inline constexpr UnixTime kOcspMaxAgeWithoutNextUpdate = 15 * 24 * 60 * 60;

struct OcspStaple {
    crypto::UniqueOcspResp resp;
};

// An OCSP response, DER or PEM ("OCSP RESPONSE"). Malformed input is InvalidInput.
Result<OcspStaple> parseOcspStaple(std::span<const std::uint8_t> data);

struct OcspCheck {
    enum class Outcome {
        Good,      // valid, and it says the certificate is good: changes nothing
        Revoked,   // valid, and it says the certificate is revoked
        Unusable,  // cannot be relied on (wrong certificate, signer, status or time)
    };
    Outcome outcome = Outcome::Unusable;
    std::string detail;           // Revoked: "was revoked on ..."; Unusable: why, for people
    std::vector<UnixTime> edges;  // times at which the outcome may change (for the cache)
};

// `issuer` is the leaf's issuer from the path (the leaf itself when it is self-issued), or
// null when the path does not show it: then the response cannot be checked.
OcspCheck checkOcspStaple(const OcspStaple& staple, const crypto::Certificate& leaf,
                          const crypto::Certificate* issuer, UnixTime now);

}  // namespace peertrust::policy
