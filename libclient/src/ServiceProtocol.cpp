#include "peertrust/ServiceProtocol.h"

#include <algorithm>
#include <array>

namespace peertrust {

namespace {

struct WellKnown {
    const char* protocol;
    std::array<const char*, 4> services;
};

constexpr WellKnown kServices[] = {
    {"https", {"443", "https", nullptr, nullptr}},
    {"smtp", {"25", "465", "587", "smtp"}},
    {"imap", {"143", "993", "imap", "imaps"}},
    {"pop3", {"110", "995", "pop3", "pop3s"}},
    {"xmpp", {"5222", "5269", "xmpp-client", "xmpp-server"}},
    {"ldap", {"389", "636", "ldap", "ldaps"}},
    {"ssh", {"22", "ssh", nullptr, nullptr}},
};

}  // namespace

std::pair<std::string, std::string> protocolForService(const std::string& host,
                                                       const std::string& service) {
    for (const WellKnown& known : kServices) {
        for (const char* name : known.services) {
            if (name != nullptr && service == name) {
                return {known.protocol, host};
            }
        }
    }
    bool numeric = !service.empty() && std::all_of(service.begin(), service.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
    if (numeric) {
        // IPv6 literals need brackets to carry a port.
        bool v6 = host.find(':') != std::string::npos;
        return {"tls", (v6 ? "[" + host + "]" : host) + ":" + service};
    }
    return {"tls", host};
}

}  // namespace peertrust
