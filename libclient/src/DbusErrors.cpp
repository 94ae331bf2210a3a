#include "DbusErrors.h"

#include <array>
#include <utility>

namespace peertrust::wire {

namespace {

constexpr std::array<std::pair<ErrorCategory, const char*>, 7> kErrorNames = {{
    {ErrorCategory::InvalidInput, "org.peertrust.Error.InvalidInput"},
    {ErrorCategory::NotAuthorized, "org.peertrust.Error.NotAuthorized"},
    {ErrorCategory::NotFound, "org.peertrust.Error.NotFound"},
    {ErrorCategory::Conflict, "org.peertrust.Error.Conflict"},
    {ErrorCategory::Unavailable, "org.peertrust.Error.Unavailable"},
    {ErrorCategory::Internal, "org.peertrust.Error.Internal"},
    // A usage error never leaves the CLI; if it did, it is invalid input.
    {ErrorCategory::Usage, "org.peertrust.Error.InvalidInput"},
}};

}  // namespace

std::string errorName(ErrorCategory category) {
    for (const auto& [c, name] : kErrorNames) {
        if (c == category) {
            return name;
        }
    }
    return "org.peertrust.Error.Internal";
}

ErrorCategory categoryFromName(const std::string& name) {
    for (const auto& [c, n] : kErrorNames) {
        if (name == n) {
            return c;
        }
    }
    // Not ours: the bus itself failed us (no daemon, timeout, access denied by policy).
    if (name == "org.freedesktop.DBus.Error.AccessDenied") {
        return ErrorCategory::NotAuthorized;
    }
    // sd-bus's own refusal of what we were about to send (a string that is not UTF-8, say):
    // the input is at fault, not the daemon.
    if (name == "org.freedesktop.DBus.Error.InvalidArgs") {
        return ErrorCategory::InvalidInput;
    }
    return ErrorCategory::Unavailable;
}

sdbus::Error toDbusError(const Error& error) {
    return sdbus::Error(errorName(error.category()), error.message());
}

Error fromDbusError(const sdbus::Error& error) {
    ErrorCategory category = categoryFromName(error.getName());
    std::string message = error.getMessage();
    const std::string& name = error.getName();
    if (name == "org.freedesktop.DBus.Error.UnknownMethod" ||
        name == "org.freedesktop.DBus.Error.UnknownInterface" ||
        name == "org.freedesktop.DBus.Error.UnknownObject") {
        // A daemon answered, but not one that knows this call: an older peertrustd still
        // running after an upgrade, or another program owning the name.
        return Error(category,
                     "the peertrust daemon on the bus does not know this call; an older "
                     "peertrustd may still be running (restart it after an upgrade) (" +
                         name + ": " + message + ")");
    }
    if (!name.starts_with("org.peertrust.")) {
        const char* what = category == ErrorCategory::NotAuthorized
                               ? "the bus does not let this call through to peertrust ("
                           : category == ErrorCategory::InvalidInput
                               ? "the bus refused what was to be sent ("
                               : "no peertrust daemon answers (";
        message = what + name + ": " + message + ")";
    }
    return Error(category, message);
}

}  // namespace peertrust::wire
