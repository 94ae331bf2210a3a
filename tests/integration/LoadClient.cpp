// A separate client process for load tests: verifies one chain COUNT times through
// libpeertrust and checks every answer. Exit 0 when all COUNT answers had the expected reason,
// 1 on a wrong answer, 2 when a Verify failed (the daemon went away), 69 without a daemon.
// With STARTED_FILE, creates it once the first answer was right: the daemon was serving it.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "peertrust/Client.h"

int main(int argc, char** argv) {
    if (argc != 6 && argc != 7) {
        std::fprintf(stderr,
                     "usage: %s COUNT PROTOCOL PEER CHAIN_FILE EXPECTED_REASON [STARTED_FILE]\n",
                     argv[0]);
        return 64;
    }
    int count = std::atoi(argv[1]);
    std::ifstream in(argv[4], std::ios::binary);
    peertrust::Bytes chain((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto client = peertrust::Client::connect(peertrust::Bus::Session);
    if (!client) {
        std::fprintf(stderr, "connect: %s\n", client.error().message().c_str());
        return 69;
    }
    int correct = 0;
    for (int i = 0; i < count; ++i) {
        auto verdict = (*client)->verify(
            {argv[2], argv[3], peertrust::KeyFormat::X509Chain, chain, std::nullopt, false});
        if (!verdict) {
            std::fprintf(stderr, "verify %d: %s\n", i, verdict.error().message().c_str());
            return 2;
        }
        if (verdict->reason != argv[5]) {
            std::fprintf(stderr, "verify %d: %s instead of %s\n", i, verdict->reason.c_str(),
                         argv[5]);
            return 1;
        }
        if (++correct == 1 && argc == 7) {
            std::ofstream(argv[6]) << "started\n";
        }
    }
    std::printf("%d\n", correct);
    return 0;
}
