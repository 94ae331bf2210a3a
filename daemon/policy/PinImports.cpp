// The pin-file imports of PolicyEngine: OpenSSH's known_hosts and GnuTLS's known_hosts, given
// as the file's bytes. Each import is one transaction on the writable layer: nothing is
// half-written, and importing the same file again only counts duplicates.
#include <algorithm>
#include <set>

#include "peertrust/ServiceProtocol.h"
#include "peertrust/TimeFormat.h"
#include "policy/GnutlsKnownHostsFile.h"
#include "policy/KnownHostsFile.h"
#include "policy/PolicyEngine.h"
#include "policy/StableIds.h"
#include "store/DistrustStore.h"
#include "store/HashedPinStore.h"
#include "store/PinStore.h"

namespace peertrust::policy {

namespace {

// A file with content lines of which not one is an entry is the wrong file (or not text at
// all): that is an error. Bad lines among good ones are only counted.
Result<void> checkReadable(const char* format, std::size_t contentLines, std::size_t entries,
                           const std::vector<ImportIssue>& issues) {
    bool allMalformed = std::all_of(issues.begin(), issues.end(),
                                    [](const ImportIssue& i) { return i.kind == "malformed"; });
    if (contentLines == 0 || entries > 0 || !allMalformed || issues.empty()) {
        return {};
    }
    return invalidInput("this is not a " + std::string(format) + " file: none of its " +
                        std::to_string(contentLines) + " lines is an entry (line " +
                        std::to_string(issues.front().line) + ": " + issues.front().reason + ")");
}

class SummaryBuilder {
public:
    explicit SummaryBuilder(std::vector<ImportIssue> parsed) : m_issues(std::move(parsed)) {}

    void skip(std::size_t line, const char* kind, std::string reason) {
        m_issues.push_back({line, kind, std::move(reason)});
    }
    void count(const AddOutcome& outcome, std::size_t& created) {
        ++(outcome.created ? created : m_summary.alreadyPresent);
    }
    ImportSummary& summary() { return m_summary; }

