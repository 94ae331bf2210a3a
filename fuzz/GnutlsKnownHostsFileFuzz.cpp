// libFuzzer target: GnuTLS known_hosts files as imported. Never fatal: every content line is
// an entry (with an SPKI key) or an issue with its line number.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "policy/GnutlsKnownHostsFile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto file = peertrust::policy::parseGnutlsKnownHostsFile({data, size});
    if (file.entries.size() + file.issues.size() != file.contentLines) {
        std::abort();  // one outcome per content line
    }
    for (const auto& entry : file.entries) {
        if (entry.host.empty() || entry.host == "*" || entry.key.spkiDer.empty() ||
            entry.expiration < 0) {
            std::abort();
        }
    }
    return 0;
}
