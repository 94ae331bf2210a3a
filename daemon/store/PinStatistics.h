// Pin statistics (last seen, times seen) gathered in memory and written in batches: a Verify
// never waits for a disk sync, and a crash loses at most one batch of counts.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "peertrust/Types.h"
#include "store/PinStore.h"
#include "store/TrustStore.h"

namespace peertrust::store {

class PinStatistics {
public:
    void record(StoreLayer layer, const std::string& pinId, UnixTime seenAt);
    // Writes what was gathered to the writable layers, one transaction each. Sightings of
    // pins in a layer this process may not write are dropped; those of a layer whose write
    // fails are kept for the next flush.
    Result<void> flush(TrustStore& store);
    std::size_t pending();

private:
    using Batch = std::map<std::pair<StoreLayer, std::string>, PinSighting>;
    void putBack(const Batch& batch);
    void mergeLocked(const Batch::key_type& key, const PinSighting& sighting);

    std::mutex m_mutex;
    Batch m_pending;
};

}  // namespace peertrust::store
