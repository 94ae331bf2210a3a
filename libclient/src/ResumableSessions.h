// The chains GnutlsSessionVerifier accepted, kept under the TLS 1.3 tickets their sessions were
// given: a session resumed with such a ticket carries no certificate (and GnuTLS keeps none for
// it), so the verifier checks the chain kept here against today's policy instead. One per
// process, since a program resumes a session in another gnutls_session_t than the one that got
// the ticket; bounded, the oldest forgotten first (a ticket not found fails its resumption
// closed, and the program's next full handshake is checked as usual). A ticket given out with
// two different chains resumes neither.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include "peertrust/Types.h"

namespace peertrust {

class ResumableSessions {
public:
    // What the full handshake presented: an X.509 chain (DER, leaf first) or a raw key.
    struct Presented {
        KeyFormat format = KeyFormat::X509Chain;
        Bytes key;
    };

    static ResumableSessions& instance();

    void remember(Bytes ticket, Presented presented);
    std::optional<Presented> find(const Bytes& ticket) const;

private:
    static constexpr std::size_t kMaxTickets = 256;
    static constexpr std::size_t kMaxTicketBytes = 4096;  // real ones are a few hundred

    struct Kept {
        Presented presented;
        bool givenTwice = false;  // with another chain too: resumes nothing
    };

    mutable std::mutex m_mutex;
    std::map<Bytes, Kept> m_byTicket;
    std::deque<Bytes> m_order;  // oldest first
};

}  // namespace peertrust
