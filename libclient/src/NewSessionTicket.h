// The ticket of a TLS 1.3 NewSessionTicket message (RFC 8446 4.6.1), read from the message's
// own bytes: GnutlsSessionVerifier keeps the chain it checked under it, so that a session
// resumed with the ticket, which carries no certificate, can be checked again.
#pragma once

#include <cstddef>

#include "peertrust/Error.h"
#include "peertrust/Types.h"

namespace peertrust {

// `data` is the message body as GnuTLS 3.7.9's handshake hook passes it (without the 4-byte
// handshake header): ticket_lifetime, ticket_age_add, ticket_nonce<0..255>,
// ticket<1..2^16-1>, extensions<0..2^16-2>. Every length is checked against what is left and
// no bytes may trail; the result is the ticket (1 to 65535 bytes).
Result<Bytes> parseNewSessionTicket(const unsigned char* data, std::size_t size);

}  // namespace peertrust
