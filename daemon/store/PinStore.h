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

// The columns a pin and a hashed pin share, in this order from column `first`: protocol,
// key_format, spki_sha256, key_data, first_seen, origin, last_seen, seen_count.
template <typename Row>
void readSharedPinColumns(const Statement& stmt, int first, Row& row) {
    row.protocol = stmt.text(first);
    row.keyFormat = stmt.text(first + 1);
    row.spkiSha256 = stmt.bytes<32>(first + 2);
    auto key = stmt.blob(first + 3);
    row.keyData.assign(key.begin(), key.end());
    row.firstSeen = stmt.integer(first + 4);
    row.origin = stmt.text(first + 5);
    if (!stmt.isNull(first + 6)) {
        row.lastSeen = stmt.integer(first + 6);
    }
    row.seenCount = static_cast<std::uint64_t>(stmt.integer(first + 7));
}

// Binds the columns a pin and a hashed pin share as written, from parameter `first`:
// protocol, key_format, spki_sha256, key_data, first_seen, origin.
template <typename Row>
void bindSharedPinColumns(Statement& stmt, int first, const Row& row) {
    stmt.bind(first, row.protocol)
        .bind(first + 1, row.keyFormat)
        .bind(first + 2, std::span<const std::uint8_t>(row.spkiSha256))
        .bind(first + 3, std::span<const std::uint8_t>(row.keyData))
        .bind(first + 4, row.firstSeen)
        .bind(first + 5, row.origin);
}

struct PinSighting {
    std::string pinId;
    UnixTime seenAt = 0;
    std::uint64_t count = 0;
};

// The two tables of one kind of pin: its rows and their statistics. The SQL that differs
// only in them is written once.
struct PinTables {
    const char* pins;
    const char* stats;
};
inline constexpr PinTables kPlainPinTables{"pins", "pin_stats"};
inline constexpr PinTables kHashedPinTables{"hashed_pins", "hashed_pin_stats"};

// Removes the pins of `tables` neither first seen nor last seen at or after `before`.
Result<std::size_t> forgetPinsSeenBefore(Database& db, PinTables tables, UnixTime before);
// Adds the sightings of pins of `tables` inside the caller's transaction; ids of other pins
// are skipped.
Result<void> writeSightings(Database& db, PinTables tables,
                            const std::vector<PinSighting>& sightings);

class PinStore {
public:
    explicit PinStore(Database& db) : m_db(db) {}

    // Pins for `peer` under either protocol name (the protocol and its family).
    Result<std::vector<PinRow>> find(const std::string& peer, const std::string& protocol,
                                     const std::string& family);
    // Pins of exactly `protocol` for `peer` (a family's pins on one spelling of an endpoint).
    Result<std::vector<PinRow>> findOf(const std::string& peer, const std::string& protocol);
    // Inserts; with `replace`, first removes every other key of (peer, protocol).
    // created=false when the same key was already pinned there.
    Result<AddOutcome> add(const PinRow& pin, bool replace);
    // Adds to the set inside the caller's transaction (one import, one commit).
    Result<AddOutcome> addLocked(const PinRow& pin);
    Result<bool> remove(const std::string& id);
    Result<std::vector<PinRow>> list();
    Result<std::optional<PinRow>> get(const std::string& id);
    Result<std::size_t> forgetPeer(const std::string& peer);
    // Pins on `host` over one of `protocols` only: "host:22" names ssh's "host".
    Result<std::size_t> forgetPeerOver(const std::string& host,
                                       const std::vector<std::string>& protocols);
    // Pins neither first seen nor last seen at or after `before`.
    Result<std::size_t> forgetSeenBefore(UnixTime before);
    // One transaction for the whole batch: statistics never cost a sync per Verify.
    Result<void> recordSightings(const std::vector<PinSighting>& sightings);

private:
    Database& m_db;
};

}  // namespace peertrust::store
