// peertrust on the bus: its name and object, and the error names of DESIGN.md, one table
// both ways. Apart from the rest of the wire form (DbusWire.h) so that a small client that
// only calls (peertrust-ssh-known-hosts) does not link GnuTLS.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <string>

#include "peertrust/Error.h"

namespace peertrust::wire {

inline constexpr const char* kBusName = "org.peertrust.Trust1";
inline constexpr const char* kObjectPath = "/org/peertrust/Trust1";

std::string errorName(ErrorCategory category);
ErrorCategory categoryFromName(const std::string& name);
sdbus::Error toDbusError(const Error& error);
Error fromDbusError(const sdbus::Error& error);

}  // namespace peertrust::wire
