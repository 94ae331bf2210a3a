// One rule for every interface peertrustd serves: who is calling (the uid the bus reports,
// cached per sender) and whether that caller may write (the session's own user on a session
// bus; root and the admin group on the system bus).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "peertrust/Error.h"
#include "service/BusMode.h"
#include "service/CallerCredentials.h"

namespace sdbus {
class IObject;
}

namespace peertrust::service {

class CallerAuthority {
public:
    CallerAuthority(BusMode mode, std::string adminGroup);
    CallerAuthority(const CallerAuthority&) = delete;
    CallerAuthority& operator=(const CallerAuthority&) = delete;

    BusMode mode() const { return m_mode; }
    const WriterPolicy& writers() const { return m_writers; }
    // The sender of the message `object` is processing; call on the bus thread.
    uid_t callerUid(sdbus::IObject& object);
    bool mayWrite(uid_t uid);
    // NotAuthorized, saying the caller may not `action` ("change the machine's trust policy")
    // and who may, unless `uid` may write.
    Result<void> authorizeWrite(uid_t uid, std::string_view action);

private:
    BusMode m_mode;
    uid_t m_ownUid;  // a session bus carries only its own user's calls
    CallerCredentials m_credentials;
    WriterPolicy m_writers;
};

}  // namespace peertrust::service
