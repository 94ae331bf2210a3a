// Verdicts already computed, keyed by the whole input and the caller, each valid over the
// time interval in which no validity edge of the certificates involved falls. Cleared on
// every policy or pin change. The key enters as its SHA-256, so that a client repeating a
// Verify can name the key instead of sending it again (Trust1.VerifyKnown).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "peertrust/Types.h"

namespace peertrust::policy {

struct VerdictCacheKey {
    std::string protocol;
    std::string peer;
    KeyFormat keyFormat = KeyFormat::X509Chain;
    std::array<std::uint8_t, 32> keySha256{};  // of the key exactly as Verify was given it
    bool pinOnFirstUse = false;
    std::uint32_t uid = 0;
    Bytes ocsp;  // the staple decides too: a revoked response must not hit a "good" entry

    bool operator==(const VerdictCacheKey&) const = default;
};

struct VerdictCacheKeyHash {
    std::size_t operator()(const VerdictCacheKey& key) const;
};

struct CachedVerdict {
    Verdict verdict;
    std::array<std::uint8_t, 32> verdictSha256{};  // peertrust::verdictSha256(verdict)
    UnixTime validFrom = std::numeric_limits<UnixTime>::min();
    UnixTime validUntil = std::numeric_limits<UnixTime>::max();  // exclusive
    std::optional<std::string> pinId;                            // for pin statistics
    StoreLayer pinLayer = StoreLayer::User;
};

class VerdictCache {
public:
    explicit VerdictCache(std::size_t capacity) : m_capacity(capacity) {}

    std::optional<CachedVerdict> find(const VerdictCacheKey& key, UnixTime at);
    // Whether the entry for `key`, holding at `at`, is the verdict with this digest (a
    // conditional repeat; nothing is copied). When it is: the pin it matched, if any.
    struct Confirmed {
        std::optional<std::string> pinId;
        StoreLayer pinLayer = StoreLayer::User;
    };
    std::optional<Confirmed> confirm(const VerdictCacheKey& key, UnixTime at,
                                     const std::array<std::uint8_t, 32>& verdictSha256);
    // Taken before computing a verdict; an insert made after a clear() since then is dropped,
    // so a verdict computed from old policy never outlives the change.
    std::uint64_t generation();
    void insert(VerdictCacheKey key, CachedVerdict verdict, std::uint64_t generation);
    void clear();
    std::size_t size();

private:
    std::mutex m_mutex;
    std::size_t m_capacity;
    std::uint64_t m_generation = 0;
    std::unordered_map<VerdictCacheKey, CachedVerdict, VerdictCacheKeyHash> m_entries;
};

}  // namespace peertrust::policy
