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
    // Verify of an offered key line over ssh, with pin-on-first-use or not: the verdict.
    std::function<Result<VerdictKind>(const std::string& peer, const std::string& keyLine,
                                      bool pinOnFirstUse)>
        verify;
};

// Prints the known_hosts lines: the keys pinned for the host over ssh, or with
// pinOnFirstUse and no pin yet, the offered key once pinned. An offered key the daemon rejects
// (distrusted, or not the pinned one) is printed as @revoked: ssh also reads its own
// known_hosts files and would otherwise accept a key found there.
Result<void> answerKnownHosts(const KnownHostsQuery& query, const KnownHostsSource& source,
                              std::ostream& out);

}  // namespace peertrust::cli
