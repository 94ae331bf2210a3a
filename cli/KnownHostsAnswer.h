// OpenSSH's KnownHostsCommand (%H %I %t %K) answered from peertrust's ssh pins: the question
// as ssh asks it, and the known_hosts lines that answer it. Shared by `peertrust
// ssh-known-hosts` and peertrust-ssh-known-hosts, the small program for ssh_config that
// links neither GnuTLS nor SQLite (ssh starts it at every connection).
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/Arguments.h"
#include "peertrust/Types.h"

namespace peertrust::cli {

struct KnownHostsQuery {
    std::string host;                       // as ssh gives it: host or [host]:port
    std::string peer;                       // as peertrust names it: host or host:port
    std::optional<std::string> offeredKey;  // "TYPE BASE64"; none when ssh only asks (ORDER)
    bool pinOnFirstUse = false;
};

// The usage text, for `program` ("peertrust ssh-known-hosts", "peertrust-ssh-known-hosts").
std::string knownHostsUsage(std::string_view program);

// [--pin-on-first-use] HOST [REASON [KEYTYPE KEY]] from `args`, which must hold nothing else.
Result<KnownHostsQuery> readKnownHostsQuery(Arguments& args, std::string_view program);

// Where the answer comes from, as each program reaches the daemon (or a store).
struct KnownHostsSource {
    std::function<Result<std::vector<KnownKey>>(const std::string& peer)> pinnedKeys;
    // Verify of an offered key line over ssh, with pin-on-first-use or not: the verdict and
    // its reason.
    std::function<Result<std::pair<VerdictKind, std::string>>(
        const std::string& peer, const std::string& keyLine, bool pinOnFirstUse)>
        verify;
};

// Prints the known_hosts lines: the keys pinned for the host over ssh, or with
// pinOnFirstUse and no pin yet, the offered key once pinned. An offered key the daemon
// distrusts, or one of a key type the host has pinned but not the pinned key, is printed as
// @revoked: ssh also reads its own known_hosts files and would otherwise accept a key found
// there. A key of another type (ssh's UpdateHostKeys learns a host's other keys) is left to
// ssh's own checks.
Result<void> answerKnownHosts(const KnownHostsQuery& query, const KnownHostsSource& source,
                              std::ostream& out);

}  // namespace peertrust::cli
