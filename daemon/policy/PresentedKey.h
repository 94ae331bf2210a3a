// The key a peer proved possession of, in any of its three forms, reduced to one identity:
// the SHA-256 of its SubjectPublicKeyInfo.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "crypto/Certificate.h"
#include "peertrust/Types.h"

namespace peertrust::policy {

struct PresentedKey {
    KeyFormat format = KeyFormat::Spki;
    Bytes spkiDer;  // raw and SSH keys; a chain is known by its leaf's hash alone
    crypto::Sha256 spkiSha256{};
    Bytes storedForm;  // what a pin keeps: SPKI DER, SSH blob, or the leaf certificate DER
    std::vector<crypto::Certificate> chain;  // X.509 only, leaf first
    std::string fingerprint;                 // DESIGN.md's form for this key format
};

Result<PresentedKey> parsePresentedKey(KeyFormat format, std::span<const std::uint8_t> data);

// The fingerprint people see for a stored key: ssh-keygen's for SSH blobs, else of the SPKI.
std::string fingerprintOf(std::string_view keyFormat, std::span<const std::uint8_t> storedForm,
                          const crypto::Sha256& spkiSha256);

}  // namespace peertrust::policy
