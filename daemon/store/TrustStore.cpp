#include "store/TrustStore.h"

#include "store/Migrations.h"

namespace peertrust::store {

namespace {

// The store's policy_generation (schema 4), or none: an older store read as it is.
std::optional<std::int64_t> policyGeneration(Database& db) {
    if (!db.hasTable("policy_generation")) {
        return std::nullopt;
    }
    auto value = db.queryInt("SELECT value FROM policy_generation WHERE id = 1");
    return value ? std::optional<std::int64_t>(*value) : std::nullopt;
}

Layer layerOf(StoreLayer which, std::unique_ptr<Database> db, std::unique_ptr<Database> writer) {
    Layer layer;
    layer.which = which;
    layer.db = std::move(db);
    layer.writable = writer != nullptr;
    layer.writer = std::move(writer);
    return layer;
}

}  // namespace

Result<std::unique_ptr<TrustStore>> TrustStore::open(const StoreConfig& config) {
    auto store = std::make_unique<TrustStore>();
    if (config.systemPath) {
        if (config.systemWritable) {
            PEERTRUST_TRY_ASSIGN(auto writer,
                                 openStoreForWriting(*config.systemPath, FileAccess::Public));
            PEERTRUST_TRY_ASSIGN(auto db, openStoreForReading(*config.systemPath));
            store->m_layers.push_back(
                layerOf(StoreLayer::System, std::move(db), std::move(writer)));
        } else {
            std::error_code ec;
            // A machine without a system store simply has no machine policy. One we cannot
            // look at (a search permission missing, a symbolic link loop) may well be there:
            // going on without it would drop the administrator's distrust.
            const bool there = std::filesystem::exists(*config.systemPath, ec);
            if (ec) {
                return unavailable("cannot tell whether the system store " +
                                   config.systemPath->string() + " exists: " + ec.message());
            }
            if (there) {
                PEERTRUST_TRY_ASSIGN(auto db, openStoreForReading(*config.systemPath));
                store->m_layers.push_back(layerOf(StoreLayer::System, std::move(db), nullptr));
            }
        }
    }
    if (config.userPath) {
        PEERTRUST_TRY_ASSIGN(auto writer,
                             openStoreForWriting(*config.userPath, FileAccess::Private));
        PEERTRUST_TRY_ASSIGN(auto db, openStoreForReading(*config.userPath));
        store->m_layers.push_back(layerOf(StoreLayer::User, std::move(db), std::move(writer)));
    }
    if (store->m_layers.empty()) {
        return invalidInput("no store configured: give a system store, a user store, or both");
    }
    for (Layer& layer : store->m_layers) {
        PEERTRUST_TRY_ASSIGN(layer.seenDataVersion, layer.db->dataVersion());
        PEERTRUST_TRY(layer.db->refreshTables());  // as of that version: a migration may be just in
        layer.seenPolicyGeneration = policyGeneration(*layer.db);
        layer.announcedPolicyGeneration = layer.seenPolicyGeneration;
    }
    return store;
}

Layer* TrustStore::writableLayer() {
    for (auto it = m_layers.rbegin(); it != m_layers.rend(); ++it) {
        if (it->writable) {
            return &*it;
        }
    }
    return nullptr;
}

Layer* TrustStore::layer(StoreLayer which) {
    for (Layer& layer : m_layers) {
        if (layer.which == which) {
            return &layer;
        }
    }
    return nullptr;
}

Result<bool> TrustStore::changedElsewhere() {
    bool changed = false;
    for (Layer& layer : m_layers) {
        PEERTRUST_TRY_ASSIGN(std::int64_t version, layer.db->dataVersion());
        if (version == layer.seenDataVersion) {
            continue;
        }
        // The owner may just have migrated an older store this process reads as it was; a
        // failed look is tried again at the next call.
        PEERTRUST_TRY(layer.db->refreshTables());
        layer.seenDataVersion = version;
        std::optional<std::int64_t> generation = policyGeneration(*layer.db);
        if (!generation || generation != layer.seenPolicyGeneration) {
            layer.seenPolicyGeneration = generation;
            changed = true;
        }
    }
    return changed;
}

bool TrustStore::takeChangesByOthers() {
    bool others = false;
    for (Layer& layer : m_layers) {
        std::optional<std::int64_t> generation = policyGeneration(*layer.db);
        if (!generation || generation == layer.announcedPolicyGeneration) {
            continue;
        }
        others = others || layer.othersBeforeOwnWrite || generation != layer.ownPolicyGeneration;
        layer.othersBeforeOwnWrite = false;
        layer.announcedPolicyGeneration = generation;
    }
    return others;
}

void TrustStore::noteWriteStarting(Layer& layer) {
    if (!layer.writer) {
        return;
    }
    std::optional<std::int64_t> generation = policyGeneration(*layer.writer);
    if (generation && generation != layer.ownPolicyGeneration &&
        generation != layer.announcedPolicyGeneration) {
        layer.othersBeforeOwnWrite = true;
    }
}

void TrustStore::noteOwnWrite(Layer& layer) {
    if (layer.writer) {
        layer.ownPolicyGeneration = policyGeneration(*layer.writer);
    }
}

}  // namespace peertrust::store
