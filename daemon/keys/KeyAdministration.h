// What the administrator does with keys (create, attach a certificate, grant, revoke,
// dispose, list, read the audit trail), independent of the bus that carries the request.
// Authorisation is the adapter's job: it knows the caller.
#pragma once

#include <string>
#include <vector>

#include "keys/AuditLog.h"
#include "keys/KeyBackend.h"
#include "keys/KeyRegistry.h"

namespace peertrust::keys {

struct KeyCreateRequest {
    KeyType type = KeyType::EcP256;
    KeyUse use = KeyUse::Sign;
    std::string label;
    std::string set;  // empty: the label
};

class KeyAdministration {
public:
    KeyAdministration(KeyRegistry& registry, KeyBackend& backend, AuditLog& audit)
        : m_registry(registry), m_backend(backend), m_audit(audit) {}

    Result<KeyRecord> create(const KeyCreateRequest& request, UnixTime now);
    Result<void> importCertificate(std::string_view key, const Bytes& certificate);
    // `subject` names a key (id, prefix or label) or, failing that, a set.
    Result<void> grant(std::string_view subject, uid_t uid, std::optional<UnixTime> until);
    Result<void> revoke(std::string_view subject, uid_t uid);
    Result<void> dispose(std::string_view key);
    Result<std::vector<KeyRecord>> list() { return m_registry.keys(); }
    // For a listing that shows who may use what, and what one uid may use.
    Result<std::vector<KeyGrant>> grants() { return m_registry.grants(); }
    Result<std::vector<KeyRecord>> listUsableBy(uid_t uid, UnixTime now) {
        return m_registry.keysUsableBy(uid, now);
    }
    Result<std::vector<AuditRecord>> audit(std::int64_t sinceMs);

private:
    Result<std::pair<GrantSubject, std::string>> subjectOf(std::string_view subject);

    KeyRegistry& m_registry;
    KeyBackend& m_backend;
    AuditLog& m_audit;
};

// RFC 7512 URI of a key's private half as the gateway shows it.
std::string keyUri(const KeyRecord& key);

}  // namespace peertrust::keys
