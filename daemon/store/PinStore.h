// Pins of one store layer: sets of accepted keys per (peer, protocol).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peertrust/Types.h"
#include "store/Database.h"

namespace peertrust::store {

using Sha256 = std::array<std::uint8_t, 32>;

struct PinRow {
    std::string id;
    std::string peer;
    std::string protocol;
    std::string keyFormat;
    Sha256 spkiSha256{};
    Bytes keyData;  // the key as it was given (SPKI DER, SSH blob, or leaf certificate DER)
    UnixTime firstSeen = 0;
    std::string origin;
    std::optional<UnixTime> lastSeen;
    std::uint64_t seenCount = 0;
};

struct PinSighting {
    std::string pinId;
    UnixTime seenAt = 0;
    std::uint64_t count = 0;
};

class PinStore {
public:
    explicit PinStore(Database& db) : m_db(db) {}

    // Pins for `peer` under either protocol name (the protocol and its family).
    Result<std::vector<PinRow>> find(const std::string& peer, const std::string& protocol,
                                     const std::string& family);
    // Inserts; with `replace`, first removes every other key of (peer, protocol).
    // created=false when the same key was already pinned there.
    Result<AddOutcome> add(const PinRow& pin, bool replace);
    // Adds to the set inside the caller's transaction (one import, one commit).
    Result<AddOutcome> addLocked(const PinRow& pin);
    Result<bool> remove(const std::string& id);
    Result<std::vector<PinRow>> list();
    Result<std::optional<PinRow>> get(const std::string& id);
    Result<std::size_t> forgetPeer(const std::string& peer);
    // Pins neither first seen nor last seen at or after `before`.
    Result<std::size_t> forgetSeenBefore(UnixTime before);
    // One transaction for the whole batch: statistics never cost a sync per Verify.
    Result<void> recordSightings(const std::vector<PinSighting>& sightings);

private:
    Database& m_db;
};

}  // namespace peertrust::store
