#include "ResumableSessions.h"

#include <utility>

namespace peertrust {

ResumableSessions& ResumableSessions::instance() {
    static ResumableSessions sessions;
    return sessions;
}

void ResumableSessions::remember(Bytes ticket, Presented presented) {
    std::lock_guard lock(m_mutex);
    auto [at, added] = m_byTicket.insert_or_assign(ticket, std::move(presented));
    (void)at;
    if (!added) {
        return;  // a ticket seen again keeps its place
    }
    m_order.push_back(std::move(ticket));
    if (m_order.size() > kMaxTickets) {
        m_byTicket.erase(m_order.front());
        m_order.pop_front();
    }
}

std::optional<ResumableSessions::Presented> ResumableSessions::find(const Bytes& ticket) const {
    std::lock_guard lock(m_mutex);
    auto found = m_byTicket.find(ticket);
    if (found == m_byTicket.end()) {
        return std::nullopt;
    }
    return found->second;
}

}  // namespace peertrust
