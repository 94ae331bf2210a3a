// peertrust_bench: runs every benchmark, then prints the summary that compares the figures
// of this run with the performance targets. Google Benchmark flags work as usual
// (--benchmark_filter, --benchmark_repetitions, --benchmark_out, ...).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "BenchSummary.h"

namespace {

// The machine's load matters on a small machine where something else may be building: the
// summary shows it so that a noisy run can be recognised as one.
std::string loadAverage() {
    double load[1] = {0};
    if (getloadavg(load, 1) != 1) {
        return "unknown";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", load[0]);
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    std::string loadBefore = loadAverage();
    // The console reporter colours only a terminal; a captured run stays plain text.
    peertrust::bench::RecordingReporter reporter(isatty(STDOUT_FILENO)
                                                     ? benchmark::ConsoleReporter::OO_ColorTabular
                                                     : benchmark::ConsoleReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    peertrust::bench::printSummary(std::cout, reporter);
    std::cout << "  1-minute load average: " << loadBefore << " before, " << loadAverage()
              << " after (" << sysconf(_SC_NPROCESSORS_ONLN) << " CPUs)\n";
    benchmark::Shutdown();
    // Missed targets are figures, not failures; a benchmark that could not run is one.
    return reporter.errors().empty() ? 0 : 1;
}
