#include "cli/KnownHostsAnswer.h"

#include <algorithm>

namespace peertrust::cli {

namespace {

// "[host]:port" -> "host:port"; "host" stays. An IPv6 address keeps its brackets, which a
// peer name needs too: without them "[2001:db8::1]:2222" would read as the address
// 2001:db8::1:2222 on port 22, another host.
std::string peerOf(const std::string& host) {
    if (host.size() > 2 && host.front() == '[') {
        auto close = host.find("]:");
        if (close != std::string::npos &&
            host.substr(1, close - 1).find(':') == std::string::npos) {
            return host.substr(1, close - 1) + ":" + host.substr(close + 2);
        }
    }
    return host;
}

// "ssh-ed25519" of "ssh-ed25519 AAAA... comment".
std::string keyTypeOf(const std::string& keyLine) {
    return keyLine.substr(0, keyLine.find(' '));
}

}  // namespace

std::string knownHostsUsage(std::string_view program) {
    const std::string name(program);
    return "usage: " + name +
           " [--pin-on-first-use] HOST [REASON [KEYTYPE KEY]]\n"
           "OpenSSH's KnownHostsCommand: prints known_hosts lines for the keys pinned for HOST "
           "over\nssh (HOST as OpenSSH gives it: host or [host]:port). In ~/.ssh/config or "
           "ssh_config:\n"
           "  KnownHostsCommand /usr/bin/peertrust-ssh-known-hosts %H %I %t %K\n"
           "  StrictHostKeyChecking yes\n"
           "(`peertrust ssh-known-hosts` answers the same; the separate program starts faster.)\n"
           "Without --pin-on-first-use nothing is pinned here: a host with no pin gets no line, "
           "and\nssh asks the person (or refuses, with StrictHostKeyChecking yes). With it, a key "
           "offered\nfor a host that has no pin is pinned on first use and printed. A "
           "distrusted key, or a key\nof a type the host has pinned that is not the pinned one, "
           "is printed as @revoked, so that\nssh refuses it even when its own known_hosts files "
           "list it (with StrictHostKeyChecking yes).\nssh still accepts a key only those files "
           "list: import them (peertrust pin\nimport-known-hosts) or set UserKnownHostsFile "
           "none.\n";
}

Result<KnownHostsQuery> readKnownHostsQuery(Arguments& args, std::string_view program) {
    KnownHostsQuery query;
    query.pinOnFirstUse = args.flag("pin-on-first-use");
    auto host = args.positional();
    auto reason = args.positional();
    auto keyType = args.positional();
    auto keyData = args.positional();
    PEERTRUST_TRY(args.finish());
    if (!host) {
        return usageError(std::string(program) + " needs the HOST (OpenSSH's %H)\n" +
                          knownHostsUsage(program));
    }
    if (keyType.has_value() != keyData.has_value()) {
        return usageError(std::string(program) + " takes the offered key as KEYTYPE KEY (%t %K)");
    }
    query.host = *host;
    query.peer = peerOf(*host);
    // HOSTNAME, ADDRESS and ORDER all want the same lines; only ORDER comes without a key,
    // which OpenSSH 9.2 then passes as "NONE".
    if (keyType && *keyType != "NONE" && !(reason && *reason == "ORDER")) {
        query.offeredKey = *keyType + " " + *keyData;
    }
    return query;
}

Result<void> answerKnownHosts(const KnownHostsQuery& query, const KnownHostsSource& source,
                              std::ostream& out) {
    PEERTRUST_TRY_ASSIGN(std::vector<KnownKey> known, source.pinnedKeys(query.peer));
    std::size_t printed = 0;
    for (const KnownKey& key : known) {
        if (key.keyFormat == KeyFormat::OpenSsh) {
            out << query.host << ' ' << std::string(key.key.begin(), key.key.end()) << '\n';
            ++printed;
        }
    }
    if (!query.offeredKey) {
        return {};  // ssh only asks which key types to expect
    }
    const bool pinHere = printed == 0 && query.pinOnFirstUse;
    auto checked = source.verify(query.peer, *query.offeredKey, pinHere);
    if (!checked && !pinHere && checked.error().category() == ErrorCategory::InvalidInput) {
        // A key the daemon cannot read (a host certificate, say) it accepts no more than ssh
        // would without these lines: the pinned lines stand as the whole answer.
        return {};
    }
    PEERTRUST_TRY_ASSIGN(auto verdict, std::move(checked));
    const auto& [kind, reason] = verdict;
    if (kind == VerdictKind::Accepted && pinHere) {
        out << query.host << ' ' << *query.offeredKey << '\n';
        return {};
    }
    // A replaced key: the host has a pin of the offered key's type, and this is not it.
    const std::string offeredType = keyTypeOf(*query.offeredKey);
    const bool replaced =
        reason == reason::PinMismatch &&
        std::any_of(known.begin(), known.end(), [&](const KnownKey& key) {
            return key.keyFormat == KeyFormat::OpenSsh &&
                   keyTypeOf(std::string(key.key.begin(), key.key.end())) == offeredType;
        });
    if (kind == VerdictKind::Rejected && (reason == reason::Distrusted || replaced)) {
        // ssh checks @revoked before any line that would accept the key, its own files' too.
        out << "@revoked " << query.host << ' ' << *query.offeredKey << '\n';
    }
    return {};
}

}  // namespace peertrust::cli
