#include "store/AnchorStore.h"

#include <algorithm>
#include <map>

namespace peertrust::store {

namespace {

std::string_view typeName(NameSubtree::Type type) {
    switch (type) {
        case NameSubtree::Type::Dns:
            return "dns";
        case NameSubtree::Type::Ip:
            return "ip";
        case NameSubtree::Type::Email:
            return "email";
    }
    return "dns";
}

NameSubtree::Type typeFromName(std::string_view name) {
    if (name == "ip") {
        return NameSubtree::Type::Ip;
    }
    if (name == "email") {
        return NameSubtree::Type::Email;
    }
    return NameSubtree::Type::Dns;
}

std::string joinProtocols(const std::vector<std::string>& protocols) {
    std::string joined;
    for (const auto& protocol : protocols) {
        if (!joined.empty()) {
            joined += ',';
        }
        joined += protocol;
    }
    return joined;
}

std::vector<std::string> splitProtocols(const std::string& joined) {
    std::vector<std::string> protocols;
    std::size_t start = 0;
    while (start <= joined.size()) {
        std::size_t end = joined.find(',', start);
        if (end == std::string::npos) {
            end = joined.size();
        }
        if (end > start) {
            protocols.push_back(joined.substr(start, end - start));
        }
        start = end + 1;
    }
    return protocols;
}

}  // namespace

Result<void> AnchorStore::writeScopeLocked(const std::string& id, const AnchorScope& scope) {
    PEERTRUST_TRY_ASSIGN(Statement scopeStmt,
                         m_db.prepare("INSERT OR REPLACE INTO anchor_scopes "
                                      "(anchor_id, protocols, not_after) VALUES (?1, ?2, ?3)"));
    scopeStmt.bind(1, id);
    if (scope.protocols.empty()) {
        scopeStmt.bindNull(2);
    } else {
        scopeStmt.bind(2, joinProtocols(scope.protocols));
    }
    scopeStmt.bind(3, scope.notAfter);
    PEERTRUST_TRY(scopeStmt.run());

    PEERTRUST_TRY_ASSIGN(Statement clear,
                         m_db.prepare("DELETE FROM anchor_subtrees WHERE anchor_id = ?1"));
    clear.bind(1, id);
    PEERTRUST_TRY(clear.run());

    PEERTRUST_TRY_ASSIGN(Statement subtree,
                         m_db.prepare("INSERT OR IGNORE INTO anchor_subtrees "
                                      "(anchor_id, kind, type, value) VALUES (?1, ?2, ?3, ?4)"));
    for (const auto& [kind, list] :
         {std::pair{"permit", &scope.permitted}, std::pair{"exclude", &scope.excluded}}) {
        for (const NameSubtree& tree : *list) {
            subtree.bind(1, id).bind(2, kind).bind(3, typeName(tree.type)).bind(4, tree.value);
            PEERTRUST_TRY(subtree.run());
            subtree.reset();
        }
    }
    return {};
}

Result<AddOutcome> AnchorStore::addLocked(const AnchorRow& anchor) {
    PEERTRUST_TRY_ASSIGN(Statement ins,
                         m_db.prepare("INSERT INTO anchors (id, cert_der, spki_sha256, subject, "
                                      "label, source, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                                      "ON CONFLICT DO NOTHING"));
    ins.bind(1, anchor.id)
        .bind(2, std::span<const std::uint8_t>(anchor.certDer))
        .bind(3, std::span<const std::uint8_t>(anchor.spkiSha256))
        .bind(4, anchor.subject)
        .bind(5, anchor.label)
        .bind(6, anchor.source)
        .bind(7, anchor.created);
    PEERTRUST_TRY(ins.run());
    bool created = sqlite3_changes(m_db.handle()) > 0;
    ins.reset();
    if (created) {
        PEERTRUST_TRY(writeScopeLocked(anchor.id, anchor.scope));
    }
    return AddOutcome{anchor.id, created};
}

Result<AddOutcome> AnchorStore::add(const AnchorRow& anchor) {
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(m_db));
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome, addLocked(anchor));
    PEERTRUST_TRY(tx.commit());
    return outcome;
}

Result<std::vector<AddOutcome>> AnchorStore::addMany(const std::vector<AnchorRow>& anchors) {
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(m_db));
    std::vector<AddOutcome> outcomes;
    for (const AnchorRow& anchor : anchors) {
        PEERTRUST_TRY_ASSIGN(AddOutcome outcome, addLocked(anchor));
        outcomes.push_back(std::move(outcome));
    }
    PEERTRUST_TRY(tx.commit());
    return outcomes;
}

Result<bool> AnchorStore::setScope(const std::string& id, const AnchorScope& scope) {
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(m_db));
    PEERTRUST_TRY_ASSIGN(Statement exists, m_db.prepare("SELECT 1 FROM anchors WHERE id = ?1"));
    exists.bind(1, id);
    PEERTRUST_TRY_ASSIGN(bool found, exists.step());
    exists.reset();
    if (!found) {
        return false;
    }
    PEERTRUST_TRY(writeScopeLocked(id, scope));
    PEERTRUST_TRY(tx.commit());
    return true;
}

Result<bool> AnchorStore::remove(const std::string& id) {
    return m_db.removeRow("anchors", id);
}

Result<std::vector<AnchorRow>> AnchorStore::list() {
    std::vector<AnchorRow> rows;
    std::map<std::string, std::size_t> index;
    {
        PEERTRUST_TRY_ASSIGN(
            Statement stmt,
            m_db.prepare("SELECT a.id, a.cert_der, a.spki_sha256, a.subject, a.label, a.source, "
                         "a.created, s.protocols, s.not_after FROM anchors a "
                         "LEFT JOIN anchor_scopes s ON s.anchor_id = a.id ORDER BY a.label, a.id"));
        while (true) {
            PEERTRUST_TRY_ASSIGN(bool more, stmt.step());
            if (!more) {
                break;
            }
            AnchorRow row;
            row.id = stmt.text(0);
            auto der = stmt.blob(1);
            row.certDer.assign(der.begin(), der.end());
            row.spkiSha256 = stmt.bytes<32>(2);
            row.subject = stmt.text(3);
            row.label = stmt.text(4);
            row.source = stmt.text(5);
            row.created = stmt.integer(6);
            if (!stmt.isNull(7)) {
                row.scope.protocols = splitProtocols(stmt.text(7));
            }
            if (!stmt.isNull(8)) {
                row.scope.notAfter = stmt.integer(8);
            }
            index[row.id] = rows.size();
            rows.push_back(std::move(row));
        }
    }
    PEERTRUST_TRY_ASSIGN(Statement trees,
                         m_db.prepare("SELECT anchor_id, kind, type, value FROM anchor_subtrees "
                                      "ORDER BY anchor_id, kind, type, value"));
    while (true) {
        PEERTRUST_TRY_ASSIGN(bool more, trees.step());
        if (!more) {
            break;
        }
        auto found = index.find(trees.text(0));
        if (found == index.end()) {
            continue;
        }
        NameSubtree tree{typeFromName(trees.text(2)), trees.text(3)};
        AnchorScope& scope = rows[found->second].scope;
        (trees.text(1) == "permit" ? scope.permitted : scope.excluded).push_back(std::move(tree));
    }
    return rows;
}

}  // namespace peertrust::store
