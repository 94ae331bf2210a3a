#include "store/ProtocolStore.h"

namespace peertrust::store {

Result<AddOutcome> ProtocolStore::add(const ProtocolRow& row) {
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(m_db));
    PEERTRUST_TRY_ASSIGN(Statement find,
                         m_db.prepare("SELECT family, policy FROM protocols WHERE name = ?1"));
    find.bind(1, row.name);
    PEERTRUST_TRY_ASSIGN(bool exists, find.step());
    if (exists) {
        bool same = find.text(0) == row.family && find.text(1) == row.policy;
        find.reset();
        if (same) {
            return AddOutcome{row.name, false};
        }
    } else {
        find.reset();
    }
    PEERTRUST_TRY_ASSIGN(Statement upsert,
                         m_db.prepare("INSERT OR REPLACE INTO protocols (name, family, policy, "
                                      "created) VALUES (?1, ?2, ?3, ?4)"));
    upsert.bind(1, row.name).bind(2, row.family).bind(3, row.policy).bind(4, row.created);
    PEERTRUST_TRY(upsert.run());
    PEERTRUST_TRY(tx.commit());
    return AddOutcome{row.name, true};
}

Result<std::vector<ProtocolRow>> ProtocolStore::list() {
    PEERTRUST_TRY_ASSIGN(Statement stmt,
                         m_db.prepare("SELECT name, family, policy, created FROM protocols "
                                      "ORDER BY name"));
    return stmt.collect([](const Statement& row) {
        return ProtocolRow{row.text(0), row.text(1), row.text(2), row.integer(3)};
    });
}

}  // namespace peertrust::store
