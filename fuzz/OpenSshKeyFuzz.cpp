// libFuzzer target: OpenSSH public key lines (and the wire blob inside them).
#include <cstddef>
#include <cstdint>

#include "crypto/OpenSshKey.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::uint8_t> input(data, size);
    (void)peertrust::crypto::parseOpenSshLine(input);
    (void)peertrust::crypto::parseOpenSshBlob(input);
    return 0;
}
