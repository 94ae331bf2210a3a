#include "peertrust/ServiceProtocol.h"

#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <optional>

#include "peertrust/TextExcerpt.h"

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

const char* wellKnownProtocol(const std::string& service) {
    for (const WellKnown& known : kServices) {
        for (const char* name : known.services) {
            if (name != nullptr && service == name) {
                return known.protocol;
            }
        }
    }
    return nullptr;
}

bool isPortNumber(const std::string& service) {
    return !service.empty() && service.size() <= 5 &&
           std::all_of(service.begin(), service.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The TCP port the services database gives `name`; getservbyname_r, as the glue may run on
// any thread of the program.
std::optional<unsigned> portOfServiceName(const std::string& name) {
    servent entry{};
    servent* found = nullptr;
    std::array<char, 4096> buffer{};
    if (getservbyname_r(name.c_str(), "tcp", &entry, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr) {
        return std::nullopt;
    }
    return ntohs(static_cast<std::uint16_t>(found->s_port));
}

}  // namespace

Result<std::pair<std::string, std::string>> protocolForService(const std::string& host,
                                                               const std::string& service) {
    if (service.empty() || service == "*") {
        return std::pair<std::string, std::string>{"tls", host};
    }
    std::string port = service;
    if (!isPortNumber(service)) {
        if (const char* protocol = wellKnownProtocol(service)) {
            return std::pair<std::string, std::string>{protocol, host};
        }
        auto number = portOfServiceName(service);
        if (!number) {
            return invalidInput("the service \"" + textExcerpt(service, 64) +
                                "\" is neither a port number nor a name the services database "
                                "(/etc/services) knows: peertrust cannot tell its port");
        }
        port = std::to_string(*number);
    }
    if (const char* protocol = wellKnownProtocol(port)) {
        return std::pair<std::string, std::string>{protocol, host};
    }
    // IPv6 literals need brackets to carry a port.
    const bool v6 = host.find(':') != std::string::npos;
    return std::pair<std::string, std::string>{"tls", (v6 ? "[" + host + "]" : host) + ":" + port};
}

}  // namespace peertrust
