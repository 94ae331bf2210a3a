// The key layer as its administrator sees it (org.peertrust.Keys1): a key to create, a key
// with its grants, one audited use. Types and uses are the stable strings of the CLI contract.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peertrust/Types.h"

namespace peertrust {

struct KeySpec {
    std::string type = "ec-p256";  // "ec-p256", "ec-p384", "rsa-2048", "rsa-3072"
    std::string use = "sign";      // "sign", "decrypt"
    std::string label;
    std::string set;  // the set (token) it joins; empty: one named as the label
};

struct KeyGrantInfo {
    std::string kind;     // "key": this key alone; "set": every key of its set
    std::string subject;  // the key id or the set name
    uid_t uid = 0;
    std::optional<UnixTime> until;  // none: no end
};

struct KeyInfo {
    std::string id;  // 16 hex digits
    std::string label;
    std::string set;
    std::string type;
    std::string use;
    std::string uri;                         // RFC 7512, the private key through the gateway
    std::string publicKeyPem;                // "PUBLIC KEY" (SubjectPublicKeyInfo)
    std::optional<std::string> certificate;  // PEM, when one is attached
    UnixTime created = 0;
    std::vector<KeyGrantInfo> grants;  // those covering the key (a non-writer: only its own)
};

struct KeyAuditEntry {
    std::int64_t atMs = 0;  // Unix time in milliseconds
    uid_t uid = 0;
    pid_t pid = 0;
    std::string keyId;
    std::string operation;  // "sign", "decrypt"
    std::string mechanism;  // "CKM_ECDSA", ...
    std::string result;     // "ok" or a CKR_ name
};

}  // namespace peertrust
