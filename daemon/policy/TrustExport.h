// What the store's trust looks like to programs outside the daemon: every anchor with what
// each kind of client may be given for it (AnchorExportRules), every distrust entry and every
// pin, each with the layer it lives in. The PKCS#11 trust module and the file exports read
// this; they never decide anything themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/Digest.h"
#include "peertrust/Types.h"

namespace peertrust::policy {

struct ExportedAnchor {
    StoreLayer layer = StoreLayer::System;
    std::string id;
    std::string label;
    Bytes certDer;
    AnchorScope scope;
    AnchorExport exports;
    // The distrust of a certificate it issued, if any: PKCS#11 clients that check the chain
    // against distrust objects see it; gcr's anchored assertions cannot say it.
    std::optional<std::string> distrustBelowId;
};

struct ExportedDistrust {
    StoreLayer layer = StoreLayer::System;
    std::string id;
    std::string label;
    std::optional<Bytes> certDer;  // distrust of a certificate; absent for a bare key
    Bytes spkiDer;                 // for a bare key (empty when only the certificate is known)
    crypto::Sha256 spkiSha256{};
};

struct ExportedPin {
    StoreLayer layer = StoreLayer::User;
    std::string id;
    std::string peer;
    std::string protocol;
    std::string family;      // the protocol's family; equal to protocol for a family pin
    std::string purposeOid;  // the family's X.509 purpose; empty when it has none
    KeyFormat keyFormat = KeyFormat::X509Chain;
    Bytes keyData;  // leaf certificate DER, SPKI DER or SSH blob, as stored
    crypto::Sha256 spkiSha256{};
};

struct TrustExport {
    std::uint64_t generation = 0;  // changes whenever anything in the store changed
    std::vector<ExportedAnchor> anchors;
    std::vector<ExportedDistrust> distrust;
    std::vector<ExportedPin> pins;
};

}  // namespace peertrust::policy
