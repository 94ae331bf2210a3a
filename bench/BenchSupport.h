// Setup helpers shared by the benchmarks. A failed setup step throws with its message; the
// benchmark that needed the setup reports it with SkipWithError instead of measuring.
#pragma once

#include <benchmark/benchmark.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "peertrust/Error.h"
#include "policy/PolicyEngine.h"

namespace peertrust::bench {

template <typename T>
T orThrow(Result<T> result, const std::string& what) {
    if (!result) {
        throw std::runtime_error(what + ": " + result.error().message());
    }
    return std::move(result).value();
}

inline void orThrow(Result<void> result, const std::string& what) {
    if (!result) {
        throw std::runtime_error(what + ": " + result.error().message());
    }
}

// An engine over one writable store file, as the system daemon runs it. No statistics
// thread: sightings are written when the engine closes, so no disk sync lands in a timing.
std::unique_ptr<policy::PolicyEngine> openEngine(const std::filesystem::path& storePath,
                                                 bool verdictCache);

// The machine's CPU time so far, in clock ticks: all of it, and what the hypervisor gave to
// others while this VM wanted to run ("steal" in /proc/stat).
struct MachineTime {
    double total = 0;
    double steal = 0;
};
MachineTime machineTime();
// "CPU time stolen by the hypervisor during this run: N% ...": on a shared host the figures
// of a run are only as good as this, which a load average does not show.
std::string stolenTimeLine(const MachineTime& start, const MachineTime& end);

// Every benchmark here: microseconds, seven repetitions of at least 0.3 s, aggregates only.
// The summary compares medians, which a passing burst of load elsewhere on a small machine
// moves far less than a single figure.
inline void timingOptions(benchmark::internal::Benchmark* family) {
    family->Unit(benchmark::kMicrosecond)->MinTime(0.3)->Repetitions(7)->ReportAggregatesOnly(true);
}

// What a group of benchmarks measures against, built on first use and kept until exit, so
// that a filtered run (--benchmark_filter) builds only what it needs. A failed build is
// reported to every benchmark that asks for it, and not attempted again.
template <typename T>
class BuiltOnce {
public:
    T* get(benchmark::State& state) {
        if (!m_value && m_failure.empty()) {
            try {
                m_value = std::make_unique<T>();
            } catch (const std::exception& e) {
                m_failure = std::string("setup failed: ") + e.what();
            }
        }
        if (!m_value) {
            state.SkipWithError(m_failure.c_str());
        }
        return m_value.get();
    }

private:
    std::unique_ptr<T> m_value;
    std::string m_failure;
};

}  // namespace peertrust::bench
