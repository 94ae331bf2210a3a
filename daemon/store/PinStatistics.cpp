#include "store/PinStatistics.h"

#include <algorithm>
#include <vector>

namespace peertrust::store {

void PinStatistics::record(StoreLayer layer, const std::string& pinId, UnixTime seenAt) {
    std::lock_guard lock(m_mutex);
    mergeLocked({layer, pinId}, {pinId, seenAt, 1});
}

void PinStatistics::mergeLocked(const Batch::key_type& key, const PinSighting& sighting) {
    PinSighting& pending = m_pending[key];
    pending.pinId = sighting.pinId;
    pending.seenAt = std::max(pending.seenAt, sighting.seenAt);
    pending.count += sighting.count;
}

Result<void> PinStatistics::flush(TrustStore& store) {
    Batch batch;
    {
        std::lock_guard lock(m_mutex);
        batch.swap(m_pending);
    }
    for (Layer& layer : store.layers()) {
        if (!layer.writable) {
            continue;
        }
        std::vector<PinSighting> sightings;
        for (const auto& [key, sighting] : batch) {
            if (key.first == layer.which) {
                sightings.push_back(sighting);
            }
        }
        PinStore pins(*layer.writer);
        if (auto written = pins.recordSightings(sightings); !written) {
            // Kept for the next flush (a store busy with another writer is the usual cause).
            putBack(batch);
            return written;
        }
        std::erase_if(batch, [&](const auto& entry) { return entry.first.first == layer.which; });
    }
    return {};
}

void PinStatistics::putBack(const Batch& batch) {
    std::lock_guard lock(m_mutex);
    for (const auto& [key, sighting] : batch) {
        mergeLocked(key, sighting);  // with what was recorded while the flush ran
    }
}

std::size_t PinStatistics::pending() {
    std::lock_guard lock(m_mutex);
    return m_pending.size();
}

}  // namespace peertrust::store
