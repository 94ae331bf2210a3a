#include "store/CrlStore.h"

#include <algorithm>

#include "peertrust/TimeFormat.h"

namespace peertrust::store {

namespace {

constexpr const char* kColumns =
    "SELECT id, der, issuer_dn, issuer_cert, issuer_spki_sha256, this_update, next_update, "
    "crl_number, entries, created FROM crls";

Bytes bytesOf(std::span<const std::uint8_t> blob) {
    return Bytes(blob.begin(), blob.end());
}

CrlRow readRow(const Statement& stmt) {
    CrlRow row;
    row.id = stmt.text(0);
    row.der = bytesOf(stmt.blob(1));
    row.issuerDn = bytesOf(stmt.blob(2));
    row.issuerCertDer = bytesOf(stmt.blob(3));
    row.issuerSpkiSha256 = stmt.bytes<32>(4);
    row.thisUpdate = stmt.integer(5);
    if (!stmt.isNull(6)) {
        row.nextUpdate = stmt.integer(6);
    }
    if (!stmt.isNull(7)) {
        row.crlNumber = stmt.text(7);
    }
    row.entries = stmt.integer(8);
    row.created = stmt.integer(9);
    return row;
}

// Hex numbers without leading zeros: the longer is larger, else the text order is the order.
int compareHexNumbers(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) {
        return a.size() < b.size() ? -1 : 1;
    }
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::string describe(const CrlRow& row) {
    return "CRL " + row.id +
           (row.crlNumber ? " (CRL number 0x" + *row.crlNumber + ")" : std::string());
}

}  // namespace

int compareCrlAge(const CrlRow& a, const CrlRow& b) {
    if (a.crlNumber && b.crlNumber) {
        if (int order = compareHexNumbers(*a.crlNumber, *b.crlNumber); order != 0) {
            return order;
        }
    }
    if (a.thisUpdate != b.thisUpdate) {
        return a.thisUpdate < b.thisUpdate ? -1 : 1;
    }
    return 0;
}

Result<std::optional<CrlRow>> CrlStore::findByIssuerLocked(const CrlRow& row) {
    static const std::string sql =
        std::string(kColumns) + " WHERE issuer_dn = ?1 AND issuer_spki_sha256 = ?2";
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare(sql));
    stmt.bind(1, std::span<const std::uint8_t>(row.issuerDn))
        .bind(2, std::span<const std::uint8_t>(row.issuerSpkiSha256));
    PEERTRUST_TRY_ASSIGN(bool found, stmt.step());
    if (!found) {
        return std::optional<CrlRow>();
    }
    return std::optional<CrlRow>(readRow(stmt));
}

Result<CrlPut> CrlStore::put(const CrlRow& row, const ReplaceCheck& mayReplace) {
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(m_db));
    PEERTRUST_TRY_ASSIGN(std::optional<CrlRow> stored, findByIssuerLocked(row));
    CrlPut put{{row.id, true}, std::nullopt};
    if (stored) {
        if (stored->id == row.id) {
            put.outcome.created = false;
            return put;  // the same CRL again: nothing to write
        }
        // Asked first: an older list of another scope is no older list of this one.
        if (mayReplace) {
            PEERTRUST_TRY(mayReplace(*stored));
        }
        if (compareCrlAge(*stored, row) >= 0) {
            return conflict("the store already holds " + describe(*stored) +
                            " from the same issuer, issued " + formatIsoTime(stored->thisUpdate) +
                            ", which is not older than this " + describe(row) +
                            "; remove it first (peertrust crl remove " + stored->id +
                            ") to go back to an older list");
        }
        PEERTRUST_TRY_ASSIGN(Statement drop, m_db.prepare("DELETE FROM crls WHERE id = ?1"));
        drop.bind(1, stored->id);
        PEERTRUST_TRY(drop.run());
        put.replacedId = stored->id;
    }
    PEERTRUST_TRY_ASSIGN(
        Statement stmt,
        m_db.prepare("INSERT INTO crls (id, der, issuer_dn, issuer_cert, issuer_spki_sha256, "
                     "this_update, next_update, crl_number, entries, created) VALUES (?1, ?2, ?3, "
                     "?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    stmt.bind(1, row.id)
        .bind(2, std::span<const std::uint8_t>(row.der))
        .bind(3, std::span<const std::uint8_t>(row.issuerDn))
        .bind(4, std::span<const std::uint8_t>(row.issuerCertDer))
        .bind(5, std::span<const std::uint8_t>(row.issuerSpkiSha256))
        .bind(6, row.thisUpdate)
        .bind(7, row.nextUpdate);
    if (row.crlNumber) {
        stmt.bind(8, *row.crlNumber);
    } else {
        stmt.bindNull(8);
    }
    stmt.bind(9, row.entries).bind(10, row.created);
    PEERTRUST_TRY(stmt.run());
    PEERTRUST_TRY(tx.commit());
    return put;
}

Result<bool> CrlStore::remove(const std::string& id) {
    return m_db.removeRow("crls", id);
}

Result<std::vector<CrlRow>> CrlStore::list() {
    if (!m_db.hasTable("crls")) {
        return std::vector<CrlRow>{};  // a store from before CRLs (schema 3), not yet migrated
    }
    static const std::string sql = std::string(kColumns) + " ORDER BY id";
    PEERTRUST_TRY_ASSIGN(Statement stmt, m_db.prepare(sql));
    return stmt.collect(readRow);
}

}  // namespace peertrust::store
