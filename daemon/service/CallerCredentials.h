// Who is calling: the uid the bus reports for a sender, asked once per unique bus name (the
// question is itself a bus round trip), and whether that uid may change machine policy.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace peertrust::service {

class CallerCredentials {
public:
    // Unique names are never reused while the bus runs, so an entry never goes stale; the
    // map is only bounded.
    std::optional<uid_t> cached(const std::string& sender);
    void remember(const std::string& sender, uid_t uid);

private:
    std::mutex m_mutex;
    std::unordered_map<std::string, uid_t> m_uids;
};

// Writers of the system store: root and members of the administrators' group. Asked of the
// group database at every write, not remembered: someone taken out of the group writes no
// more from that moment, whatever connection they hold (writes are rare; the lookup is not
// what they wait for).
class WriterPolicy {
public:
    explicit WriterPolicy(std::string adminGroup) : m_adminGroup(std::move(adminGroup)) {}
    bool mayWrite(uid_t uid) const;
    const std::string& adminGroup() const { return m_adminGroup; }
    // Whether the group database knows the admin group now (it may be created later).
    bool adminGroupExists() const;

private:
    std::string m_adminGroup;
};

}  // namespace peertrust::service
