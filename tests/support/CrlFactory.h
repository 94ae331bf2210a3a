// Certificate revocation lists made at test time with GnuTLS (gnutls_x509_crl_*), signed by a
// test CA from CertFactory.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "peertrust/Types.h"
#include "support/CertFactory.h"

namespace peertrust::testing {

struct CrlSpec {
    // Each revoked certificate with the time it was revoked.
    std::vector<std::pair<const Issued*, UnixTime>> revoked;
    UnixTime thisUpdate = 0;
    std::optional<UnixTime> nextUpdate;  // none: the field is left out
    std::optional<unsigned> number;      // the CRL number extension; none: left out
};

// A DER CRL issued and signed by `issuer` (its certificate and private key).
Bytes makeCrl(const Issued& issuer, const CrlSpec& spec);
// The same as PEM ("X509 CRL").
std::string makeCrlPem(const Issued& issuer, const CrlSpec& spec);

}  // namespace peertrust::testing
