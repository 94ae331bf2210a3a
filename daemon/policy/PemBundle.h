// The anchors a program that reads a PEM bundle (Debian's GnuTLS and OpenSSL defaults, curl,
// ...) may be given without trusting more than the daemon: such a file carries neither
// purposes nor constraints, so a name-scoped, protocol-limited, not-after-limited or
// distrusted anchor is left out, and the file's header says which and why.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "peertrust/Error.h"
#include "policy/TrustExport.h"

namespace peertrust::policy {

struct PemBundle {
    std::string text;  // header comment, then one CERTIFICATE block per anchor
    std::size_t included = 0;
    std::size_t leftOut = 0;
};

// "server-auth", "client-auth", "email", "code-signing" -> the key purpose OID.
Result<std::string> purposeForBundle(std::string_view name);

// Without a purpose the bundle is for every use, so only anchors for every protocol go in;
// with one, the anchors a client of that purpose may trust (the header says the file is only
// for that purpose). `generatedAt` is written in the header.
PemBundle pemBundle(const TrustExport& trust, const std::optional<std::string>& purposeOid,
                    UnixTime generatedAt);

}  // namespace peertrust::policy
