// A separate client process for load tests: makes COUNT Verify calls through libpeertrust and
// checks every answer. Call i asks about the i-th PEER=REASON pair, round robin, with "{i}" in
// the peer replaced by i, so that one wildcard certificate gives every call a peer of its own
// (a verdict never cached) and a pair outside its names gives a rejection among acceptances.
// Exit 0 when all COUNT answers had the expected reason, 1 on a wrong answer, 2 when a Verify
// failed (the daemon went away), 69 without a daemon, 64 on bad usage.
//   --started FILE            created once the first answer was right: the daemon serves us
//   --answered FILE           at exit, the number of right answers
//   --pin-on-first-use        each call may pin its peer's key (a write in the daemon)
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "peertrust/Client.h"

namespace {

int usage(const char* program) {
    std::fprintf(stderr,
                 "usage: %s [--started FILE] [--answered FILE] [--pin-on-first-use] COUNT "
                 "PROTOCOL CHAIN_FILE PEER=REASON...\n",
                 program);
    return 64;
}

std::string peerFor(std::string pattern, int i) {
    for (auto at = pattern.find("{i}"); at != std::string::npos; at = pattern.find("{i}")) {
        pattern.replace(at, 3, std::to_string(i));
    }
    return pattern;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string startedFile, answeredFile;
    bool pinOnFirstUse = false;
    std::size_t next = 0;
    for (; next < args.size() && args[next].rfind("--", 0) == 0; ++next) {
        if (args[next] == "--pin-on-first-use") {
            pinOnFirstUse = true;
        } else if (args[next] == "--started" && next + 1 < args.size()) {
            startedFile = args[++next];
        } else if (args[next] == "--answered" && next + 1 < args.size()) {
            answeredFile = args[++next];
        } else {
            return usage(argv[0]);
        }
    }
    if (args.size() < next + 4) {
        return usage(argv[0]);
    }
    const int count = std::atoi(args[next].c_str());
    const std::string protocol = args[next + 1];
    std::ifstream in(args[next + 2], std::ios::binary);
    peertrust::Bytes chain((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::pair<std::string, std::string>> expected;
    for (std::size_t i = next + 3; i < args.size(); ++i) {
        const auto equals = args[i].find('=');
        if (equals == std::string::npos) {
            return usage(argv[0]);
        }
        expected.emplace_back(args[i].substr(0, equals), args[i].substr(equals + 1));
    }

    int correct = 0;
    auto finish = [&](int code) {
        if (!answeredFile.empty()) {
            std::ofstream(answeredFile) << correct << "\n";
        }
        return code;
    };
    auto client = peertrust::Client::connect(peertrust::Bus::Session);
    if (!client) {
        std::fprintf(stderr, "connect: %s\n", client.error().message().c_str());
        return finish(69);
    }
    for (int i = 0; i < count; ++i) {
        const auto& [pattern, reason] = expected[static_cast<std::size_t>(i) % expected.size()];
        const std::string peer = peerFor(pattern, i);
        auto verdict = (*client)->verify(
            {protocol, peer, peertrust::KeyFormat::X509Chain, chain, std::nullopt, pinOnFirstUse});
        if (!verdict) {
            std::fprintf(stderr, "verify %d (%s): %s\n", i, peer.c_str(),
                         verdict.error().message().c_str());
            return finish(2);
        }
        if (verdict->reason != reason) {
            std::fprintf(stderr, "verify %d (%s): %s instead of %s\n", i, peer.c_str(),
                         verdict->reason.c_str(), reason.c_str());
            return finish(1);
        }
        if (++correct == 1 && !startedFile.empty()) {
            std::ofstream(startedFile) << "started\n";
        }
    }
    std::printf("%d\n", correct);
    return finish(0);
}
