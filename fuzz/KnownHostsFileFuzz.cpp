// libFuzzer target: OpenSSH known_hosts files as imported. Never fatal: every content line is
// an entry or an issue with its line number; hashed names format back to what was parsed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>

#include "crypto/HashedHostName.h"
#include "policy/KnownHostsFile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto file = peertrust::policy::parseKnownHostsFile({data, size});
    // Every content line is accounted for: an entry, or at least one issue.
    std::set<std::size_t> lines;
    for (const auto& entry : file.entries) {
        lines.insert(entry.line);
    }
    for (const auto& issue : file.issues) {
        lines.insert(issue.line);
    }
    if (lines.size() != file.contentLines) {
        std::abort();
    }
    for (const auto& issue : file.issues) {
        if (issue.line == 0 || issue.kind.empty() || issue.reason.empty()) {
            std::abort();
        }
    }
    for (const auto& entry : file.entries) {
        if (entry.key.storedForm.empty() || (entry.hosts.empty() && !entry.revoked)) {
            std::abort();
        }
        for (const auto& host : entry.hosts) {
            if (host.hashed) {
                auto text = peertrust::crypto::formatHashedHostName(*host.hashed);
                auto again = peertrust::crypto::parseHashedHostName(text);
                if (!again || again->salt != host.hashed->salt ||
                    again->hmac != host.hashed->hmac) {
                    std::abort();
                }
            } else if (host.peer.empty()) {
                std::abort();
            }
        }
    }
    return 0;
}
