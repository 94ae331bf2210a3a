// The figures of one run kept by benchmark name, and the summary that compares them with the
// performance targets. Every figure in the summary was measured in the same run.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace peertrust::bench {

// Prints what the console reporter prints, and remembers each benchmark's CPU time per
// operation under its name without run options: "BM_GnutlsBare/ecdsa" for a single run,
// "BM_GnutlsBare/ecdsa_median" for the median of repetitions.
class RecordingReporter final : public benchmark::ConsoleReporter {
public:
    explicit RecordingReporter(OutputOptions options) : benchmark::ConsoleReporter(options) {}

    void ReportRuns(const std::vector<Run>& reports) override;

    std::optional<double> microsecondsPerOp(const std::string& name) const;
    // "name: message" of every benchmark that reported an error.
    const std::vector<std::string>& errors() const { return m_errors; }

private:
    std::map<std::string, double> m_microseconds;
    std::vector<std::string> m_errors;
};

// A fact about the setup worth printing with the summary (anchor counts, store build time).
void noteSetup(std::string line);

void printSummary(std::ostream& out, const RecordingReporter& results);

}  // namespace peertrust::bench
