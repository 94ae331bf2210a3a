// The D-Bus wire form of org.peertrust.Keys1's records (dbus/org.peertrust.Keys1.xml): shared
// by the daemon and the client library, so both read the same field order.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <string>
#include <vector>

#include "peertrust/KeyInfo.h"

namespace peertrust::wire {

// (ssux): kind, subject, uid, until (0 = no end).
using KeyGrantWire = sdbus::Struct<std::string, std::string, std::uint32_t, std::int64_t>;
// (ssssssssxa(ssux)): id, label, set, type, use, uri, public key PEM, certificate PEM or "",
// created, grants.
using KeyWire =
    sdbus::Struct<std::string, std::string, std::string, std::string, std::string, std::string,
                  std::string, std::string, std::int64_t, std::vector<KeyGrantWire>>;
// (xuussss): time_ms, uid, pid, key id, operation, mechanism, result.
using KeyAuditWire = sdbus::Struct<std::int64_t, std::uint32_t, std::uint32_t, std::string,
                                   std::string, std::string, std::string>;

KeyWire keyToWire(const KeyInfo& key);
KeyInfo keyFromWire(const KeyWire& key);
KeyAuditWire auditToWire(const KeyAuditEntry& entry);
KeyAuditEntry auditFromWire(const KeyAuditWire& entry);

}  // namespace peertrust::wire
