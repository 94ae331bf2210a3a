// OpenSSH known_hosts files (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"), read for importing:
// "[@marker] hosts keytype base64 [comment]" per line, hosts a comma list of names,
// "[name]:port" and hashed names "|1|salt|hash". Never fails: what cannot be used is an
// issue with its line number, and the rest of the file still counts.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/HashedHostName.h"
#include "peertrust/Types.h"
#include "policy/PeerName.h"
#include "policy/PresentedKey.h"

namespace peertrust::policy {

inline constexpr std::size_t kMaxKnownHostsBytes = 8 * 1024 * 1024;

struct KnownHost {
    std::string peer;  // "name", "name:port" or "[v6]:port": still to be canonicalised
    std::optional<crypto::HashedHostName> hashed;  // set instead of `peer` for "|1|..."
};

struct KnownHostsEntry {
    std::size_t line = 0;
    bool revoked = false;  // "@revoked": the key must never be accepted
    std::vector<KnownHost> hosts;
    PresentedKey key;  // an OpenSSH key
};

struct KnownHostsFile {
    std::vector<KnownHostsEntry> entries;
    std::vector<ImportIssue> issues;
    std::size_t contentLines = 0;  // neither blank nor comments
};

KnownHostsFile parseKnownHostsFile(std::span<const std::uint8_t> data);

// The peer as ssh writes (and hashes) it in known_hosts: "name", or "[name]:port" when the
// port is not the protocol's default.
std::string knownHostsName(const PeerName& peer);

}  // namespace peertrust::policy
