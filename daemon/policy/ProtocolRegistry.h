// Protocol names, their families, X.509 key purposes, default ports and default policies
// (DESIGN.md, "Protocols").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "peertrust/Types.h"

namespace peertrust::policy {

inline constexpr const char* kPurposeServerAuth = "1.3.6.1.5.5.7.3.1";
inline constexpr const char* kPurposeClientAuth = "1.3.6.1.5.5.7.3.2";
inline constexpr const char* kPurposeCodeSigning = "1.3.6.1.5.5.7.3.3";
inline constexpr const char* kPurposeEmailProtection = "1.3.6.1.5.5.7.3.4";

struct Protocol {
    std::string name;
    std::string family;      // equal to name for a family
    std::string purposeOid;  // empty: no X.509 purpose
    ProtocolPolicy policy = ProtocolPolicy::CaOnly;
    std::vector<std::uint16_t> defaultPorts;
    bool builtin = false;

    bool isFamily() const { return name == family; }
};

class ProtocolRegistry {
public:
    ProtocolRegistry();  // the built-in protocols

    // Applies stored rows (lower layers first): new protocols, or a new policy for one.
    Result<void> apply(const std::string& name, const std::string& family, ProtocolPolicy policy);
    // Checks an addition before it is stored.
    Result<Protocol> validateAddition(const ProtocolAddRequest& request) const;

    Result<const Protocol*> find(const std::string& name) const;
    // The protocols a scope entry (a protocol or a family) admits.
    bool scopeAdmits(const std::vector<std::string>& scopeProtocols,
                     const Protocol& protocol) const;
    // Every member of a family (the family included).
    std::vector<const Protocol*> familyMembers(const std::string& family) const;
    // The protocols whose default ports include `port` (ssh for 22, https for 443).
    std::vector<std::string> withDefaultPort(std::uint16_t port) const;
    std::vector<ProtocolInfo> list() const;

private:
    std::map<std::string, Protocol> m_protocols;
};

}  // namespace peertrust::policy
