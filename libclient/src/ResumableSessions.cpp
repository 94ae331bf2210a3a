#include "ResumableSessions.h"

#include <utility>

namespace peertrust {

ResumableSessions& ResumableSessions::instance() {
    static ResumableSessions sessions;
    return sessions;
}

void ResumableSessions::remember(Bytes ticket, Presented presented) {
    if (ticket.size() > kMaxTicketBytes) {
        return;  // not kept: resuming with it fails closed
    }
    std::lock_guard lock(m_mutex);
    auto found = m_byTicket.find(ticket);
    if (found != m_byTicket.end()) {
        // Ticket bytes cross the network in clear: a server that hands out another's ticket
        // with its own chain must not make either chain the one it resumes. Neither is kept.
        const Presented& kept = found->second.presented;
        if (kept.format != presented.format || kept.key != presented.key) {
            found->second.givenTwice = true;
        }
        return;
    }
    m_byTicket.emplace(ticket, Kept{std::move(presented)});
    m_order.push_back(std::move(ticket));
    if (m_order.size() > kMaxTickets) {
        m_byTicket.erase(m_order.front());
        m_order.pop_front();
    }
}

std::optional<ResumableSessions::Presented> ResumableSessions::find(const Bytes& ticket) const {
    std::lock_guard lock(m_mutex);
    auto found = m_byTicket.find(ticket);
    if (found == m_byTicket.end() || found->second.givenTwice) {
        return std::nullopt;
    }
    return found->second.presented;
}

}  // namespace peertrust
