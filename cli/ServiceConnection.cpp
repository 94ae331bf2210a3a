#include "cli/ServiceConnection.h"

#include "peertrust/Client.h"
#include "policy/PolicyEngine.h"
#include "store/StoreLocations.h"

namespace peertrust::cli {

Result<std::unique_ptr<TrustService>> connectService(const ConnectionOptions& options) {
    if (!options.db) {
        PEERTRUST_TRY_ASSIGN(auto client,
                             Client::connect(options.system ? Bus::System : Bus::Session));
        return std::unique_ptr<TrustService>(std::move(client));
    }
    store::StoreConfig config;
    if (options.system) {
        config.systemPath = *options.db;
        config.systemWritable = true;
    } else {
        config.systemPath = options.systemDb.value_or(store::kDefaultSystemStore);
        config.userPath = *options.db;
    }
    PEERTRUST_TRY_ASSIGN(auto store, store::TrustStore::open(config));
    // A one-shot process: statistics are written when it exits, no background thread.
    policy::EngineOptions engineOptions{true, 64, std::chrono::milliseconds(0)};
    PEERTRUST_TRY_ASSIGN(auto engine,
                         policy::PolicyEngine::create(std::move(store), engineOptions));
    return std::unique_ptr<TrustService>(std::move(engine));
}

Result<std::unique_ptr<KeysClient>> connectKeys(const ConnectionOptions& options) {
    if (options.db) {
        return usageError("peertrust keys talks to the daemon's key layer; --db does not apply");
    }
    return KeysClient::connect(options.system ? Bus::System : Bus::Session);
}

}  // namespace peertrust::cli