    ImportSummary finish() {
        std::stable_sort(
            m_issues.begin(), m_issues.end(),
            [](const ImportIssue& a, const ImportIssue& b) { return a.line < b.line; });
        for (const ImportIssue& issue : m_issues) {
            m_summary.skippedReasons.push_back("line " + std::to_string(issue.line) + ": " +
                                               issue.kind + ": " + issue.reason);
        }
        m_summary.skipped = m_issues.size();
        m_summary.issues = std::move(m_issues);
        return std::move(m_summary);
    }

private:
    std::vector<ImportIssue> m_issues;
    ImportSummary m_summary;
};

store::PinRow importedPin(const std::string& peer, const std::string& protocol,
                          const PresentedKey& key, UnixTime now) {
    store::PinRow row;
    row.peer = peer;
    row.protocol = protocol;
    row.keyFormat = std::string(toString(key.format));
    row.spkiSha256 = key.spkiSha256;
    row.keyData = key.storedForm;
    row.firstSeen = now;
    row.origin = std::string(toString(PinOrigin::Imported));
    row.id = pinIdFor(row.peer, row.protocol, key.spkiSha256);
    return row;
}

Result<void> checkSize(const Bytes& text) {
    if (text.size() > kMaxKnownHostsBytes) {
        return invalidInput("the file is larger than " + std::to_string(kMaxKnownHostsBytes) +
                            " bytes");
    }
    return {};
}

}  // namespace

Result<ImportSummary> PolicyEngine::importKnownHosts(const Bytes& text) {
    PEERTRUST_TRY(checkSize(text));
    KnownHostsFile file = parseKnownHostsFile(text);
    PEERTRUST_TRY(
        checkReadable("known_hosts", file.contentLines, file.entries.size(), file.issues));
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    PEERTRUST_TRY_ASSIGN(const Protocol* ssh, current->protocols().find("ssh"));
    const UnixTime now = m_clock();
    SummaryBuilder builder(std::move(file.issues));

    // @revoked: distrust of the key itself (peertrust's distrust holds for every peer).
    std::vector<store::DistrustRow> distrust;
    std::set<crypto::Sha256> revoked;
    for (const KnownHostsEntry& entry : file.entries) {
        if (!entry.revoked || !revoked.insert(entry.key.spkiSha256).second) {
            continue;
        }
        store::DistrustRow row;
        row.kind = std::string(toString(DistrustKind::Spki));
        row.spkiSha256 = entry.key.spkiSha256;
        row.data = entry.key.spkiDer;
        row.id = distrustIdFor(row.kind, row.spkiSha256);
        row.label = "key " + entry.key.fingerprint + ", @revoked in known_hosts";
        row.created = now;
        distrust.push_back(std::move(row));
    }

    std::vector<store::PinRow> pins;
    std::vector<store::HashedPinRow> hashedPins;
    for (const KnownHostsEntry& entry : file.entries) {
        if (entry.revoked) {
            continue;
        }
        if (revoked.count(entry.key.spkiSha256) > 0 ||
            current->distrustOfKey(entry.key.spkiSha256)) {
            builder.skip(entry.line, "distrusted",
                         "the key " + entry.key.fingerprint +
                             " is distrusted (@revoked in this file, or a distrust entry); not "
                             "pinned");
            continue;
        }
        for (const KnownHost& host : entry.hosts) {
            if (host.hashed) {
                store::HashedPinRow row;
                row.name = *host.hashed;
                row.protocol = ssh->name;
                row.keyFormat = std::string(toString(entry.key.format));
                row.spkiSha256 = entry.key.spkiSha256;
                row.keyData = entry.key.storedForm;
                row.firstSeen = now;
                row.origin = std::string(toString(PinOrigin::Imported));
                row.id = hashedPinIdFor(crypto::formatHashedHostName(row.name), row.protocol,
                                        row.spkiSha256);
                hashedPins.push_back(std::move(row));
                continue;
            }
            auto peer = parsePeerName(host.peer, ssh->defaultPorts);
            if (!peer) {
                builder.skip(entry.line, "malformed", peer.error().message());
                continue;
            }
            pins.push_back(importedPin(peer->canonical(), ssh->name, entry.key, now));
        }
    }

    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(store::Layer * layer, writableLayerLocked());
    ImportSummary& summary = builder.summary();
    {
        PEERTRUST_TRY_ASSIGN(store::Transaction tx, store::Transaction::begin(*layer->writer));
        store::DistrustStore distrustStore(*layer->writer);
        for (const auto& row : distrust) {
            PEERTRUST_TRY_ASSIGN(AddOutcome outcome, distrustStore.addLocked(row));
            builder.count(outcome, summary.distrustAdded);
        }
        store::PinStore pinStore(*layer->writer);
        for (const auto& row : pins) {
            PEERTRUST_TRY_ASSIGN(AddOutcome outcome, pinStore.addLocked(row));
            builder.count(outcome, summary.imported);
        }
        store::HashedPinStore hashedStore(*layer->writer);
        for (const auto& row : hashedPins) {
            PEERTRUST_TRY_ASSIGN(AddOutcome outcome, hashedStore.addLocked(row));
            builder.count(outcome, summary.imported);
        }
        PEERTRUST_TRY(tx.commit());
    }
    if (summary.distrustAdded > 0) {
        policyChanged();
    } else if (summary.imported > 0) {
        pinsChanged();
    }
    return builder.finish();
}

Result<ImportSummary> PolicyEngine::importGnutlsKnownHosts(const Bytes& text) {
    PEERTRUST_TRY(checkSize(text));
    GnutlsKnownHostsFile file = parseGnutlsKnownHostsFile(text);
    PEERTRUST_TRY(
        checkReadable("GnuTLS known_hosts", file.contentLines, file.entries.size(), file.issues));
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    const UnixTime now = m_clock();
    SummaryBuilder builder(std::move(file.issues));
    std::vector<store::PinRow> pins;
    for (const GnutlsKnownHost& entry : file.entries) {
        if (entry.expiration > 0 && now > entry.expiration) {
            builder.skip(entry.line, "expired",
                         "the entry expired on " + formatIsoTime(entry.expiration));
            continue;
        }
        if (entry.expiration > 0) {
            // A pin has no end: pinning an entry meant to lapse would accept its key for ever.
            builder.skip(entry.line, "not-supported",
                         "the entry lapses on " + formatIsoTime(entry.expiration) +
                             " and peertrust pins do not expire; not pinned");
            continue;
        }
        // The same mapping as the gnutls_tdb glue, so an imported pin answers that glue.
        auto named = protocolForService(entry.host, entry.service);
        if (!named) {
            builder.skip(entry.line, "not-supported", named.error().message());
            continue;
        }
        const auto& [protocolName, peerText] = *named;
        auto protocol = current->protocols().find(protocolName);
        if (!protocol) {
            builder.skip(entry.line, "not-supported", protocol.error().message());
            continue;
        }
        auto peer = parsePeerName(peerText, (*protocol)->defaultPorts);
        if (!peer) {
            builder.skip(entry.line, "malformed", peer.error().message());
            continue;
        }
        if (current->distrustOfKey(entry.key.spkiSha256)) {
            builder.skip(entry.line, "distrusted",
                         "the key " + entry.key.fingerprint + " is distrusted; not pinned");
            continue;
        }
        pins.push_back(importedPin(peer->canonical(), (*protocol)->name, entry.key, now));
    }

    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(store::Layer * layer, writableLayerLocked());
    ImportSummary& summary = builder.summary();
    {
        PEERTRUST_TRY_ASSIGN(store::Transaction tx, store::Transaction::begin(*layer->writer));
        store::PinStore pinStore(*layer->writer);
        for (const auto& row : pins) {
            PEERTRUST_TRY_ASSIGN(AddOutcome outcome, pinStore.addLocked(row));
            builder.count(outcome, summary.imported);
        }
        PEERTRUST_TRY(tx.commit());
    }
    if (summary.imported > 0) {
        pinsChanged();
    }
    return builder.finish();
}

}  // namespace peertrust::policy
