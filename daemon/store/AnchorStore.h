// Anchors of one store layer with their scopes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "peertrust/Types.h"
#include "store/Database.h"
#include "store/PinStore.h"

namespace peertrust::store {

struct AnchorRow {
    std::string id;
    Bytes certDer;
    Sha256 spkiSha256{};
    std::string subject;
    std::string label;
    std::string source;  // "manual" or "system"
    UnixTime created = 0;
    AnchorScope scope;
};

class AnchorStore {
public:
    explicit AnchorStore(Database& db) : m_db(db) {}

    Result<AddOutcome> add(const AnchorRow& anchor);  // created=false: already there, unchanged
    // All or nothing, in one transaction (one sync for a whole bundle).
    Result<std::vector<AddOutcome>> addMany(const std::vector<AnchorRow>& anchors);
    Result<bool> setScope(const std::string& id, const AnchorScope& scope);
    Result<bool> remove(const std::string& id);
    Result<std::vector<AnchorRow>> list();

private:
    Result<AddOutcome> addLocked(const AnchorRow& anchor);
    Result<void> writeScopeLocked(const std::string& id, const AnchorScope& scope);
    Database& m_db;
};

}  // namespace peertrust::store
