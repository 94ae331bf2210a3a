#include "BenchSupport.h"

#include <chrono>

#include "store/TrustStore.h"

namespace peertrust::bench {

std::unique_ptr<policy::PolicyEngine> openEngine(const std::filesystem::path& storePath,
                                                 bool verdictCache) {
    store::StoreConfig config;
    config.systemPath = storePath;
    config.systemWritable = true;
    auto store = orThrow(store::TrustStore::open(config), "open the store " + storePath.string());
    policy::EngineOptions options{verdictCache, 4096, std::chrono::milliseconds(0)};
    return orThrow(policy::PolicyEngine::create(std::move(store), options), "create the engine");
}

}  // namespace peertrust::bench
