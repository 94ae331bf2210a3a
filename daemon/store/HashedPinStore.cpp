#include "store/HashedPinStore.h"

#include <algorithm>

namespace peertrust::store {

namespace {

HashedPinRow readRow(const Statement& stmt) {
    HashedPinRow row;
    row.id = stmt.text(0);
    row.name.salt = stmt.bytes<std::tuple_size_v<crypto::Sha1>>(1);
    row.name.hmac = stmt.bytes<std::tuple_size_v<crypto::Sha1>>(2);
    readSharedPinColumns(stmt, 3, row);
    return row;
}

Result<std::vector<HashedPinRow>> readAll(Statement& stmt) {
    return stmt.collect(readRow);
}

}  // namespace

PinRow asPinRow(HashedPinRow hashed) {
    PinRow row;
    row.id = std::move(hashed.id);
    row.peer = crypto::formatHashedHostName(hashed.name);
    row.protocol = std::move(hashed.protocol);
    row.keyFormat = std::move(hashed.keyFormat);
    row.spkiSha256 = hashed.spkiSha256;
    row.keyData = std::move(hashed.keyData);
    row.firstSeen = hashed.firstSeen;
    row.origin = std::move(hashed.origin);
    row.lastSeen = hashed.lastSeen;
    row.seenCount = hashed.seenCount;
    return row;
}

Result<bool> HashedPinStore::moreThan(std::size_t limit, const std::string& protocol,
                                      const std::string& family) {
    if (!m_db.hasTable("hashed_pins")) {
        return false;  // a store from before hashed pins (schema 2), not yet migrated
    }
    PEERTRUST_TRY_ASSIGN(Statement stmt,
                         m_db.prepare("SELECT count(*) FROM (SELECT 1 FROM hashed_pins "
                                      "WHERE protocol IN (?1, ?2) LIMIT ?3)"));
    stmt.bind(1, protocol).bind(2, family).bind(3, static_cast<std::int64_t>(limit) + 1);
    PEERTRUST_TRY_ASSIGN(bool row, stmt.step());
    return row && stmt.integer(0) > static_cast<std::int64_t>(limit);
}

Result<std::vector<HashedPinRow>> HashedPinStore::forProtocol(const std::string& protocol,
                                                              const std::string& family) {
    if (!m_db.hasTable("hashed_pins")) {
        return std::vector<HashedPinRow>{};
    }
    PEERTRUST_TRY_ASSIGN(Statement stmt,
                         m_db.prepare("SELECT id, salt, host_hmac, protocol, key_format, "
                                      "spki_sha256, key_data, first_seen, origin, NULL, 0 "
                                      "FROM hashed_pins WHERE protocol IN (?1, ?2)"));
    stmt.bind(1, protocol).bind(2, family);
    return readAll(stmt);
}

Result<AddOutcome> HashedPinStore::addLocked(const HashedPinRow& pin) {
    PEERTRUST_TRY_ASSIGN(
        Statement ins,
        m_db.prepare("INSERT INTO hashed_pins (id, salt, host_hmac, protocol, key_format, "
                     "spki_sha256, key_data, first_seen, origin) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING"));
    ins.bind(1, pin.id)
        .bind(2, std::span<const std::uint8_t>(pin.name.salt))
        .bind(3, std::span<const std::uint8_t>(pin.name.hmac));
    bindSharedPinColumns(ins, 4, pin);
    PEERTRUST_TRY(ins.run());
    return AddOutcome{pin.id, sqlite3_changes(m_db.handle()) > 0};
}

Result<bool> HashedPinStore::remove(const std::string& id) {
    return m_db.removeRow("hashed_pins", id);
}

Result<std::vector<HashedPinRow>> HashedPinStore::list() {
    if (!m_db.hasTable("hashed_pins")) {
        return std::vector<HashedPinRow>{};
    }
    PEERTRUST_TRY_ASSIGN(
        Statement stmt,
        m_db.prepare("SELECT p.id, p.salt, p.host_hmac, p.protocol, p.key_format, "
                     "p.spki_sha256, p.key_data, p.first_seen, p.origin, s.last_seen, "
                     "coalesce(s.seen_count, 0) FROM hashed_pins p "
                     "LEFT JOIN hashed_pin_stats s ON s.pin_id = p.id "
                     "ORDER BY p.protocol, p.first_seen, p.id"));
    return readAll(stmt);
}

Result<std::size_t> HashedPinStore::removeIds(const std::vector<std::string>& ids) {
    if (ids.empty()) {
        return std::size_t{0};
    }
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare("DELETE FROM hashed_pins WHERE id = ?1"));
    std::size_t removed = 0;
    for (const std::string& id : ids) {
        stmt.bind(1, id);
        PEERTRUST_TRY(stmt.run());
        removed += static_cast<std::size_t>(sqlite3_changes(m_db.handle()));
        stmt.reset();
    }
    return removed;
}

Result<std::size_t> HashedPinStore::forgetSeenBefore(UnixTime before) {
    return forgetPinsSeenBefore(m_db, kHashedPinTables, before);
}

}  // namespace peertrust::store
