#include "policy/VerdictCache.h"

#include <cstring>
#include <string_view>

namespace peertrust::policy {

std::size_t VerdictCacheKeyHash::operator()(const VerdictCacheKey& key) const {
    std::hash<std::string_view> hash;
    // The digest's bytes are uniform already; any eight of them make a good start.
    std::size_t h = 0;
    std::memcpy(&h, key.keySha256.data(), sizeof h);
    auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
    mix(hash(key.protocol));
    mix(hash(key.peer));
    mix(static_cast<std::size_t>(key.keyFormat));
    mix(key.pinOnFirstUse ? 1 : 0);
    mix(key.uid);
    mix(hash(std::string_view(reinterpret_cast<const char*>(key.ocsp.data()), key.ocsp.size())));
    return h;
}

std::optional<CachedVerdict> VerdictCache::find(const VerdictCacheKey& key, UnixTime at) {
    std::lock_guard lock(m_mutex);
    auto found = m_entries.find(key);
    if (found == m_entries.end() || at < found->second.validFrom ||
        at >= found->second.validUntil) {
        return std::nullopt;
    }
    return found->second;
}

std::optional<VerdictCache::Confirmed> VerdictCache::confirm(
    const VerdictCacheKey& key, UnixTime at, const std::array<std::uint8_t, 32>& verdictSha256) {
    std::lock_guard lock(m_mutex);
    auto found = m_entries.find(key);
    if (found == m_entries.end() || at < found->second.validFrom ||
        at >= found->second.validUntil || found->second.verdictSha256 != verdictSha256) {
        return std::nullopt;
    }
    return Confirmed{found->second.pinId, found->second.pinLayer};
}

std::uint64_t VerdictCache::generation() {
    std::lock_guard lock(m_mutex);
    return m_generation;
}

void VerdictCache::insert(VerdictCacheKey key, CachedVerdict verdict, std::uint64_t generation) {
    std::lock_guard lock(m_mutex);
    if (generation != m_generation) {
        return;
    }
    if (m_entries.size() >= m_capacity && m_entries.find(key) == m_entries.end()) {
        // Crude but bounded: drop an arbitrary entry rather than track recency per hit.
        m_entries.erase(m_entries.begin());
    }
    m_entries.insert_or_assign(std::move(key), std::move(verdict));
}

void VerdictCache::clear() {
    std::lock_guard lock(m_mutex);
    ++m_generation;
    m_entries.clear();
}

std::size_t VerdictCache::size() {
    std::lock_guard lock(m_mutex);
    return m_entries.size();
}

}  // namespace peertrust::policy
