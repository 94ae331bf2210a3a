// GnuTLS's own known_hosts file (~/.gnutls/known_hosts, written by gnutls_store_pubkey):
// "|g0|host|service|expiration|base64(SubjectPublicKeyInfo DER)" per line, "*" for any host
// or service, expiration in seconds since the epoch (0: never). "|c0|" lines are hash
// commitments (gnutls_store_commitment) and hold no key. Read for importing; never fails:
// what cannot be used is an issue with its line number.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "peertrust/Types.h"
#include "policy/PresentedKey.h"

namespace peertrust::policy {

struct GnutlsKnownHost {
    std::size_t line = 0;
    std::string host;
    std::string service;  // empty for "*", any service
    UnixTime expiration = 0;
    PresentedKey key;  // an SPKI
};

struct GnutlsKnownHostsFile {
    std::vector<GnutlsKnownHost> entries;
    std::vector<ImportIssue> issues;
    std::size_t contentLines = 0;
};

GnutlsKnownHostsFile parseGnutlsKnownHostsFile(std::span<const std::uint8_t> data);

}  // namespace peertrust::policy
