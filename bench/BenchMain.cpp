// peertrust_bench: runs every benchmark, then prints the summary that compares the figures
// of this run with the performance targets. Google Benchmark flags work as usual
// (--benchmark_filter, --benchmark_out, ...); repetitions are interleaved unless
// --benchmark_enable_random_interleaving=false is given.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "BenchSummary.h"
#include "BenchSupport.h"

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
    // Repetitions of all the benchmarks run in random order, so that a burst of load elsewhere
    // spreads over every figure instead of skewing one side of a comparison. A flag given on
    // the command line comes later and wins.
    static char interleave[] = "--benchmark_enable_random_interleaving=true";
    std::vector<char*> args(argv, argv + argc);
    args.insert(args.begin() + (argc > 0 ? 1 : 0), interleave);
    args.push_back(nullptr);
    int count = static_cast<int>(args.size()) - 1;
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data())) {
        return 1;
    }
    std::string loadBefore = loadAverage();
    const peertrust::bench::MachineTime startTime = peertrust::bench::machineTime();
    // The console reporter colours only a terminal; a captured run stays plain text.
    peertrust::bench::RecordingReporter reporter(isatty(STDOUT_FILENO)
                                                     ? benchmark::ConsoleReporter::OO_ColorTabular
                                                     : benchmark::ConsoleReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    peertrust::bench::printSummary(std::cout, reporter);
    std::cout << "  1-minute load average: " << loadBefore << " before, " << loadAverage()
              << " after (" << sysconf(_SC_NPROCESSORS_ONLN) << " CPUs)\n";
    std::cout << "  "
              << peertrust::bench::stolenTimeLine(startTime, peertrust::bench::machineTime())
              << '\n';
    benchmark::Shutdown();
    // Missed targets are figures, not failures; a benchmark that could not run is one.
    return reporter.errors().empty() ? 0 : 1;
}
