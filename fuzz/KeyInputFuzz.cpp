// libFuzzer target: the presented-key path of Verify (chains in DER, PEM or bundles; bare
// SubjectPublicKeyInfo), chosen by the first byte.
#include <cstddef>
#include <cstdint>

#include "policy/PresentedKey.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    auto format = (data[0] & 1) ? peertrust::KeyFormat::Spki : peertrust::KeyFormat::X509Chain;
    (void)peertrust::policy::parsePresentedKey(format, std::span(data + 1, size - 1));
    return 0;
}
