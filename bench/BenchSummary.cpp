#include "BenchSummary.h"

#include <cstdio>
#include <utility>

namespace peertrust::bench {

namespace {

// The performance targets the summary checks (set with the benchmark brief; DESIGN.md
// records the stack figures they were chosen against).
constexpr double kMaxUncachedOverheadPercent = 20.0;
constexpr double kMinCachedSpeedup = 50.0;
constexpr double kMaxPinLookupMicroseconds = 10.0;

std::vector<std::string>& setupNotes() {
    static std::vector<std::string> notes;
    return notes;
}

std::string fixed(double value, int digits) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, value);
    return text;
}

const char* verdict(bool met) {
    return met ? "PASS" : "MISS";
}

// The benchmarks repeat, so the summary compares medians; a run made with
// --benchmark_repetitions=1 has only the plain figure.
std::optional<double> typical(const RecordingReporter& results, const std::string& name) {
    if (auto median = results.microsecondsPerOp(name + "_median")) {
        return median;
    }
    return results.microsecondsPerOp(name);
}

void compareChain(std::ostream& out, const RecordingReporter& results, const std::string& key) {
    auto bare = typical(results, "BM_GnutlsBare/" + key);
    auto uncached = typical(results, "BM_EngineVerifyUncached/" + key);
    auto cached = typical(results, "BM_EngineVerifyCached/" + key);
    if (!bare) {
        out << "  " << key << ": bare GnuTLS not measured: no comparison\n";
        return;
    }
    if (uncached) {
        double overhead = (*uncached / *bare - 1.0) * 100.0;
        out << "  " << key << ": engine uncached " << fixed(*uncached, 1) << " us vs bare GnuTLS "
            << fixed(*bare, 1) << " us: overhead " << (overhead >= 0 ? "+" : "")
            << fixed(overhead, 1) << "% (target <= " << fixed(kMaxUncachedOverheadPercent, 0)
            << "%) " << verdict(overhead <= kMaxUncachedOverheadPercent) << "\n";
    } else {
        out << "  " << key << ": engine uncached not measured\n";
    }
    if (cached) {
        double speedup = *bare / *cached;
        out << "  " << key << ": engine cached " << fixed(*cached, 2) << " us vs bare GnuTLS "
            << fixed(*bare, 1) << " us: " << fixed(speedup, 1)
            << "x faster (target >= " << fixed(kMinCachedSpeedup, 0) << "x) "
            << verdict(speedup >= kMinCachedSpeedup) << "\n";
    } else {
        out << "  " << key << ": engine cached not measured\n";
    }
}

}  // namespace

void RecordingReporter::ReportRuns(const std::vector<Run>& reports) {
    for (const Run& run : reports) {
        // Keyed without "/min_time:..." or "/repeats:...", which the run options add.
        std::string name = run.run_name.function_name;
        if (!run.run_name.args.empty()) {
            name += "/" + run.run_name.args;
        }
        if (run.error_occurred) {
            m_errors.push_back(name + ": " + run.error_message);
            continue;
        }
        if (run.run_type == Run::RT_Aggregate) {
            if (run.aggregate_unit != benchmark::kTime) {
                continue;  // the coefficient of variation is a percentage, not a time
            }
            name += "_" + run.aggregate_name;
        }
        // CPU time of the benchmark thread (user and kernel): on a shared machine wall time
        // also counts the time another process held the CPU. The table shows both.
        m_microseconds[name] =
            run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit) * 1e6;
    }
    benchmark::ConsoleReporter::ReportRuns(reports);
}

std::optional<double> RecordingReporter::microsecondsPerOp(const std::string& name) const {
    auto found = m_microseconds.find(name);
    if (found == m_microseconds.end()) {
        return std::nullopt;
    }
    return found->second;
}

void noteSetup(std::string line) {
    setupNotes().push_back(std::move(line));
}

void printSummary(std::ostream& out, const RecordingReporter& results) {
    out << "\nSummary (CPU time per operation, median of the repetitions, all measured in this "
           "run)\n";
    for (const std::string& note : setupNotes()) {
        out << "  setup: " << note << "\n";
    }
    compareChain(out, results, "ecdsa");
    compareChain(out, results, "rsa");
    if (auto lookup = results.microsecondsPerOp("BM_PinLookup_median")) {
        out << "  pin lookup median " << fixed(*lookup, 2)
            << " us (target <= " << fixed(kMaxPinLookupMicroseconds, 0) << " us) "
            << verdict(*lookup <= kMaxPinLookupMicroseconds) << "\n";
    } else {
        out << "  pin lookup median not measured\n";
    }
    if (auto longWal = typical(results, "BM_PinLookupThroughLongWal")) {
        out << "  for reference (no target): the same pin lookup through a WAL as long as a "
               "writer lets it grow (see setup) "
            << fixed(*longWal, 2) << " us\n";
    }
    if (auto fresh = typical(results, "BM_PinLookupFreshTransaction")) {
        out << "  for reference (no target): the same pin lookup with a fresh read transaction "
               "each time (no snapshot reuse) "
            << fixed(*fresh, 2) << " us\n";
    }
    if (auto pinned = typical(results, "BM_EngineVerifyPinnedSpki")) {
        out << "  for reference (no target): engine verify of a pinned raw key (spki over ssh, "
               "no cache, among the same pins) "
            << fixed(*pinned, 2) << " us\n";
    }
    for (const std::string& error : results.errors()) {
        out << "  ERROR " << error << "\n";
    }
}

}  // namespace peertrust::bench
