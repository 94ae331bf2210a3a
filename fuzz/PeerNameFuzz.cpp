// libFuzzer target: peer name canonicalisation and name-scope parsing. A canonical name must
// canonicalise to itself.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/AnchorScope.h"
#include "policy/PeerName.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    static constexpr std::array<std::uint16_t, 2> ports = {443, 22};
    auto peer = peertrust::policy::parsePeerName(text, ports);
    if (peer) {
        std::string canonical = peer->canonical();
        auto again = peertrust::policy::parsePeerName(canonical, ports);
        if (!again || again->canonical() != canonical) {
            std::abort();
        }
    }
    (void)peertrust::policy::parseNameSubtree(text);
    return 0;
}
