// GnuTLS names a peer by (host, service); peertrust by (protocol, peer). The one mapping,
// shared by the gnutls_tdb glue and the import of GnuTLS known_hosts files.
#pragma once

#include <string>
#include <utility>

#include "peertrust/Export.h"

namespace peertrust {

// The protocol and peer GnuTLS's (host, service) pair stands for: a well-known port or
// service name gives its protocol; any other port stays in the peer, under the tls family.
PEERTRUST_API std::pair<std::string, std::string> protocolForService(const std::string& host,
                                                                     const std::string& service);

}  // namespace peertrust
