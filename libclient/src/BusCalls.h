// How the library's clients reach the bus: a connection of its own to the bus asked for, and
// each proxy call with sdbus errors turned into peertrust's.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <memory>

#include "DbusWire.h"
#include "peertrust/Bus.h"
#include "peertrust/Error.h"

namespace peertrust {

// Explicitly the bus asked for: sdbus's default bus is the system bus for root.
inline std::unique_ptr<sdbus::IConnection> openConnection(Bus bus) {
    return bus == Bus::System ? sdbus::createSystemBusConnection()
                              : sdbus::createSessionBusConnection();
}

template <typename Call>
auto guarded(Call&& call) -> Result<decltype(call())> {
    try {
        return call();
    } catch (const sdbus::Error& e) {
        return wire::fromDbusError(e);
    }
}

template <typename Call>
Result<void> guardedVoid(Call&& call) {
    try {
        call();
        return {};
    } catch (const sdbus::Error& e) {
        return wire::fromDbusError(e);
    }
}

}  // namespace peertrust
