// libFuzzer target: the server name and the offered tickets of a ClientHello (the bytes
// GnuTLS's handshake hook passes GnutlsSessionVerifier). A name read is printable ASCII; the
// same body behind a handshake header reads the same; both entry points agree; the tickets and
// the early-data flag are read from exactly the hellos the name is, each ticket non-empty and
// within the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "ClientHello.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parsed = peertrust::parseClientHelloServerName(data, size);
    std::optional<std::string> name = parsed ? *parsed : std::nullopt;
    if (name != peertrust::serverNameFromClientHello(data, size)) {
        std::abort();
    }
    if (name) {
        if (name->empty()) {
            std::abort();
        }
        for (unsigned char c : *name) {
            if (c < 0x21 || c > 0x7e) {
                std::abort();
            }
        }
    }
    auto tickets = peertrust::parseClientHelloPskIdentities(data, size);
    auto earlyData = peertrust::clientHelloOffersEarlyData(data, size);
    if (tickets.ok() != parsed.ok() || earlyData.ok() != parsed.ok()) {
        std::abort();
    }
    if (tickets) {
        std::size_t total = 0;
        for (const auto& ticket : *tickets) {
            if (ticket.empty()) {
                std::abort();
            }
            total += ticket.size();
        }
        if (total > size) {
            std::abort();
        }
    }
    if (size > 0 && data[0] != 1 && size < (1u << 24)) {
        std::vector<std::uint8_t> message = {1, static_cast<std::uint8_t>(size >> 16),
                                             static_cast<std::uint8_t>(size >> 8),
                                             static_cast<std::uint8_t>(size)};
        message.insert(message.end(), data, data + size);
        auto wrapped = peertrust::parseClientHelloServerName(message.data(), message.size());
        if (wrapped.ok() != parsed.ok() || (wrapped.ok() && *wrapped != *parsed)) {
            std::abort();
        }
    }
    return 0;
}
