// GnuTLS names a peer by (host, service); peertrust by (protocol, peer). The one mapping,
// shared by the gnutls_tdb glue and the import of GnuTLS known_hosts files.
#pragma once

#include <string>
#include <utility>

#include "peertrust/Error.h"
#include "peertrust/Export.h"

namespace peertrust {

// The protocol and peer GnuTLS's (host, service) pair stands for:
// - a well-known port or service name gives its protocol ("443" and "https" give https);
// - any other port, or a service name the system's services database (/etc/services) knows,
//   stays in the peer as a port, under the tls family ("8443" gives tls and "host:8443");
// - no service ("" or GnuTLS's "*": any service of the host) gives the tls family, which
//   covers every TLS protocol, as GnuTLS's own "*" entries do.
// Any other name is InvalidInput: a pin on the whole family for one unknown service would
// accept its key for every TLS protocol of the host.
PEERTRUST_API Result<std::pair<std::string, std::string>> protocolForService(
    const std::string& host, const std::string& service);

}  // namespace peertrust
