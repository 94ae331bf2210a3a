// A certificate revocation list an administrator or a user adds (DESIGN.md, "Revocation"):
// parsed by GnuTLS, its signature checked against the certificate that issued it. Never
// fetched; revocations in it never expire, whatever its nextUpdate says.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "crypto/Certificate.h"
#include "crypto/GnutlsHandles.h"
#include "peertrust/Types.h"

namespace peertrust::policy {

// Large public CAs publish CRLs of a few MB; the bus carries at most 4 MiB in one argument.
inline constexpr std::size_t kMaxCrlBytes = 4 * 1024 * 1024;

struct RevocationList {
    crypto::UniqueCrl crl;
    Bytes der;
    Bytes issuerDn;      // raw DER of the issuer name
    std::string issuer;  // the issuer name for people (RFC 4514)
    UnixTime thisUpdate = 0;
    std::optional<UnixTime> nextUpdate;
    std::optional<std::string> number;  // the CRL number, lower-case hex without leading zeros
    // The issuingDistributionPoint extension's DER, empty when it has none: which part of the
    // issuer's certificates (a partition, CA certificates only, some reasons) it covers.
    Bytes scope;
    // Revoked serial numbers (without leading zero octets) and when each was revoked.
    std::map<Bytes, UnixTime> revoked;
};

// One CRL, DER or PEM ("X509 CRL"). Malformed or oversized input is InvalidInput.
Result<RevocationList> parseRevocationList(std::span<const std::uint8_t> data);

// Why `signer` did not sign the CRL (its name is not the CRL's issuer, it may not sign CRLs,
// or the signature does not verify); nullopt when it did.
std::optional<std::string> crlSignatureProblem(const RevocationList& list,
                                               const crypto::Certificate& signer);

// A certificate's serial number in the form `revoked` is keyed by.
Bytes serialNumberOf(const crypto::Certificate& cert);
// "0a:1b:2c", as certtool and OpenSSL print serial numbers.
std::string formatSerialNumber(const Bytes& serial);

// Why `replacement` may not take the place of `stored`, a CRL of the same issuer: they cover
// different parts of its certificates (partitioned or scoped CRLs), so the replacement would
// lift revocations it does not repeat. nullopt when they cover the same.
std::optional<std::string> crlScopeProblem(const RevocationList& stored,
                                           const RevocationList& replacement);

// A CRL whose nextUpdate has passed: still applied, but an administrator should add a newer.
bool isStaleCrl(const std::optional<UnixTime>& nextUpdate, UnixTime now);

}  // namespace peertrust::policy
