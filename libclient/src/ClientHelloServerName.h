// The server name (SNI, RFC 6066) a ClientHello carries, read from the message's own bytes.
// GnutlsSessionVerifier uses it to learn the name a client session sends: GnuTLS 3.7's
// gnutls_server_name_get refuses client sessions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "peertrust/Error.h"

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

}  // namespace peertrust
