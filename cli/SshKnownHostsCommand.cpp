// peertrust ssh-known-hosts: OpenSSH's KnownHostsCommand. It prints known_hosts lines for the
// keys peertrust accepts for the host (its ssh pins, without distrusted keys), so that ssh
// itself enforces peertrust's decision: a key not printed is a key ssh does not know.
//
//   KnownHostsCommand /usr/bin/peertrust ssh-known-hosts %H %I %t %K
//
// %H is the name ssh looks up ("host" or "[host]:port"), %I why (HOSTNAME, ADDRESS or ORDER),
// %t %K the offered key ("NONE" when ssh only asks which key types it knows: ORDER).
#include <ostream>

#include "cli/Command.h"

namespace peertrust::cli {

namespace {

constexpr const char* kUsage =
    "usage: peertrust ssh-known-hosts [--pin-on-first-use] HOST [REASON [KEYTYPE KEY]]\n"
    "OpenSSH's KnownHostsCommand: prints known_hosts lines for the keys pinned for HOST over\n"
    "ssh (HOST as OpenSSH gives it: host or [host]:port). In ~/.ssh/config or ssh_config:\n"
    "  KnownHostsCommand /usr/bin/peertrust ssh-known-hosts %H %I %t %K\n"
    "  StrictHostKeyChecking yes\n"
    "Without --pin-on-first-use nothing is pinned here: a host with no pin gets no line, and\n"
    "ssh asks the person (or refuses, with StrictHostKeyChecking yes). With it, a key offered\n"
    "for a host that has no pin is pinned on first use and printed.\n";

// "[host]:port" -> "host:port"; "host" stays.
std::string peerOf(const std::string& host) {
    if (host.size() > 2 && host.front() == '[') {
        auto close = host.find("]:");
        if (close != std::string::npos) {
            return host.substr(1, close - 1) + ":" + host.substr(close + 2);
        }
    }
    return host;
}

}  // namespace

Result<int> runSshKnownHosts(CommandContext& context) {
    Arguments& args = context.args;
    if (args.helpRequested()) {
        context.out << kUsage;
        return 0;
    }
    const bool pinOnFirstUse = args.flag("pin-on-first-use");
    auto host = args.positional();
    auto reason = args.positional();
    auto keyType = args.positional();
    auto keyData = args.positional();
    PEERTRUST_TRY(args.finish());
    if (!host) {
        return usageError(std::string("ssh-known-hosts needs the HOST (OpenSSH's %H)\n") + kUsage);
    }
    if (keyType.has_value() != keyData.has_value()) {
        return usageError("ssh-known-hosts takes the offered key as KEYTYPE KEY (%t %K)");
    }
    // HOSTNAME, ADDRESS and ORDER all want the same lines; only ORDER comes without a key,
    // which OpenSSH 9.2 then passes as "NONE".
    if (keyType && (*keyType == "NONE" || (reason && *reason == "ORDER"))) {
        keyType.reset();
        keyData.reset();
    }
    const std::string peer = peerOf(*host);
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(std::vector<KnownKey> known, service->pinnedKeys("ssh", peer));
    std::size_t printed = 0;
    for (const KnownKey& key : known) {
        if (key.keyFormat == KeyFormat::OpenSsh) {
            context.out << *host << ' ' << std::string(key.key.begin(), key.key.end()) << '\n';
            ++printed;
        }
    }
    if (printed == 0 && pinOnFirstUse && keyType) {
        const std::string line = *keyType + " " + *keyData;
        VerifyRequest request{
            "ssh", peer, KeyFormat::OpenSsh, Bytes(line.begin(), line.end()), std::nullopt, true};
        PEERTRUST_TRY_ASSIGN(Verdict verdict, service->verify(request));
        if (verdict.kind == VerdictKind::Accepted) {
            context.out << *host << ' ' << line << '\n';
        }
    }
    return 0;
}

}  // namespace peertrust::cli
