#include "keys/KeyRegistry.h"

#include "store/Migrations.h"

namespace peertrust::keys {
namespace {

using store::Statement;
using store::Transaction;

constexpr std::string_view kKeyColumns =
    "k.id, k.label, k.key_set, k.key_type, k.key_use, k.backend_id, k.public_key, "
    "k.certificate, k.created";

Result<KeyRecord> keyFromRow(const Statement& row) {
    KeyRecord key;
    key.id = row.text(0);
    key.label = row.text(1);
    key.set = row.text(2);
    PEERTRUST_TRY_ASSIGN(key.type, parseKeyType(row.text(3)));
    PEERTRUST_TRY_ASSIGN(key.use, parseKeyUse(row.text(4)));
    auto backendId = row.blob(5);
    key.backendId.assign(backendId.begin(), backendId.end());
    auto publicKey = row.blob(6);
    key.publicKey.assign(publicKey.begin(), publicKey.end());
    if (!row.isNull(7)) {
        auto certificate = row.blob(7);
        key.certificate = Bytes(certificate.begin(), certificate.end());
    }
    key.created = row.integer(8);
    return key;
}

std::string_view subjectKindName(GrantSubject kind) {
    return kind == GrantSubject::Key ? "key" : "set";
}

}  // namespace

Result<std::unique_ptr<KeyRegistry>> KeyRegistry::open(const std::filesystem::path& path) {
    PEERTRUST_TRY_ASSIGN(auto db, store::openStoreForWriting(path, store::FileAccess::Private,
                                                             store::keySchemaMigrations()));
    return std::make_unique<KeyRegistry>(std::move(db));
}

Result<void> KeyRegistry::addKey(const KeyRecord& key) {
    std::lock_guard lock(m_lock);
    PEERTRUST_TRY_ASSIGN(Statement exists,
                         m_db->prepare("SELECT id FROM keys WHERE label = ?1 OR id = ?2"));
    exists.bind(1, key.label).bind(2, key.id);
    PEERTRUST_TRY_ASSIGN(bool taken, exists.step());
    if (taken) {
        std::string other = exists.text(0);
        exists.reset();
        return conflict("a key labelled '" + key.label + "' or with id " + key.id +
                        " already exists (" + other + ")");
    }
    exists.reset();
    PEERTRUST_TRY_ASSIGN(
        Statement insert,
        m_db->prepare("INSERT INTO keys (id, label, key_set, key_type, key_use, backend_id, "
                      "public_key, certificate, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                      "?8, ?9)"));
    insert.bind(1, key.id).bind(2, key.label).bind(3, key.set).bind(4, toString(key.type));
    insert.bind(5, toString(key.use)).bind(6, key.backendId).bind(7, key.publicKey);
    if (key.certificate) {
        insert.bind(8, *key.certificate);
    } else {
        insert.bindNull(8);
    }
    insert.bind(9, key.created);
    PEERTRUST_TRY(m_db->writeOne(insert));
    return {};
}

Result<void> KeyRegistry::removeKey(const std::string& id) {
    std::lock_guard lock(m_lock);
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(*m_db));
    PEERTRUST_TRY_ASSIGN(Statement grants, m_db->prepare("DELETE FROM key_grants WHERE "
                                                         "subject_kind = 'key' AND subject = ?1"));
    grants.bind(1, id);
    PEERTRUST_TRY(grants.run());
    PEERTRUST_TRY_ASSIGN(Statement key, m_db->prepare("DELETE FROM keys WHERE id = ?1"));
    key.bind(1, id);
    PEERTRUST_TRY(key.run());
    if (sqlite3_changes(m_db->handle()) == 0) {
        return notFound("no key " + id);
    }
    // A set is its keys: with the last one gone, so are the grants on it. Kept, they would be
    // listed nowhere, and give a later set of the same name to uids nobody granted it to.
    PEERTRUST_TRY_ASSIGN(Statement emptySets,
                         m_db->prepare("DELETE FROM key_grants WHERE subject_kind = 'set' AND "
                                       "subject NOT IN (SELECT key_set FROM keys)"));
    PEERTRUST_TRY(emptySets.run());
    return tx.commit();
}

Result<void> KeyRegistry::attachCertificate(const std::string& id, const Bytes& certificateDer) {
    std::lock_guard lock(m_lock);
    PEERTRUST_TRY_ASSIGN(Statement update,
                         m_db->prepare("UPDATE keys SET certificate = ?2 WHERE id = ?1"));
    update.bind(1, id).bind(2, certificateDer);
    PEERTRUST_TRY_ASSIGN(int changed, m_db->writeOne(update));
    if (changed == 0) {
        return notFound("no key " + id);
    }
    return {};
}

Result<std::vector<KeyRecord>> KeyRegistry::keys() {
    std::lock_guard lock(m_lock);
    return selectKeys("SELECT " + std::string(kKeyColumns) + " FROM keys k ORDER BY k.label", 0, 0);
}

Result<KeyRecord> KeyRegistry::findKey(std::string_view idOrLabel) {
    PEERTRUST_TRY_ASSIGN(auto all, keys());
    const KeyRecord* match = nullptr;
    for (const auto& key : all) {
        if (key.label == idOrLabel || key.id == idOrLabel) {
            return key;
        }
        if (!idOrLabel.empty() && key.id.starts_with(idOrLabel)) {
            if (match != nullptr) {
                return invalidInput("'" + std::string(idOrLabel) +
                                    "' names more than one key: give more of the id");
            }
            match = &key;
        }
    }
    if (match == nullptr) {
        return notFound("no key with id or label '" + std::string(idOrLabel) +
                        "' (see peertrust keys list)");
    }
    return *match;
}

Result<void> KeyRegistry::grant(const KeyGrant& grant) {
    std::lock_guard lock(m_lock);
    PEERTRUST_TRY_ASSIGN(Statement upsert,
                         m_db->prepare("INSERT OR REPLACE INTO key_grants (subject_kind, "
                                       "subject, uid, until, created) VALUES (?1, ?2, ?3, ?4, "
                                       "strftime('%s', 'now'))"));
    upsert.bind(1, subjectKindName(grant.kind)).bind(2, grant.subject);
    upsert.bind(3, static_cast<std::int64_t>(grant.uid)).bind(4, grant.until);
    PEERTRUST_TRY(m_db->writeOne(upsert));
    return {};
}

Result<bool> KeyRegistry::revoke(GrantSubject kind, std::string_view subject, uid_t uid) {
    std::lock_guard lock(m_lock);
    PEERTRUST_TRY_ASSIGN(Statement remove,
                         m_db->prepare("DELETE FROM key_grants WHERE subject_kind = ?1 AND "
                                       "subject = ?2 AND uid = ?3"));
    remove.bind(1, subjectKindName(kind)).bind(2, subject);
    remove.bind(3, static_cast<std::int64_t>(uid));
    PEERTRUST_TRY_ASSIGN(int changed, m_db->writeOne(remove));
    return changed > 0;
}

Result<std::vector<KeyGrant>> KeyRegistry::grants() {
    std::lock_guard lock(m_lock);
    PEERTRUST_TRY_ASSIGN(Statement stmt,
                         m_db->prepare("SELECT subject_kind, subject, uid, until FROM key_grants "
                                       "ORDER BY subject_kind, subject, uid"));
    std::vector<KeyGrant> out;
    while (true) {
        PEERTRUST_TRY_ASSIGN(bool more, stmt.step());
        if (!more) {
            return out;
        }
        KeyGrant g;
        g.kind = stmt.text(0) == "key" ? GrantSubject::Key : GrantSubject::Set;
        g.subject = stmt.text(1);
        g.uid = static_cast<uid_t>(stmt.integer(2));
        if (!stmt.isNull(3)) {
            g.until = stmt.integer(3);
        }
        out.push_back(std::move(g));
    }
}

Result<std::vector<KeyRecord>> KeyRegistry::keysUsableBy(uid_t uid, UnixTime now) {
    std::lock_guard lock(m_lock);
    return selectKeys("SELECT " + std::string(kKeyColumns) +
                          " FROM keys k WHERE EXISTS (SELECT 1 FROM key_grants g WHERE g.uid = "
                          "?1 AND (g.until IS NULL OR g.until > ?2) AND ((g.subject_kind = "
                          "'key' AND g.subject = k.id) OR (g.subject_kind = 'set' AND "
                          "g.subject = k.key_set))) ORDER BY k.key_set, k.label",
                      uid, now);
}

Result<bool> KeyRegistry::mayUse(uid_t uid, const std::string& keyId, UnixTime now) {
    std::lock_guard lock(m_lock);
    PEERTRUST_TRY_ASSIGN(
        Statement stmt,
        m_db->prepare("SELECT 1 FROM keys k JOIN key_grants g ON ((g.subject_kind = 'key' AND "
                      "g.subject = k.id) OR (g.subject_kind = 'set' AND g.subject = k.key_set)) "
                      "WHERE k.id = ?1 AND g.uid = ?2 AND (g.until IS NULL OR g.until > ?3)"));
    stmt.bind(1, keyId).bind(2, static_cast<std::int64_t>(uid)).bind(3, now);
    PEERTRUST_TRY_ASSIGN(bool found, stmt.step());
    stmt.reset();
    return found;
}

Result<void> KeyRegistry::appendAudit(const std::vector<AuditRecord>& records) {
    std::lock_guard lock(m_lock);
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(*m_db));
    PEERTRUST_TRY_ASSIGN(Statement insert,
                         m_db->prepare("INSERT INTO key_audit (at_ms, uid, pid, key_id, "
                                       "operation, mechanism, result) VALUES (?1, ?2, ?3, ?4, "
                                       "?5, ?6, ?7)"));
    for (const auto& r : records) {
        insert.bind(1, r.atMs).bind(2, static_cast<std::int64_t>(r.uid));
        insert.bind(3, static_cast<std::int64_t>(r.pid)).bind(4, r.keyId);
        insert.bind(5, toString(r.operation)).bind(6, r.mechanism).bind(7, r.result);
        PEERTRUST_TRY(insert.run());
        insert.reset();
    }
    return tx.commit();
}

