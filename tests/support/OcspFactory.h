// OCSP responses made at test time. GnuTLS parses and verifies OCSP responses but cannot
// create them (ocsptool only makes requests), so this builds the RFC 6960 DER by hand, small
// and only what the tests need, and signs it with gnutls_privkey_sign_data.
#pragma once

#include <optional>

#include "peertrust/Types.h"
#include "support/CertFactory.h"

namespace peertrust::testing {

struct OcspSpec {
    enum class Status { Good, Revoked, Unknown };
    Status status = Status::Good;
    UnixTime thisUpdate = 0;
    std::optional<UnixTime> nextUpdate;  // none: the field is left out
    UnixTime revokedAt = 0;
    int revocationReason = 1;  // CRLReason (1 keyCompromise); -1: left out
    // Who signs: null means the issuer itself; else a delegated responder (its certificate,
    // with its private key, is carried in the response).
    const Issued* responder = nullptr;
    int responseStatus = 0;         // non-zero: an error response (no responseBytes)
    bool corruptSignature = false;  // flip a bit of the signature
};

// A DER OCSPResponse about `leaf` (CertID with SHA-1, as responders use), by `issuer`.
Bytes makeOcspResponse(const Issued& leaf, const Issued& issuer, const OcspSpec& spec);

}  // namespace peertrust::testing
