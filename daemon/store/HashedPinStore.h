// Hashed pins of one store layer (schema 002): keys pinned for a host known only by OpenSSH's
// hashed name, HMAC-SHA1(salt, host). They answer Verify like pins, but can only be tested
// against a name, never listed by it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/HashedHostName.h"
#include "store/PinStore.h"

namespace peertrust::store {

struct HashedPinRow {
    std::string id;
    crypto::HashedHostName name;
    std::string protocol;
    std::string keyFormat;
    Sha256 spkiSha256{};
    Bytes keyData;  // as PinRow::keyData
    UnixTime firstSeen = 0;
    std::string origin;
    std::optional<UnixTime> lastSeen;
    std::uint64_t seenCount = 0;
};

// A hashed pin as a pin: its peer is the hashed name, as `pin list` shows it.
PinRow asPinRow(HashedPinRow hashed);

class HashedPinStore {
public:
    explicit HashedPinStore(Database& db) : m_db(db) {}

    // Hashed pins of either protocol name (the protocol and its family), without statistics.
    // Whether more than `limit` hashed pins are for `protocol` or `family`: reads at most
    // limit + 1 rows.
    Result<bool> moreThan(std::size_t limit, const std::string& protocol,
                          const std::string& family);
    Result<std::vector<HashedPinRow>> forProtocol(const std::string& protocol,
                                                  const std::string& family);
    // Inside the caller's transaction. created=false when it already existed.
    Result<AddOutcome> addLocked(const HashedPinRow& pin);
    Result<bool> remove(const std::string& id);
    Result<std::vector<HashedPinRow>> list();
    // Inside the caller's transaction.
    Result<std::size_t> removeIds(const std::vector<std::string>& ids);
    // Neither first seen nor last seen at or after `before`.
    Result<std::size_t> forgetSeenBefore(UnixTime before);

private:
    Database& m_db;
};

}  // namespace peertrust::store
