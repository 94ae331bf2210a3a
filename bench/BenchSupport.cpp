#include "BenchSupport.h"

#include <chrono>
#include <cstdio>
#include <fstream>

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

MachineTime machineTime() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    in >> cpu;  // "cpu": user nice system idle iowait irq softirq steal ...
    MachineTime time;
    double value = 0;
    for (int i = 1; i <= 8 && in >> value; ++i) {
        time.total += value;
        if (i == 8) {
            time.steal = value;
        }
    }
    return time;
}

std::string stolenTimeLine(const MachineTime& start, const MachineTime& end) {
    const double total = end.total - start.total;
    char line[128];
    std::snprintf(line, sizeof line,
                  "CPU time stolen by the hypervisor during this run: %.1f%% of the machine's "
                  "time, idle included",
                  total > 0 ? 100 * (end.steal - start.steal) / total : 0.0);
    return line;
}

}  // namespace peertrust::bench
