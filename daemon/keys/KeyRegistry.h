// keys.db: the keys the daemon holds in its backend, the grants on them and the audit trail.
// One connection behind one lock: the administration on the bus thread and every gateway
// connection share it, and every check reads the current grants, so a revoke takes effect
// on connections opened before it.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "keys/KeyTypes.h"
#include "store/Database.h"

namespace peertrust::keys {

class KeyRegistry {
public:
    // Creates the file (0600) on first use and migrates it like the trust stores.
    static Result<std::unique_ptr<KeyRegistry>> open(const std::filesystem::path& path);

    Result<void> addKey(const KeyRecord& key);
    Result<void> removeKey(const std::string& id);  // and its grants
    Result<void> attachCertificate(const std::string& id, const Bytes& certificateDer);
    Result<std::vector<KeyRecord>> keys();
    // By id, unique id prefix or label.
    Result<KeyRecord> findKey(std::string_view idOrLabel);

    Result<void> grant(const KeyGrant& grant);
    Result<bool> revoke(GrantSubject kind, std::string_view subject, uid_t uid);
    Result<std::vector<KeyGrant>> grants();
    // The keys `uid` may use at `now`, through a key grant or a grant on its set.
    Result<std::vector<KeyRecord>> keysUsableBy(uid_t uid, UnixTime now);
    Result<bool> mayUse(uid_t uid, const std::string& keyId, UnixTime now);

    Result<void> appendAudit(const std::vector<AuditRecord>& records);  // one transaction
    Result<std::vector<AuditRecord>> audit(std::int64_t sinceMs);

    explicit KeyRegistry(std::unique_ptr<store::Database> db) : m_db(std::move(db)) {}

private:
    Result<std::vector<KeyRecord>> selectKeys(std::string_view sql, uid_t uid, UnixTime now);

    std::mutex m_lock;
    std::unique_ptr<store::Database> m_db;
};

}  // namespace peertrust::keys
