#include "service/CallerCredentials.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
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

namespace {

// Runs a getpwuid_r/getgrnam_r style `lookup(buffer)` with a buffer that grows while the
// entry does not fit (ERANGE: a group with many members): too small a buffer must not read as
// "no such group" and refuse its members.
template <typename Lookup>
bool lookUp(Lookup&& lookup) {
    std::vector<char> buffer(16384);
    while (true) {
        const int rc = lookup(buffer);
        if (rc != ERANGE) {
            return rc == 0;
        }
        if (buffer.size() >= (std::size_t{1} << 26)) {
            return false;  // 64 MiB: no real entry is that large
        }
        buffer.resize(buffer.size() * 4);
    }
}

std::optional<gid_t> groupId(const std::string& name) {
    std::optional<gid_t> id;
    lookUp([&](std::vector<char>& buffer) {
        group entry{};
        group* found = nullptr;
        const int rc = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
        if (rc == 0 && found != nullptr) {
            id = found->gr_gid;
        }
        return rc;
    });
    return id;
}

// Every group `uid` is in: its primary group and the supplementary ones.
std::vector<gid_t> groupsOf(uid_t uid) {
    std::string name;
    gid_t primary = 0;
    const bool known = lookUp([&](std::vector<char>& buffer) {
        passwd entry{};
        passwd* found = nullptr;
        const int rc = getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
        if (rc == 0 && found == nullptr) {
            return ENOENT;
        }
        if (rc == 0) {
            name = found->pw_name;
            primary = found->pw_gid;
        }
        return rc;
    });
    if (!known) {
        return {};
    }
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (getgrouplist(name.c_str(), primary, groups.data(), &count) < 0) {
        groups.resize(static_cast<std::size_t>(count));
        if (getgrouplist(name.c_str(), primary, groups.data(), &count) < 0) {
            return {primary};
        }
    }
    groups.resize(static_cast<std::size_t>(std::max(count, 0)));
    return groups;
}

}  // namespace

bool WriterPolicy::mayWrite(uid_t uid) const {
    if (uid == 0) {
        return true;
    }
    const std::optional<gid_t> admin = groupId(m_adminGroup);
    if (!admin) {
        return false;
    }
    const std::vector<gid_t> groups = groupsOf(uid);
    return std::find(groups.begin(), groups.end(), *admin) != groups.end();
}

bool WriterPolicy::adminGroupExists() const {
    return groupId(m_adminGroup).has_value();
}

}  // namespace peertrust::service
