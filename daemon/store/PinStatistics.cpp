#include "store/PinStatistics.h"

#include <algorithm>
#include <vector>

namespace peertrust::store {

void PinStatistics::record(StoreLayer layer, const std::string& pinId, UnixTime seenAt) {
    std::lock_guard lock(m_mutex);
    PinSighting& sighting = m_pending[{layer, pinId}];
    sighting.pinId = pinId;
    sighting.seenAt = std::max(sighting.seenAt, seenAt);
    ++sighting.count;
}

Result<void> PinStatistics::flush(TrustStore& store) {
    std::map<std::pair<StoreLayer, std::string>, PinSighting> batch;
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
        PEERTRUST_TRY(pins.recordSightings(sightings));
    }
    return {};
}

std::size_t PinStatistics::pending() {
    std::lock_guard lock(m_mutex);
    return m_pending.size();
}

}  // namespace peertrust::store
