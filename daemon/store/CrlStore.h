// Certificate revocation lists of one store layer, one per issuer (name and key): adding a
// newer CRL from the same issuer replaces the stored one, an older one is refused.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crypto/Digest.h"
#include "peertrust/Types.h"
#include "store/Database.h"

namespace peertrust::store {

struct CrlRow {
    std::string id;
    Bytes der;
    Bytes issuerDn;  // raw DER of the CRL's issuer name
    Bytes issuerCertDer;
    crypto::Sha256 issuerSpkiSha256{};
    UnixTime thisUpdate = 0;
    std::optional<UnixTime> nextUpdate;
    std::optional<std::string> crlNumber;  // lower-case hex without leading zeros
    std::int64_t entries = 0;
    UnixTime created = 0;
};

struct CrlPut {
    AddOutcome outcome;
    std::optional<std::string> replacedId;  // the older CRL of the same issuer it replaced
};

// Which of two CRLs of one issuer is newer: the higher CRL number when both carry one,
// else the later thisUpdate. Negative: `a` is older; zero: neither is newer.
int compareCrlAge(const CrlRow& a, const CrlRow& b);

class CrlStore {
public:
    explicit CrlStore(Database& db) : m_db(db) {}

    // Asked, inside the transaction, about the stored CRL of the same issuer before the two
    // are compared by age; an error leaves the stored CRL in place.
    using ReplaceCheck = std::function<Result<void>(const CrlRow& stored)>;

    // Idempotent for the same CRL; replaces an older CRL of the same issuer when `mayReplace`
    // (if given) agrees; Conflict (naming the stored CRL) when the stored one is newer or as
    // new. One transaction.
    Result<CrlPut> put(const CrlRow& row, const ReplaceCheck& mayReplace = {});
    Result<bool> remove(const std::string& id);
    Result<std::vector<CrlRow>> list();

private:
    Result<std::optional<CrlRow>> findByIssuerLocked(const CrlRow& row);
    Database& m_db;
};

}  // namespace peertrust::store
