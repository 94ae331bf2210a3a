// The key layer's vocabulary: what kind of key, what it may be used for, a key as the
// registry knows it, a grant, and one audited use.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "peertrust/Error.h"
#include "peertrust/Types.h"

namespace peertrust::keys {

enum class KeyType { EcP256, EcP384, Rsa2048, Rsa3072 };
enum class KeyUse { Sign, Decrypt };

std::string_view toString(KeyType type);
std::string_view toString(KeyUse use);
Result<KeyType> parseKeyType(std::string_view text);  // "ec-p256", ...
Result<KeyUse> parseKeyUse(std::string_view text);    // "sign" | "decrypt"
bool isRsa(KeyType type);

struct KeyRecord {
    std::string id;  // 16 hex digits of the SHA-256 of the public key
    std::string label;
    std::string set;
    KeyType type = KeyType::EcP256;
    KeyUse use = KeyUse::Sign;
    Bytes backendId;  // CKA_ID in the backend token
    Bytes publicKey;  // SubjectPublicKeyInfo, DER
    std::optional<Bytes> certificate;
    UnixTime created = 0;
};

enum class GrantSubject { Key, Set };

struct KeyGrant {
    GrantSubject kind = GrantSubject::Set;
    std::string subject;  // a key id or a set name
    uid_t uid = 0;
    std::optional<UnixTime> until;
};

struct AuditRecord {
    std::int64_t atMs = 0;
    uid_t uid = 0;
    pid_t pid = 0;
    std::string keyId;
    KeyUse operation = KeyUse::Sign;
    std::string mechanism;  // "CKM_ECDSA", ...
    std::string result;     // "ok", "refused" (no grant at the time of use) or a CKR_ name
};

}  // namespace peertrust::keys