Result<std::vector<AuditRecord>> KeyRegistry::audit(std::int64_t sinceMs) {
    std::lock_guard lock(m_lock);
    PEERTRUST_TRY_ASSIGN(Statement stmt,
                         m_db->prepare("SELECT at_ms, uid, pid, key_id, operation, mechanism, "
                                       "result FROM key_audit WHERE at_ms >= ?1 ORDER BY seq"));
    stmt.bind(1, sinceMs);
    std::vector<AuditRecord> out;
    while (true) {
        PEERTRUST_TRY_ASSIGN(bool more, stmt.step());
        if (!more) {
            return out;
        }
        AuditRecord r;
        r.atMs = stmt.integer(0);
        r.uid = static_cast<uid_t>(stmt.integer(1));
        r.pid = static_cast<pid_t>(stmt.integer(2));
        r.keyId = stmt.text(3);
        r.operation = stmt.text(4) == "sign" ? KeyUse::Sign : KeyUse::Decrypt;
        r.mechanism = stmt.text(5);
        r.result = stmt.text(6);
        out.push_back(std::move(r));
    }
}

Result<std::vector<KeyRecord>> KeyRegistry::selectKeys(std::string_view sql, uid_t uid,
                                                       UnixTime now) {
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db->prepare(sql));
    if (sql.find("?1") != std::string_view::npos) {
        stmt.bind(1, static_cast<std::int64_t>(uid)).bind(2, now);
    }
    return stmt.collect(keyFromRow);
}

}  // namespace peertrust::keys
