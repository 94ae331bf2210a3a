// OpenSSH public keys ("ssh-ed25519 AAAA... comment"): the wire blob parsed into a GnuTLS
// public key, so an SSH key and the same key in X.509 form share one SPKI identity.
#pragma once

#include <span>
#include <string>

#include "crypto/GnutlsHandles.h"
#include "peertrust/Types.h"

namespace peertrust::crypto {

struct OpenSshKey {
    std::string type;  // "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ...
    Bytes blob;        // the SSH wire encoding, as ssh-keygen hashes it
    std::string comment;
    UniquePubkey key;
};

// One public key line (as in a .pub file or authorized_keys without options).
Result<OpenSshKey> parseOpenSshLine(std::span<const std::uint8_t> line);
// The SSH wire blob alone.
Result<OpenSshKey> parseOpenSshBlob(std::span<const std::uint8_t> blob);

}  // namespace peertrust::crypto
