#include "RecentVerdicts.h"

namespace peertrust {

std::string RecentVerdicts::identity(const VerifyRequest& request) {
    // NUL ends each text field (none can hold one); the key, last, is taken whole.
    std::string id;
    id.reserve(request.protocol.size() + request.peer.size() + request.ocsp.size() +
               request.key.size() + 32);
    id.append(request.protocol).push_back('\0');
    id.append(request.peer).push_back('\0');
    id.append(toString(request.keyFormat)).push_back('\0');
    id.append(request.at ? std::to_string(*request.at) : std::string("now")).push_back('\0');
    id.append(std::to_string(request.ocsp.size())).push_back('\0');
    id.append(request.ocsp.begin(), request.ocsp.end());
    id.append(request.key.begin(), request.key.end());
    return id;
}

const RecentVerdicts::Entry* RecentVerdicts::find(const std::string& identity) const {
    auto found = m_entries.find(identity);
    return found == m_entries.end() ? nullptr : &found->second;
}

void RecentVerdicts::remember(std::string identity, Entry entry) {
    if (auto found = m_entries.find(identity); found != m_entries.end()) {
        found->second = std::move(entry);
        return;
    }
    if (m_order.size() >= m_capacity) {
        m_entries.erase(m_order.front());
        m_order.pop_front();
    }
    m_order.push_back(identity);
    m_entries.emplace(std::move(identity), std::move(entry));
}

}  // namespace peertrust
