#include "store/DistrustStore.h"

#include <algorithm>

namespace peertrust::store {

namespace {

constexpr const char* kColumns =
    "SELECT id, kind, cert_sha256, spki_sha256, data, label, created FROM distrust";

DistrustRow readRow(const Statement& stmt) {
    DistrustRow row;
    row.id = stmt.text(0);
    row.kind = stmt.text(1);
    if (!stmt.isNull(2)) {
        row.certSha256 = stmt.bytes<32>(2);
    }
    row.spkiSha256 = stmt.bytes<32>(3);
    auto data = stmt.blob(4);
    row.data.assign(data.begin(), data.end());
    row.label = stmt.text(5);
    row.created = stmt.integer(6);
    return row;
}

}  // namespace

Result<AddOutcome> DistrustStore::add(const DistrustRow& row) {
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(m_db));
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome, addLocked(row));
    PEERTRUST_TRY(tx.commit());
    return outcome;
}

Result<AddOutcome> DistrustStore::addLocked(const DistrustRow& row) {
    PEERTRUST_TRY_ASSIGN(Statement stmt,
                         m_db.prepare("INSERT INTO distrust (id, kind, cert_sha256, spki_sha256, "
                                      "data, label, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                                      "ON CONFLICT DO NOTHING"));
    stmt.bind(1, row.id).bind(2, row.kind);
    if (row.certSha256) {
        stmt.bind(3, std::span<const std::uint8_t>(*row.certSha256));
    } else {
        stmt.bindNull(3);
    }
    stmt.bind(4, std::span<const std::uint8_t>(row.spkiSha256))
        .bind(5, std::span<const std::uint8_t>(row.data))
        .bind(6, row.label)
        .bind(7, row.created);
    PEERTRUST_TRY(stmt.run());
    return AddOutcome{row.id, sqlite3_changes(m_db.handle()) > 0};
}

Result<bool> DistrustStore::remove(const std::string& id) {
    return m_db.removeRow("distrust", id);
}

Result<std::vector<DistrustRow>> DistrustStore::list() {
    static const std::string sql = std::string(kColumns) + " ORDER BY label, id";
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare(sql));
    return stmt.collect(readRow);
}

Result<std::optional<DistrustRow>> DistrustStore::get(const std::string& id) {
    static const std::string sql = std::string(kColumns) + " WHERE id = ?1";
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare(sql));
    stmt.bind(1, id);
    PEERTRUST_TRY_ASSIGN(bool found, stmt.step());
    if (!found) {
        return std::optional<DistrustRow>();
    }
    return std::optional<DistrustRow>(readRow(stmt));
}

}  // namespace peertrust::store
