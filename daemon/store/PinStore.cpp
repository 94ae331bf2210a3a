#include "store/PinStore.h"

#include <algorithm>

namespace peertrust::store {

namespace {

constexpr const char* kPinColumns =
    "p.id, p.peer, p.protocol, p.key_format, p.spki_sha256, p.key_data, p.first_seen, "
    "p.origin, s.last_seen, s.seen_count FROM pins p LEFT JOIN pin_stats s ON s.pin_id = p.id";

PinRow readPin(const Statement& stmt) {
    PinRow row;
    row.id = stmt.text(0);
    row.peer = stmt.text(1);
    readSharedPinColumns(stmt, 2, row);
    return row;
}

Result<std::vector<PinRow>> readAll(Statement& stmt) {
    return stmt.collect(readPin);
}

}  // namespace

Result<std::vector<PinRow>> PinStore::find(const std::string& peer, const std::string& protocol,
                                           const std::string& family) {
    // The decision needs no statistics: no join on the hot path.
    static const std::string sql =
        "SELECT id, peer, protocol, key_format, spki_sha256, key_data, first_seen, origin, "
        "NULL, 0 FROM pins WHERE peer = ?1 AND protocol IN (?2, ?3)";
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare(sql));
    stmt.bind(1, peer).bind(2, protocol).bind(3, family);
    return readAll(stmt);
}

Result<std::vector<PinRow>> PinStore::findOf(const std::string& peer, const std::string& protocol) {
    static const std::string sql =
        "SELECT id, peer, protocol, key_format, spki_sha256, key_data, first_seen, origin, "
        "NULL, 0 FROM pins WHERE peer = ?1 AND protocol = ?2";
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare(sql));
    stmt.bind(1, peer).bind(2, protocol);
    return readAll(stmt);
}

Result<AddOutcome> PinStore::add(const PinRow& pin, bool replace) {
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(m_db));
    if (replace) {
        PEERTRUST_TRY_ASSIGN(Statement del,
                             m_db.prepare("DELETE FROM pins WHERE peer = ?1 AND protocol = ?2 "
                                          "AND id <> ?3"));
        del.bind(1, pin.peer).bind(2, pin.protocol).bind(3, pin.id);
        PEERTRUST_TRY(del.run());
    }
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome, addLocked(pin));
    PEERTRUST_TRY(tx.commit());
    return outcome;
}

Result<AddOutcome> PinStore::addLocked(const PinRow& pin) {
    PEERTRUST_TRY_ASSIGN(
        Statement ins,
        m_db.prepare("INSERT INTO pins (id, peer, protocol, key_format, spki_sha256, key_data, "
                     "first_seen, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                     "ON CONFLICT DO NOTHING"));
    ins.bind(1, pin.id).bind(2, pin.peer);
    bindSharedPinColumns(ins, 3, pin);
    PEERTRUST_TRY(ins.run());
    return AddOutcome{pin.id, sqlite3_changes(m_db.handle()) > 0};
}

Result<bool> PinStore::remove(const std::string& id) {
    return m_db.removeRow("pins", id);
}

Result<std::vector<PinRow>> PinStore::list() {
    static const std::string sql =
        std::string("SELECT ") + kPinColumns + " ORDER BY p.peer, p.protocol, p.first_seen";
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare(sql));
    return readAll(stmt);
}

Result<std::optional<PinRow>> PinStore::get(const std::string& id) {
    static const std::string sql = std::string("SELECT ") + kPinColumns + " WHERE p.id = ?1";
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare(sql));
    stmt.bind(1, id);
    PEERTRUST_TRY_ASSIGN(bool found, stmt.step());
    if (!found) {
        return std::optional<PinRow>();
    }
    return std::optional<PinRow>(readPin(stmt));
}

Result<std::size_t> PinStore::forgetPeer(const std::string& peer) {
    // A peer without a port also forgets its pins on other ports ("host:8443", "[v6]:8443").
    // An IPv6 peer carries a port only in brackets: "2001:db8::1:" begins other addresses
    // (2001:db8::1:5), whose pins are not this peer's.
    const bool v6 = peer.find(':') != std::string::npos;
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare("DELETE FROM pins WHERE peer = ?1 OR "
                                                      "substr(peer, 1, length(?2)) = ?2"));
    stmt.bind(1, peer).bind(2, v6 ? "[" + peer + "]:" : peer + ":");
    PEERTRUST_TRY_ASSIGN(int changed, m_db.writeOne(stmt));
    return static_cast<std::size_t>(changed);
}

Result<std::size_t> PinStore::forgetPeerOver(const std::string& host,
                                             const std::vector<std::string>& protocols) {
    if (protocols.empty()) {
        return std::size_t{0};
    }
    std::string sql = "DELETE FROM pins WHERE peer = ?1 AND protocol IN (";
    for (std::size_t i = 0; i < protocols.size(); ++i) {
        sql += (i == 0 ? "?" : ", ?") + std::to_string(i + 2);
    }
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare(sql + ")"));
    stmt.bind(1, host);
    for (std::size_t i = 0; i < protocols.size(); ++i) {
        stmt.bind(static_cast<int>(i + 2), protocols[i]);
    }
    PEERTRUST_TRY_ASSIGN(int changed, m_db.writeOne(stmt));
    return static_cast<std::size_t>(changed);
}

Result<std::size_t> PinStore::forgetSeenBefore(UnixTime before) {
    return forgetPinsSeenBefore(m_db, kPlainPinTables, before);
}

Result<void> PinStore::recordSightings(const std::vector<PinSighting>& sightings) {
    if (sightings.empty()) {
        return {};
    }
    // Hashed pins' ids never name a plain pin: the same batch, one sync for both.
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(m_db));
    PEERTRUST_TRY(writeSightings(m_db, kPlainPinTables, sightings));
    PEERTRUST_TRY(writeSightings(m_db, kHashedPinTables, sightings));
    return tx.commit();
}

Result<std::size_t> forgetPinsSeenBefore(Database& db, PinTables tables, UnixTime before) {
    PEERTRUST_TRY_ASSIGN(Statement stmt,
                         db.prepare(std::string("DELETE FROM ") + tables.pins +
                                    " WHERE first_seen < ?1 AND id NOT IN (SELECT pin_id FROM " +
                                    tables.stats + " WHERE last_seen >= ?1)"));
    stmt.bind(1, before);
    PEERTRUST_TRY_ASSIGN(int changed, db.writeOne(stmt));
    return static_cast<std::size_t>(changed);
}

Result<void> writeSightings(Database& db, PinTables tables,
                            const std::vector<PinSighting>& sightings) {
    PEERTRUST_TRY_ASSIGN(
        Statement stmt,
        db.prepare(std::string("INSERT INTO ") + tables.stats +
                   " (pin_id, last_seen, seen_count) SELECT id, ?2, ?3 FROM " + tables.pins +
                   " WHERE id = ?1 ON CONFLICT (pin_id) DO UPDATE SET "
                   "last_seen = max(last_seen, excluded.last_seen), "
                   "seen_count = seen_count + excluded.seen_count"));
    for (const PinSighting& sighting : sightings) {
        stmt.bind(1, sighting.pinId)
            .bind(2, sighting.seenAt)
            .bind(3, static_cast<std::int64_t>(sighting.count));
        PEERTRUST_TRY(stmt.run());
        stmt.reset();
    }
    return {};
}

}  // namespace peertrust::store
