// The verdicts a Client recently got from a full Verify, each with the SHA-256 of the key text
// that went on the wire and of the verdict: a repeat of the same input is asked with
// VerifyKnown, which carries two digests instead of the key and answers with one boolean.
// Bounded; the oldest entry makes room.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

#include "DbusWire.h"
#include "peertrust/Types.h"

namespace peertrust {

class RecentVerdicts {
public:
    struct Entry {
        wire::Sha256Digest keyTextSha256;
        Verdict verdict;
        wire::Sha256Digest verdictSha256;
    };

    explicit RecentVerdicts(std::size_t capacity) : m_capacity(capacity) {}

    // Everything of a request that decides its verdict, as one lookup key.
    static std::string identity(const VerifyRequest& request);

    const Entry* find(const std::string& identity) const;
    void remember(std::string identity, Entry entry);

private:
    std::size_t m_capacity;
    std::unordered_map<std::string, Entry> m_entries;
    std::deque<std::string> m_order;  // oldest first
};

}  // namespace peertrust
