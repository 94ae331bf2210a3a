#include "policy/AnchorScope.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace peertrust::policy {

namespace {

struct Network {
    int family = AF_INET;
    std::array<std::uint8_t, 16> address{};
    unsigned prefix = 0;
    std::size_t length() const { return family == AF_INET ? 4 : 16; }
};

std::optional<Network> parseNetwork(std::string_view text) {
    std::size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    std::string address(text.substr(0, slash));
    std::string_view prefixText = text.substr(slash + 1);
    Network net;
    if (inet_pton(AF_INET, address.c_str(), net.address.data()) == 1) {
        net.family = AF_INET;
    } else if (inet_pton(AF_INET6, address.c_str(), net.address.data()) == 1) {
        net.family = AF_INET6;
    } else {
        return std::nullopt;
    }
    if (prefixText.empty() || prefixText.size() > 3 ||
        !std::all_of(prefixText.begin(), prefixText.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    net.prefix = static_cast<unsigned>(std::stoul(std::string(prefixText)));
    if (net.prefix > net.length() * 8) {
        return std::nullopt;
    }
    return net;
}

bool hostBitsClear(const Network& net) {
    for (std::size_t bit = net.prefix; bit < net.length() * 8; ++bit) {
        if (net.address[bit / 8] & (0x80 >> (bit % 8))) {
            return false;
        }
    }
    return true;
}

std::string formatNetwork(const Network& net) {
    char out[INET6_ADDRSTRLEN];
    inet_ntop(net.family, net.address.data(), out, sizeof out);
    return std::string(out) + "/" + std::to_string(net.prefix);
}

bool inNetwork(const Network& net, const PeerName& peer) {
    int family = peer.kind == PeerName::Kind::Ipv4 ? AF_INET : AF_INET6;
    if (family != net.family) {
        return false;
    }
    std::array<std::uint8_t, 16> address{};
    if (inet_pton(family, peer.host.c_str(), address.data()) != 1) {
        return false;
    }
    for (std::size_t bit = 0; bit < net.prefix; ++bit) {
        std::uint8_t mask = 0x80 >> (bit % 8);
        if ((address[bit / 8] & mask) != (net.address[bit / 8] & mask)) {
            return false;
        }
    }
    return true;
}

// "www.gov.br" is within "br" and "gov.br"; "xbr" is not within "br".
bool withinDomain(std::string_view name, std::string_view domain) {
    if (name.size() < domain.size() || name.substr(name.size() - domain.size()) != domain) {
        return false;
    }
    return name.size() == domain.size() || name[name.size() - domain.size() - 1] == '.';
}

bool subtreeContains(const NameSubtree& tree, const PeerName& peer) {
    switch (tree.type) {
        case NameSubtree::Type::Dns:
            return peer.kind == PeerName::Kind::Dns && withinDomain(peer.host, tree.value);
        case NameSubtree::Type::Email:
            return peer.kind == PeerName::Kind::Email && withinDomain(peer.host, tree.value);
        case NameSubtree::Type::Ip: {
            auto net = parseNetwork(tree.value);
            return net && peer.isIp() && inNetwork(*net, peer);
        }
    }
    return false;
}

NameSubtree::Type peerType(const PeerName& peer) {
    if (peer.kind == PeerName::Kind::Email) {
        return NameSubtree::Type::Email;
    }
    return peer.isIp() ? NameSubtree::Type::Ip : NameSubtree::Type::Dns;
}

Result<void> addConstraint(gnutls_x509_name_constraints_t nc, bool permitted,
                           const NameSubtree& tree) {
    auto add = [&](gnutls_x509_subject_alt_name_t type, std::span<const std::uint8_t> value) {
        gnutls_datum_t datum = crypto::datumOf(value);
        int rc = permitted ? gnutls_x509_name_constraints_add_permitted(nc, type, &datum)
                           : gnutls_x509_name_constraints_add_excluded(nc, type, &datum);
        if (rc < 0) {
            return Result<void>(
                crypto::gnutlsError(ErrorCategory::InvalidInput,
                                    "cannot express the name scope " + toString(tree), rc));
        }
        return Result<void>();
    };
    switch (tree.type) {
        case NameSubtree::Type::Dns:
            return add(GNUTLS_SAN_DNSNAME, crypto::asBytes(tree.value));
        case NameSubtree::Type::Email: {
            // RFC 5280: "example.org" is the host's mailboxes, ".example.org" any below it.
            PEERTRUST_TRY(add(GNUTLS_SAN_RFC822NAME, crypto::asBytes(tree.value)));
            std::string below = "." + tree.value;
            return add(GNUTLS_SAN_RFC822NAME, crypto::asBytes(below));
        }
        case NameSubtree::Type::Ip: {
            auto net = parseNetwork(tree.value);
            if (!net) {
                return invalidInput("bad IP range " + tree.value);
            }
            std::array<std::uint8_t, 32> encoded{};
            std::copy_n(net->address.begin(), net->length(), encoded.begin());
            for (std::size_t bit = 0; bit < net->prefix; ++bit) {
                encoded[net->length() + bit / 8] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
            }
            return add(GNUTLS_SAN_IPADDRESS, std::span(encoded.data(), net->length() * 2));
        }
    }
    return {};
}

}  // namespace

Result<NameSubtree> parseNameSubtree(std::string_view text) {
    if (text.empty()) {
        return invalidInput("empty name scope");
    }
    if (text.front() == '@') {
        auto domain = canonicalDnsName(text.substr(1));
        if (!domain) {
            return invalidInput("e-mail scope \"" + std::string(text) +
                                "\": " + domain.error().message());
        }
        return NameSubtree{NameSubtree::Type::Email, std::move(domain).value()};
    }
    if (text.find('/') != std::string_view::npos) {
        auto net = parseNetwork(text);
        if (!net) {
            return invalidInput("IP range \"" + std::string(text) +
                                "\" must be ADDRESS/PREFIX, e.g. 192.0.2.0/24 or 2001:db8::/32");
        }
        if (!hostBitsClear(*net)) {
            return invalidInput(
                "IP range \"" + std::string(text) +
                "\" has bits set past its prefix; did you mean " + formatNetwork([&] {
                    Network masked = *net;
                    for (std::size_t bit = masked.prefix; bit < masked.length() * 8; ++bit) {
                        masked.address[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
                    }
                    return masked;
                }()) +
                "?");
        }
        // Peers are IPv4 when the address is (::ffff:10.0.0.5 is 10.0.0.5), and an IPv6 range
        // never holds an IPv4 address: a mapped range would limit nothing.
        const bool mapped = net->family == AF_INET6 &&
                            std::all_of(net->address.begin(), net->address.begin() + 10,
                                        [](std::uint8_t b) { return b == 0; }) &&
                            net->address[10] == 0xff && net->address[11] == 0xff;
        if (mapped) {
            std::string suggestion;
            if (net->prefix >= 96) {
                Network v4;
                v4.family = AF_INET;
                std::copy(net->address.begin() + 12, net->address.end(), v4.address.begin());
                v4.prefix = net->prefix - 96;
                suggestion = ": write it as " + formatNetwork(v4);
            }
            return invalidInput("IP range \"" + std::string(text) +
                                "\" is of IPv4-mapped addresses, which peers never are" +
                                suggestion);
        }
        return NameSubtree{NameSubtree::Type::Ip, formatNetwork(*net)};
    }
    std::string_view domain = text.front() == '.' ? text.substr(1) : text;
    auto canonical = canonicalDnsName(domain);
    if (!canonical) {
        return invalidInput("DNS scope \"" + std::string(text) +
                            "\": " + canonical.error().message());
    }
    return NameSubtree{NameSubtree::Type::Dns, std::move(canonical).value()};
}

std::string formatNameScope(const AnchorScope& scope) {
    std::string out;
    auto append = [&](const char* word, const std::vector<NameSubtree>& trees) {
        if (trees.empty()) {
            return;
        }
        out += out.empty() ? "" : "; ";
        out += word;
        for (std::size_t i = 0; i < trees.size(); ++i) {
            out += (i == 0 ? " " : ", ") + toString(trees[i]);
        }
    };
    append("permit", scope.permitted);
    append("exclude", scope.excluded);
    return out.empty() ? "any name" : out;
}

Result<AnchorScope> canonicalScope(const AnchorScope& scope) {
    AnchorScope out;
    out.notAfter = scope.notAfter;
    for (const auto& protocol : scope.protocols) {
        if (std::find(out.protocols.begin(), out.protocols.end(), protocol) ==
            out.protocols.end()) {
            out.protocols.push_back(protocol);
        }
    }
    for (const auto& [from, to] :
         {std::pair{&scope.permitted, &out.permitted}, std::pair{&scope.excluded, &out.excluded}}) {
        for (const NameSubtree& tree : *from) {
            std::string cliForm =
                tree.type == NameSubtree::Type::Email ? "@" + tree.value : tree.value;
            PEERTRUST_TRY_ASSIGN(NameSubtree canonical, parseNameSubtree(cliForm));
            if (canonical.type != tree.type) {
                return invalidInput("name scope \"" + tree.value + "\" is not of the kind given");
            }
            if (std::find(to->begin(), to->end(), canonical) == to->end()) {
                to->push_back(std::move(canonical));
            }
        }
    }
    if (out.permitted.size() + out.excluded.size() > 64) {
        return invalidInput("a scope may hold at most 64 name subtrees");
    }
    return out;
}

bool scopeAdmitsName(const AnchorScope& scope, const PeerName& peer) {
    for (const NameSubtree& tree : scope.excluded) {
        if (subtreeContains(tree, peer)) {
            return false;
        }
    }
    if (scope.permitted.empty()) {
        return true;
    }
    return std::any_of(scope.permitted.begin(), scope.permitted.end(), [&](const NameSubtree& t) {
        return t.type == peerType(peer) && subtreeContains(t, peer);
    });
}

Result<crypto::UniqueNameConstraints> scopeConstraints(const AnchorScope& scope,
                                                       bool excludeUnpermittedIp) {
    PEERTRUST_TRY_ASSIGN(crypto::UniqueNameConstraints nc, crypto::makeNameConstraints());
    for (const NameSubtree& tree : scope.permitted) {
        PEERTRUST_TRY(addConstraint(nc.get(), true, tree));
    }
    for (const NameSubtree& tree : scope.excluded) {
        PEERTRUST_TRY(addConstraint(nc.get(), false, tree));
    }
    bool permitsIp =
        std::any_of(scope.permitted.begin(), scope.permitted.end(),
                    [](const NameSubtree& t) { return t.type == NameSubtree::Type::Ip; });
    if (excludeUnpermittedIp && !scope.permitted.empty() && !permitsIp) {
        PEERTRUST_TRY(addConstraint(nc.get(), false, {NameSubtree::Type::Ip, "0.0.0.0/0"}));
        PEERTRUST_TRY(addConstraint(nc.get(), false, {NameSubtree::Type::Ip, "::/0"}));
    }
    return nc;
}

}  // namespace peertrust::policy
