#include "policy/ProtocolRegistry.h"

#include <algorithm>

#include "peertrust/TextExcerpt.h"

namespace peertrust::policy {

namespace {

bool validName(const std::string& name) {
    if (name.empty() || name.size() > 32 || name.front() == '-') {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

}  // namespace

ProtocolRegistry::ProtocolRegistry() {
    auto add = [this](Protocol p) {
        p.builtin = true;
        m_protocols[p.name] = std::move(p);
    };
    using enum ProtocolPolicy;
    add({"tls", "tls", kPurposeServerAuth, Tofu, {}, true});
    add({"https", "tls", kPurposeServerAuth, CaOnly, {443}, true});
    add({"smtp", "tls", kPurposeServerAuth, CaOnly, {25, 465, 587}, true});
    add({"imap", "tls", kPurposeServerAuth, CaOnly, {143, 993}, true});
    add({"pop3", "tls", kPurposeServerAuth, CaOnly, {110, 995}, true});
    add({"xmpp", "tls", kPurposeServerAuth, CaOnly, {5222, 5269}, true});
    add({"ldap", "tls", kPurposeServerAuth, CaOnly, {389, 636}, true});
    add({"tls-client", "tls-client", kPurposeClientAuth, CaOnly, {}, true});
    add({"email", "email", kPurposeEmailProtection, CaOnly, {}, true});
    add({"code-signing", "code-signing", kPurposeCodeSigning, CaOnly, {}, true});
    add({"ssh", "ssh", "", Tofu, {22}, true});
}

Result<Protocol> ProtocolRegistry::validateAddition(const ProtocolAddRequest& request) const {
    if (!validName(request.name)) {
        return invalidInput("protocol name \"" + request.name +
                            "\" must be 1-32 characters of a-z, 0-9 and '-'");
    }
    auto family = m_protocols.find(request.family);
    if (family == m_protocols.end() || !family->second.isFamily()) {
        std::string families;
        for (const auto& [name, protocol] : m_protocols) {
            if (protocol.isFamily()) {
                families += (families.empty() ? "" : ", ") + name;
            }
        }
        return invalidInput("unknown protocol family \"" + request.family +
                            "\" (families: " + families + ")");
    }
    auto existing = m_protocols.find(request.name);
    if (existing != m_protocols.end() && existing->second.family != request.family) {
        return conflict("protocol \"" + request.name + "\" already belongs to the family \"" +
                        existing->second.family + "\"; a protocol's family cannot change");
    }
    Protocol protocol;
    protocol.name = request.name;
    protocol.family = request.family;
    protocol.purposeOid = family->second.purposeOid;
    protocol.policy = request.policy;
    if (existing != m_protocols.end()) {
        protocol.defaultPorts = existing->second.defaultPorts;
        protocol.builtin = existing->second.builtin;
    }
    return protocol;
}

Result<void> ProtocolRegistry::apply(const std::string& name, const std::string& family,
                                     ProtocolPolicy policy) {
    PEERTRUST_TRY_ASSIGN(Protocol protocol, validateAddition({name, family, policy}));
    m_protocols[name] = std::move(protocol);
    return {};
}

Result<const Protocol*> ProtocolRegistry::find(const std::string& name) const {
    auto found = m_protocols.find(name);
    if (found == m_protocols.end()) {
        std::string known;
        for (const auto& [n, p] : m_protocols) {
            known += (known.empty() ? "" : ", ") + n;
        }
        return invalidInput("unknown protocol \"" + textExcerpt(name, 64) + "\" (known: " + known +
                            ")");
    }
    return &found->second;
}

bool ProtocolRegistry::scopeAdmits(const std::vector<std::string>& scopeProtocols,
                                   const Protocol& protocol) const {
    if (scopeProtocols.empty()) {
        return true;
    }
    return std::any_of(scopeProtocols.begin(), scopeProtocols.end(), [&](const std::string& s) {
        return s == protocol.name || s == protocol.family;
    });
}

std::vector<const Protocol*> ProtocolRegistry::familyMembers(const std::string& family) const {
    std::vector<const Protocol*> members;
    for (const auto& [name, protocol] : m_protocols) {
        if (protocol.family == family) {
            members.push_back(&protocol);
        }
    }
    return members;
}

std::vector<std::string> ProtocolRegistry::withDefaultPort(std::uint16_t port) const {
    std::vector<std::string> names;
    for (const auto& [name, protocol] : m_protocols) {
        if (std::find(protocol.defaultPorts.begin(), protocol.defaultPorts.end(), port) !=
            protocol.defaultPorts.end()) {
            names.push_back(name);
        }
    }
    return names;
}

std::vector<ProtocolInfo> ProtocolRegistry::list() const {
    std::vector<ProtocolInfo> out;
    for (const auto& [name, p] : m_protocols) {
        out.push_back({p.name, p.family, p.purposeOid, p.policy, p.builtin});
    }
    return out;
}

}  // namespace peertrust::policy
