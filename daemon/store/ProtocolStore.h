// Protocols an administrator (or, for one user, that user) added or re-configured.
#pragma once

#include <string>
#include <vector>

#include "peertrust/Types.h"
#include "store/Database.h"

namespace peertrust::store {

struct ProtocolRow {
    std::string name;
    std::string family;
    std::string policy;  // "tofu" or "ca-only"
    UnixTime created = 0;
};

class ProtocolStore {
public:
    explicit ProtocolStore(Database& db) : m_db(db) {}

    Result<AddOutcome> add(const ProtocolRow& row);  // created=false: identical row present
    Result<std::vector<ProtocolRow>> list();

private:
    Database& m_db;
};

}  // namespace peertrust::store
