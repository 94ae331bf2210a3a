#include "service/CallerAuthority.h"

#include <sdbus-c++/sdbus-c++.h>
#include <unistd.h>

#include <utility>

namespace peertrust::service {

// The daemon's own uid never changes: asked once, not with a system call on every Verify.
CallerAuthority::CallerAuthority(BusMode mode, std::string adminGroup)
    : m_mode(mode), m_ownUid(getuid()), m_writers(std::move(adminGroup)) {}

uid_t CallerAuthority::callerUid(sdbus::IObject& object) {
    if (m_mode == BusMode::Session) {
        return m_ownUid;
    }
    auto message = object.getCurrentlyProcessedMessage();
    std::string sender = message->getSender();
    if (auto uid = m_credentials.cached(sender)) {
        return *uid;
    }
    // The uid dbus-daemon took from the socket when the caller connected (UnixUserID), which
    // sd-bus reports as the effective uid. Not getCredsUid(): sd-bus reads the real uid from
    // /proc/<pid>/status, which belongs to whatever process holds that pid now (a setuid
    // program the caller started, or a reused pid).
    uid_t uid = message->getCredsEuid();
    m_credentials.remember(sender, uid);
    return uid;
}

bool CallerAuthority::mayWrite(uid_t uid) {
    return m_mode == BusMode::Session || m_writers.mayWrite(uid);
}

Result<void> CallerAuthority::authorizeWrite(uid_t uid, std::string_view action) {
    if (mayWrite(uid)) {
        return {};
    }
    return notAuthorized("uid " + std::to_string(uid) + " may not " + std::string(action) +
                         ": only root and members of the group \"" + m_writers.adminGroup() +
                         "\" may");
}

}  // namespace peertrust::service
