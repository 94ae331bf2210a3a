// Distrust entries of one store layer: a certificate (by its hash) or a key (by SPKI hash).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "peertrust/Types.h"
#include "store/Database.h"
#include "store/PinStore.h"

namespace peertrust::store {

struct DistrustRow {
    std::string id;
    std::string kind;  // "certificate" or "spki"
    std::optional<Sha256> certSha256;
    Sha256 spkiSha256{};
    Bytes data;  // the certificate DER or SPKI DER as given
    std::string label;
    UnixTime created = 0;
};

class DistrustStore {
public:
    explicit DistrustStore(Database& db) : m_db(db) {}

    Result<AddOutcome> add(const DistrustRow& row);
    // The same inside the caller's transaction (one import, one commit).
    Result<AddOutcome> addLocked(const DistrustRow& row);
    Result<bool> remove(const std::string& id);
    Result<std::vector<DistrustRow>> list();
    Result<std::optional<DistrustRow>> get(const std::string& id);

private:
    Database& m_db;
};

}  // namespace peertrust::store
