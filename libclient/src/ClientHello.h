// What a ClientHello carries that GnutlsSessionVerifier needs, read from the message's own
// bytes: the server name (SNI, RFC 6066), since GnuTLS 3.7's gnutls_server_name_get refuses
// client sessions, and the tickets it offers to resume (TLS 1.3 pre_shared_key, RFC 8446
// 4.2.11), since a resumed TLS 1.3 session keeps no certificate of the peer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "peertrust/Error.h"
#include "peertrust/Types.h"

namespace peertrust {

// `data` is one ClientHello as GnuTLS 3.7.9's handshake hook passes it: the message body from
// legacy_version on, without the handshake header, of TLS (legacy_version 3.x) or DTLS
// (0xfeff, 0xfefd; the cookie field is read). A TLS handshake message with its 4-byte header
// (type 1, 24-bit length equal to the rest) is taken too; the first byte tells them apart.
//
// The whole message must be well formed: every length is checked against what is left,
// nothing is read past data + size, no bytes may trail, no extension may repeat. The result
// is the host_name of the server_name extension (1 to 65535 bytes of printable ASCII, the only
// name type of RFC 6066, at most one), or std::nullopt when the hello has no such extension.
Result<std::optional<std::string>> parseClientHelloServerName(const unsigned char* data,
                                                              std::size_t size);

// The same, with a malformed ClientHello read as one without a server name.
std::optional<std::string> serverNameFromClientHello(const unsigned char* data, std::size_t size);

// The PSK identities of the pre_shared_key extension (each 1 to 65535 bytes; for a resumption
// they are the tickets of NewSessionTicket messages), in the order offered; none when the
// hello has no such extension. The same message checks as for the server name, and the
// extension must be well formed: at least one identity, and binders after them.
Result<std::vector<Bytes>> parseClientHelloPskIdentities(const unsigned char* data,
                                                         std::size_t size);

// Whether the hello offers early data (TLS 1.3 early_data, RFC 8446 4.2.10, empty in a
// ClientHello): data sent under the first offered ticket before the server has answered.
Result<bool> clientHelloOffersEarlyData(const unsigned char* data, std::size_t size);

}  // namespace peertrust
