// libFuzzer target: the ticket of a TLS 1.3 NewSessionTicket (the bytes a server sends, which
// GnuTLS's handshake hook passes GnutlsSessionVerifier). A ticket read is non-empty, lies
// within the input, and ends where the extensions begin.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "NewSessionTicket.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto ticket = peertrust::parseNewSessionTicket(data, size);
    if (!ticket) {
        return 0;
    }
    // lifetime, age_add, nonce length, nonce, ticket length: the ticket starts after them.
    if (ticket->empty() || size < 8 + 1 || ticket->size() > size) {
        std::abort();
    }
    const std::size_t start = 8 + 1 + data[8] + 2;
    if (start + ticket->size() + 2 > size ||
        std::memcmp(data + start, ticket->data(), ticket->size()) != 0) {
        std::abort();
    }
    return 0;
}
