#include "service/CallerCredentials.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <vector>

namespace peertrust::service {

namespace {
constexpr std::size_t kMaxSenders = 65536;
}

std::optional<uid_t> CallerCredentials::cached(const std::string& sender) {
    std::lock_guard lock(m_mutex);
    auto found = m_uids.find(sender);
    if (found == m_uids.end()) {
        return std::nullopt;
    }
    return found->second;
}

void CallerCredentials::remember(const std::string& sender, uid_t uid) {
    std::lock_guard lock(m_mutex);
    if (m_uids.size() >= kMaxSenders) {
        m_uids.clear();
    }
    m_uids[sender] = uid;
}

bool WriterPolicy::mayWrite(uid_t uid) const {
    if (uid == 0) {
        return true;
    }
    bool allowed = false;
    passwd pw{};
    passwd* user = nullptr;
    std::vector<char> buffer(16384);
    group gr{};
    group* adminGroup = nullptr;
    std::vector<char> groupBuffer(65536);
    if (getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &user) == 0 && user != nullptr &&
        getgrnam_r(m_adminGroup.c_str(), &gr, groupBuffer.data(), groupBuffer.size(),
                   &adminGroup) == 0 &&
        adminGroup != nullptr) {
        int count = 64;
        std::vector<gid_t> groups(static_cast<std::size_t>(count));
        if (getgrouplist(user->pw_name, user->pw_gid, groups.data(), &count) < 0) {
            groups.resize(static_cast<std::size_t>(count));
            getgrouplist(user->pw_name, user->pw_gid, groups.data(), &count);
        }
        groups.resize(static_cast<std::size_t>(std::max(count, 0)));
        for (gid_t gid : groups) {
            allowed = allowed || gid == adminGroup->gr_gid;
        }
    }
    return allowed;
}

}  // namespace peertrust::service
