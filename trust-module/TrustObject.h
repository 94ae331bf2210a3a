// One object of the trust module's tokens, and how a store's trust becomes such objects
// (DESIGN.md, "PKCS#11 trust module"): certificates with CKA_TRUSTED for GnuTLS and p11-kit,
// NSS trust objects, stapled extensions, distrust, and the trust assertions gcr reads.
#pragma once

#include <p11-kit/pkcs11.h>

#include <optional>
#include <string>
#include <vector>

#include "crypto/Digest.h"
#include "pkcs11/AttributeSet.h"
#include "policy/TrustExport.h"

namespace peertrust::trustmodule {

// A pinned-certificate assertion stands for a pin: gcr asks with a whole certificate and a
// peer as the application spells it, and the pin matches by key and canonical peer.
struct PinAssertion {
    std::string pinId;
    crypto::Sha256 spkiSha256{};
    std::string peer;    // canonical, as stored
    std::string family;  // the pin's protocol, a family
};

struct TrustObject {
    std::string identity;  // stable across refreshes, so that handles stay valid
    StoreLayer layer = StoreLayer::System;
    pkcs11::AttributeSet attributes;
    std::optional<PinAssertion> pin;
};

// Every object for the store's current trust; anchors no client may be given are left out.
// An entry that cannot be encoded is skipped (and counted), never exported half-built.
struct TrustObjects {
    std::vector<TrustObject> objects;
    std::size_t skipped = 0;
};
TrustObjects buildTrustObjects(const policy::TrustExport& trust);

// C_FindObjects matching: every template attribute must match. Pinned assertions compare the
// certificate by its key and the peer canonically; everything else compares bytes.
bool matchesTemplate(const TrustObject& object, const CK_ATTRIBUTE* attributes, CK_ULONG count);

// The family a gcr purpose stands for ("tls" for serverAuth, ...), or empty.
std::string familyForPurpose(std::string_view purposeOid);

}  // namespace peertrust::trustmodule
