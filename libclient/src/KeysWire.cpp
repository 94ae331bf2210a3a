#include "KeysWire.h"

namespace peertrust::wire {

KeyWire keyToWire(const KeyInfo& key) {
    std::vector<KeyGrantWire> grants;
    for (const KeyGrantInfo& g : key.grants) {
        grants.emplace_back(g.kind, g.subject, static_cast<std::uint32_t>(g.uid),
                            g.until.value_or(0));
    }
    return {key.id,      key.label, key.set,          key.type,
            key.use,     key.uri,   key.publicKeyPem, key.certificate.value_or(""),
            key.created, grants};
}

KeyInfo keyFromWire(const KeyWire& wire) {
    KeyInfo key;
    key.id = wire.get<0>();
    key.label = wire.get<1>();
    key.set = wire.get<2>();
    key.type = wire.get<3>();
    key.use = wire.get<4>();
    key.uri = wire.get<5>();
    key.publicKeyPem = wire.get<6>();
    if (!wire.get<7>().empty()) {
        key.certificate = wire.get<7>();
    }
    key.created = wire.get<8>();
    for (const KeyGrantWire& g : wire.get<9>()) {
        KeyGrantInfo grant{g.get<0>(), g.get<1>(), static_cast<uid_t>(g.get<2>()), std::nullopt};
        if (g.get<3>() != 0) {
            grant.until = g.get<3>();
        }
        key.grants.push_back(std::move(grant));
    }
    return key;
}

KeyAuditWire auditToWire(const KeyAuditEntry& entry) {
    return {entry.atMs,
            static_cast<std::uint32_t>(entry.uid),
            static_cast<std::uint32_t>(entry.pid),
            entry.keyId,
            entry.operation,
            entry.mechanism,
            entry.result};
}

KeyAuditEntry auditFromWire(const KeyAuditWire& wire) {
    return {wire.get<0>(),
            static_cast<uid_t>(wire.get<1>()),
            static_cast<pid_t>(wire.get<2>()),
            wire.get<3>(),
            wire.get<4>(),
            wire.get<5>(),
            wire.get<6>()};
}

}  // namespace peertrust::wire
