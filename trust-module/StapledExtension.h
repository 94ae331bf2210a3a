// Certificate extensions stapled to an anchor (CKO_X_CERTIFICATE_EXTENSION): how an anchor's
// scope reaches GnuTLS, which applies them in place of the certificate's own when it trusts
// the module's token.
#pragma once

#include <string>
#include <vector>

#include "peertrust/Error.h"
#include "peertrust/Types.h"

namespace peertrust::trustmodule {

struct StapledExtension {
    Bytes oidDer;        // CKA_OBJECT_ID: the DER OBJECT IDENTIFIER
    Bytes extensionDer;  // CKA_VALUE: the whole DER Extension
    bool critical = false;
};

// ExtendedKeyUsage listing exactly these purposes.
Result<StapledExtension> extendedKeyUsage(const std::vector<std::string>& purposeOids);
// NameConstraints for the scope's name subtrees; IP addresses a scope does not permit are
// excluded outright, so a client gets less than the daemon admits, never more.
Result<StapledExtension> nameConstraints(const AnchorScope& scope);

}  // namespace peertrust::trustmodule
