// The two store layers of DESIGN.md: the system store (machine policy) below, a user store
// (one user's pins and anchors) above. A process writes at most one of them.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "peertrust/Types.h"
#include "store/Database.h"

namespace peertrust::store {

struct StoreConfig {
    std::optional<std::filesystem::path> systemPath;
    bool systemWritable = false;  // the system daemon; otherwise read-only if it exists
    std::optional<std::filesystem::path> userPath;  // a session daemon's own store
};

// One store file. Reads and writes use separate connections: a write waiting for another
// process's lock never holds up a Verify, which only reads (WAL readers do not wait).
struct Layer {
    StoreLayer which = StoreLayer::System;
    std::unique_ptr<Database> db;      // reads
    std::unique_ptr<Database> writer;  // writes; null when this process may not write here
    bool writable = false;
    std::int64_t seenDataVersion = 0;
    std::optional<std::int64_t> seenPolicyGeneration;  // none: a store without the counter
    // The counter as this process's last write through `writer` left it.
    std::optional<std::int64_t> ownPolicyGeneration;
    // The counter when takeChangesByOthers() last looked.
    std::optional<std::int64_t> announcedPolicyGeneration;
    // Another program's write, seen as one of ours began, not yet announced.
    bool othersBeforeOwnWrite = false;
};

class TrustStore {
public:
    static Result<std::unique_ptr<TrustStore>> open(const StoreConfig& config);

    // Lowest layer first.
    std::vector<Layer>& layers() { return m_layers; }
    Layer* writableLayer();
    Layer* layer(StoreLayer which);

    // Whether a change that can alter a decision was committed to any layer since the last
    // call, by another process or another connection of ours. Pin statistics do not count
    // (the policy_generation counter); in a store without that counter every commit does.
    Result<bool> changedElsewhere();
    // Before this process writes to `layer`: a counter that neither our last write nor the
    // last announcement left means another program wrote since, which the announcement after
    // our write must not take for ours.
    void noteWriteStarting(Layer& layer);
    // After this process committed a write to `layer` (its writer's lock held): that change is
    // its own, not another process's. A write by another process that lands between
    // noteWriteStarting() and the commit counts as ours too; the cache is dropped either way,
    // only its announcement is lost.
    void noteOwnWrite(Layer& layer);
    // Whether a layer's counter moved since the last call to a value this process's own last
    // write did not leave: another program wrote it. Asked well after a write of ours (a
    // file watch's settling time), so that its noteOwnWrite() came first. Another program's
    // write followed, before the call, by one of ours still counts (noteWriteStarting). A
    // store without the counter never says so.
    bool takeChangesByOthers();

private:
    std::vector<Layer> m_layers;
};

}  // namespace peertrust::store
