#include "policy/PolicyEngine.h"

#include <algorithm>
#include <ctime>
#include <iterator>

#include "crypto/Digest.h"
#include "peertrust/TimeFormat.h"
#include "policy/AnchorScope.h"
#include "policy/ChainPath.h"
#include "policy/KnownHostsFile.h"
#include "policy/OcspStaple.h"
#include "policy/PeerName.h"
#include "policy/RevocationList.h"
#include "policy/StableIds.h"
#include "store/HashedPinStore.h"
#include "store/PinStore.h"

namespace peertrust::policy {

namespace {

// Hashed pins a Verify that must not wait (on the bus thread, under sd-bus's lock) may test,
// an HMAC each; with more, a worker answers.
constexpr std::size_t kHashedPinsWithoutWaiting = 32;

std::string anchorName(const CompiledAnchor& anchor) {
    return "the anchor \"" + anchor.row.label + "\" (id " + anchor.row.id + ")";
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out;
}

// Validity edges of everything a chain verdict depends on: the verdict cannot change between
// two consecutive edges, so a cached verdict is valid exactly that long.
void narrowValidity(UnixTime now, UnixTime edge, UnixTime& from, UnixTime& until) {
    if (edge <= now) {
        from = std::max(from, edge);
    } else {
        until = std::min(until, edge);
    }
}

}  // namespace

UnixTime systemClock() {
    return static_cast<UnixTime>(std::time(nullptr));
}

struct PolicyEngine::Decision {
    Verdict verdict;
    UnixTime validFrom = std::numeric_limits<UnixTime>::min();
    UnixTime validUntil = std::numeric_limits<UnixTime>::max();
    std::optional<std::string> pinId;
    StoreLayer pinLayer = StoreLayer::User;
    bool cacheable = true;
    bool wouldWait = false;  // undecided: the pins were locked and waiting was not allowed
};

PolicyEngine::PolicyEngine(Key, std::unique_ptr<store::TrustStore> store, EngineOptions options,
                           Clock clock)
    : m_options(options),
      m_clock(std::move(clock)),
      m_store(std::move(store)),
      m_cache(options.verdictCacheCapacity) {}

Result<std::unique_ptr<PolicyEngine>> PolicyEngine::create(std::unique_ptr<store::TrustStore> store,
                                                           EngineOptions options, Clock clock) {
    auto engine =
        std::make_unique<PolicyEngine>(Key(), std::move(store), options, std::move(clock));
    PEERTRUST_TRY(engine->snapshot());
    if (options.statisticsInterval.count() > 0) {
        engine->m_flusher = std::thread([raw = engine.get()] { raw->runStatisticsFlusher(); });
    }
    return engine;
}

PolicyEngine::~PolicyEngine() {
    {
        std::lock_guard lock(m_flusherMutex);
        m_stopping = true;
    }
    m_flusherWake.notify_all();
    if (m_flusher.joinable()) {
        m_flusher.join();
    }
    (void)flushPinStatistics();
    releaseReadSnapshots();
}

void PolicyEngine::runStatisticsFlusher() {
    std::unique_lock lock(m_flusherMutex);
    while (!m_stopping) {
        // Asleep until a read (which holds a snapshot) or a sighting arms it; then the
        // interval gathers what follows into one write.
        m_flusherWake.wait(lock, [&] { return m_stopping || m_flusherArmed.load(); });
        if (m_flusherWake.wait_for(lock, m_options.statisticsInterval,
                                   [&] { return m_stopping; })) {
            break;
        }
        m_flusherArmed = false;  // what comes from here on arms it again
        lock.unlock();
        (void)flushPinStatistics();
        releaseReadSnapshots();
        {
            std::lock_guard writing(m_writeMutex);
            restartLongWriteAheadLogs();
        }
        lock.lock();
        if (m_statistics.pending() > 0) {
            m_flusherArmed = true;  // a write that failed (the store busy) is tried again
        }
    }
}

void PolicyEngine::armStatisticsFlusher() {
    if (m_options.statisticsInterval.count() <= 0 ||
        m_flusherArmed.load(std::memory_order_relaxed)) {
        return;  // no flusher (the trust module flushes inline), or it is armed already
    }
    std::lock_guard lock(m_flusherMutex);
    if (!m_flusherArmed.exchange(true)) {
        m_flusherWake.notify_one();
    }
}

void PolicyEngine::recordSighting(StoreLayer layer, const std::string& pinId, UnixTime at) {
    m_statistics.record(layer, pinId, at);
    armStatisticsFlusher();  // after the record: a round that began before it comes again
}

void PolicyEngine::setOwnWriteListener(std::function<void()> listener) {
    m_ownWriteListener = std::move(listener);
}

void PolicyEngine::tellOwnWrite() {
    if (m_ownWriteListener) {
        m_ownWriteListener();
    }
}

void PolicyEngine::releaseReadSnapshots() {
    // An idle engine must not hold back the writer's checkpoints.
    std::lock_guard lock(m_readMutex);
    for (store::Layer& layer : m_store->layers()) {
        layer.db->releaseReadSnapshot();
    }
}

Result<void> PolicyEngine::flushPinStatistics() {
    std::lock_guard lock(m_writeMutex);
    return m_statistics.flush(*m_store);
}

Result<std::shared_ptr<const PolicySnapshot>> PolicyEngine::snapshot() {
    std::lock_guard lock(m_readMutex);
    return snapshotLocked();
}

Result<std::shared_ptr<const PolicySnapshot>> PolicyEngine::snapshotLocked() {
    PEERTRUST_TRY_ASSIGN(bool renewed, renewReadSnapshots());
    bool changed = false;
    if (renewed) {
        PEERTRUST_TRY_ASSIGN(changed, m_store->changedElsewhere());
    }
    if (changed) {
        // Another process wrote a layer: pins or policy, we cannot tell which.
        policyChangedLocked();
    }
    if (!m_snapshot) {
        // An engine that holds no read snapshot (the trust module, the CLI with --db) still
        // loads each layer in one read transaction: table by table, a policy could be read
        // half before and half after another process's write (an anchor still there, the
        // distrust of it already gone), a state that never existed.
        const bool wholeRead = m_options.readSnapshotAge.count() == 0;
        auto releaseAll = [&] {
            for (store::Layer& layer : m_store->layers()) {
                layer.db->releaseReadSnapshot();
            }
        };
        if (wholeRead) {
            for (store::Layer& layer : m_store->layers()) {
                if (auto held = layer.db->holdReadSnapshot(std::chrono::hours(1)); !held) {
                    releaseAll();
                    return held.error();
                }
            }
        }
        auto loaded = PolicySnapshot::load(*m_store);
        if (wholeRead) {
            releaseAll();
        }
        PEERTRUST_TRY_ASSIGN(m_snapshot, std::move(loaded));
    }
    return m_snapshot;
}

Result<bool> PolicyEngine::renewReadSnapshots() {
    // Every Verify comes here: the snapshot it holds and the sighting it records are the
    // flusher's to release and write.
    armStatisticsFlusher();
    if (m_options.readSnapshotAge.count() == 0) {
        return true;  // no snapshot is held: every statement sees the latest commit
    }
    bool renewed = false;
    for (store::Layer& layer : m_store->layers()) {
        PEERTRUST_TRY_ASSIGN(bool began, layer.db->holdReadSnapshot(m_options.readSnapshotAge));
        renewed = renewed || began;
    }
    return renewed;
}

void PolicyEngine::policyChangedLocked() {
    ++m_changes;
    m_snapshot.reset();
    m_cache.clear();
}

void PolicyEngine::policyChanged() {
    {
        std::lock_guard lock(m_readMutex);
        noteOwnWrite();
        policyChangedLocked();
        for (store::Layer& layer : m_store->layers()) {
            layer.db->releaseReadSnapshot();  // the next read sees the write
        }
    }
    restartLongWriteAheadLogs();
    tellOwnWrite();
}

void PolicyEngine::pinsChanged() {
    {
        std::lock_guard lock(m_readMutex);
        noteOwnWrite();
        ++m_changes;
        m_cache.clear();
        for (store::Layer& layer : m_store->layers()) {
            layer.db->releaseReadSnapshot();
        }
    }
    restartLongWriteAheadLogs();
    tellOwnWrite();
}

void PolicyEngine::noteOwnWrite() {
    for (store::Layer& layer : m_store->layers()) {
        if (layer.writer) {
            m_store->noteOwnWrite(layer);
        }
    }
}

void PolicyEngine::noteWriteStarting(store::Layer& layer) {
    std::lock_guard lock(m_readMutex);
    m_store->noteWriteStarting(layer);
}

Result<bool> PolicyEngine::takeChangesByOthers() {
    std::lock_guard lock(m_readMutex);
    for (store::Layer& layer : m_store->layers()) {
        layer.db->releaseReadSnapshot();  // a held snapshot would hide the latest commit
    }
    PEERTRUST_TRY_ASSIGN(bool changed, m_store->changedElsewhere());
    if (changed) {
        policyChangedLocked();
    }
    return m_store->takeChangesByOthers();
}

std::vector<std::filesystem::path> PolicyEngine::storeFiles() {
    std::lock_guard lock(m_readMutex);
    std::vector<std::filesystem::path> files;
    for (const store::Layer& layer : m_store->layers()) {
        files.push_back(layer.db->path());
    }
    return files;
}

void PolicyEngine::restartLongWriteAheadLogs() {
    // Outside m_readMutex: Verify goes on meanwhile, and its next snapshot is the latest.
    for (store::Layer& layer : m_store->layers()) {
        if (layer.writer) {
            layer.writer->restartLongWriteAheadLog();
        }
    }
}

Result<Verdict> PolicyEngine::verify(const VerifyRequest& request) {
    return verifyAs(request, 0);
}

Result<PolicyEngine::CurrentPolicy> PolicyEngine::currentPolicy() {
    std::lock_guard lock(m_readMutex);
    PEERTRUST_TRY_ASSIGN(std::shared_ptr<const PolicySnapshot> current, snapshotLocked());
    return CurrentPolicy{std::move(current), m_cache.generation()};
}

std::optional<PolicyEngine::CurrentPolicy> PolicyEngine::currentPolicyWithoutWaiting() {
    std::unique_lock lock(m_readMutex, std::try_to_lock);
    if (!lock.owns_lock()) {
        return std::nullopt;
    }
    auto renewed = renewReadSnapshots();
    if (!renewed) {
        return std::nullopt;
    }
    Result<bool> changed = false;
    if (*renewed) {
        changed = m_store->changedElsewhere();
    }
    if (!changed || *changed || !m_snapshot) {
        if (changed && *changed) {
            policyChangedLocked();  // cheap; the reload is left to verifyAs
        }
        return std::nullopt;
    }
    return CurrentPolicy{m_snapshot, m_cache.generation()};
}

std::optional<Result<Verdict>> PolicyEngine::verifyWithoutWaiting(const VerifyRequest& request,
                                                                  std::uint32_t uid) {
    if (request.pinOnFirstUse) {
        return std::nullopt;  // may write, and a write may wait for the store's lock
    }
    std::optional<CurrentPolicy> current = currentPolicyWithoutWaiting();
    if (!current) {
        return std::nullopt;
    }
    return verifyWith(*current, request, uid, Waiting::Never);
}

bool PolicyEngine::cachedVerdictHolds(const VerdictCacheKey& key, std::optional<UnixTime> at,
                                      const std::array<std::uint8_t, 32>& verdictSha256) {
    // Pinning on first use may write, which only a full Verify does (and authorises).
    if (!m_options.verdictCache || key.pinOnFirstUse) {
        return false;
    }
    // The cache is cleared when this daemon changes the store; a change written by another
    // process is only noticed here.
    if (!currentPolicyWithoutWaiting()) {
        return false;
    }
    UnixTime now = at.value_or(m_clock());
    auto confirmed = m_cache.confirm(key, now, verdictSha256);
    if (!confirmed) {
        return false;
    }
    if (confirmed->pinId) {
        recordSighting(confirmed->pinLayer, *confirmed->pinId, now);
    }
    return true;
}

Result<Verdict> PolicyEngine::verifyAs(const VerifyRequest& request, std::uint32_t uid) {
    PEERTRUST_TRY_ASSIGN(CurrentPolicy current, currentPolicy());
    Result<Verdict> verdict = *verifyWith(current, request, uid, Waiting::Allowed);
    flushStatisticsWithoutFlusher();
    return verdict;
}

void PolicyEngine::flushStatisticsWithoutFlusher() {
    // An engine inside another program (the trust module) has no thread of its own: the
    // sightings it gathers are written here, at most every few seconds, so that a program that runs
    // for days and is then killed loses seconds of them, not all.
    if (m_options.statisticsInterval.count() > 0 || m_statistics.pending() == 0) {
        return;
    }
    std::lock_guard lock(m_writeMutex);
    const auto now = std::chrono::steady_clock::now();
    if (now - m_lastInlineFlush < m_options.inlineStatisticsEvery) {
        return;
    }
    m_lastInlineFlush = now;
    (void)m_statistics.flush(*m_store);
}

Result<std::vector<store::PinRow>> PolicyEngine::pinsAnswering(store::PinStore& pins,
                                                               const PeerName& peer,
                                                               const Protocol& protocol) {
    PEERTRUST_TRY_ASSIGN(auto rows, pins.find(peer.canonical(), protocol.name, protocol.family));
    // https's "host" is host:443 and nothing else, so the family's pins on "host:443" answer
    // it too (a member's pin answers only that member). Not so for smtp's "host", which is any
    // of three ports: a pin on one of them says nothing of the others.
    if (!protocol.isFamily() && protocol.defaultPorts.size() == 1 && !peer.port &&
        peer.kind != PeerName::Kind::Email) {
        PeerName onDefaultPort = peer;
        onDefaultPort.port = protocol.defaultPorts.front();
        PEERTRUST_TRY_ASSIGN(auto familyRows,
                             pins.findOf(onDefaultPort.canonical(), protocol.family));
        std::move(familyRows.begin(), familyRows.end(), std::back_inserter(rows));
    }
    return rows;
}

std::optional<Result<Verdict>> PolicyEngine::verifyWith(const CurrentPolicy& policy,
                                                        const VerifyRequest& request,
                                                        std::uint32_t uid, Waiting waiting) {
    const PolicySnapshot& current = *policy.snapshot;
    UnixTime now = request.at.value_or(m_clock());
    std::optional<VerdictCacheKey> cacheKey;
    if (m_options.verdictCache) {
        cacheKey = VerdictCacheKey{
            request.protocol,      request.peer, request.keyFormat, crypto::sha256(request.key),
            request.pinOnFirstUse, uid,          request.ocsp};
        if (auto hit = m_cache.find(*cacheKey, now)) {
            if (hit->pinId) {
                recordSighting(hit->pinLayer, *hit->pinId, now);
            }
            return std::move(hit->verdict);
        }
    }

    auto decided = [&]() -> Result<Decision> {
        PEERTRUST_TRY_ASSIGN(const Protocol* protocol, current.protocols().find(request.protocol));
        PEERTRUST_TRY_ASSIGN(PeerName peer, parsePeerName(request.peer, protocol->defaultPorts));
        PEERTRUST_TRY_ASSIGN(PresentedKey key, parsePresentedKey(request.keyFormat, request.key));
        std::optional<OcspStaple> staple;
        if (!request.ocsp.empty()) {
            if (key.format != KeyFormat::X509Chain) {
                return invalidInput(
                    "an OCSP response (option ocsp) is about a certificate: it "
                    "needs an X.509 chain, not a " +
                    std::string(toString(key.format)) + " key");
            }
            PEERTRUST_TRY_ASSIGN(staple, parseOcspStaple(request.ocsp));
        }
        return decide(current, *protocol, peer, key, staple ? &*staple : nullptr, now,
                      request.pinOnFirstUse, waiting);
    }();
    if (!decided) {
        return Result<Verdict>(decided.error());
    }
    Decision& decision = *decided;
    if (decision.wouldWait) {
        return std::nullopt;
    }

    if (decision.pinId) {
        recordSighting(decision.pinLayer, *decision.pinId, now);
    }
    if (cacheKey && decision.cacheable) {
        m_cache.insert(
            std::move(*cacheKey),
            CachedVerdict{decision.verdict, verdictSha256(decision.verdict), decision.validFrom,
                          decision.validUntil, decision.pinId, decision.pinLayer},
            policy.cacheGeneration);
    }
    return std::move(decision.verdict);
}

Result<PolicyEngine::Decision> PolicyEngine::decide(const PolicySnapshot& snapshot,
                                                    const Protocol& protocol, const PeerName& peer,
                                                    const PresentedKey& key,
                                                    const OcspStaple* staple, UnixTime now,
                                                    bool pinOnFirstUse, Waiting waiting) {
    Decision decision;
    Verdict& verdict = decision.verdict;
    VerdictDetails& details = verdict.details;
    details.protocol = protocol.name;
    details.peer = peer.canonical();
    details.keyFormat = std::string(toString(key.format));
    details.fingerprint = key.fingerprint;
    details.spkiSha256 = crypto::toHex(key.spkiSha256);
    const std::string peerText = details.peer;

    auto finish = [&](VerdictKind kind, std::string_view reasonCode, std::string explanation) {
        verdict.kind = kind;
        verdict.reason = std::string(reasonCode);
        verdict.explanation = std::move(explanation);
        if (details.failures.empty() && kind == VerdictKind::Rejected) {
            details.failures.push_back(verdict.reason);
        }
        return decision;
    };

    // Every path the chain offers to an anchor (usually one); the first is GnuTLS's own walk,
    // and the one explanations speak of unless another is accepted.
    std::vector<ChainPath> paths(1);
    if (key.format == KeyFormat::X509Chain) {
        paths = buildChainPaths(snapshot, key.chain);
        for (const ChainPath& candidate : paths) {
            for (const crypto::Certificate* cert : candidate.presented) {
                narrowValidity(now, cert->notBefore, decision.validFrom, decision.validUntil);
                narrowValidity(now, cert->notAfter + 1, decision.validFrom, decision.validUntil);
            }
            if (const crypto::Certificate* anchor = candidate.anchorCert()) {
                narrowValidity(now, anchor->notBefore, decision.validFrom, decision.validUntil);
                narrowValidity(now, anchor->notAfter + 1, decision.validFrom, decision.validUntil);
                for (const CompiledAnchor* entry : candidate.anchors) {
                    if (entry->row.scope.notAfter) {
                        narrowValidity(now, *entry->row.scope.notAfter + 1, decision.validFrom,
                                       decision.validUntil);
                    }
                }
            }
        }
    }
    const ChainPath& path = paths.front();

    // 1. Distrust: the presented key, every certificate of the path, and the anchor.
    auto distrusted = [&](const DistrustMatch& match, const std::string& what) {
        details.failures = {std::string(reason::Distrusted)};
        return finish(VerdictKind::Rejected, reason::Distrusted,
                      "Rejected: " + what + " is distrusted (" +
                          std::string(toString(match.layer)) + " distrust entry " + match.id +
                          (match.label.empty() ? "" : ", \"" + match.label + "\"") +
                          "). Distrust overrides every pin and anchor.");
    };
    if (auto match = snapshot.distrustOfKey(key.spkiSha256)) {
        return distrusted(*match, "the presented key " + key.fingerprint);
    }
    // On any path: which one is taken must not decide whether a distrusted CA counts.
    for (const ChainPath& candidate : paths) {
        for (const crypto::Certificate* cert : candidate.presented) {
            if (auto match = snapshot.distrustOfCertificate(*cert)) {
                return distrusted(*match,
                                  "the certificate \"" + cert->subject() + "\" in the chain");
            }
        }
        if (const crypto::Certificate* anchor = candidate.anchorCert()) {
            if (auto match = snapshot.distrustOfCertificate(*anchor)) {
                return distrusted(*match, anchorName(*candidate.anchors.front()));
            }
        }
    }

    // Revocation, by the CRLs an administrator or the user added: every presented
    // certificate and the anchor. Stricter only, so a pinned leaf is refused as well.
    std::vector<const crypto::Certificate*> revocable;
    std::vector<crypto::Sha256> pathAnchors;
    if (key.format == KeyFormat::X509Chain && !snapshot.crls().empty()) {
        for (const crypto::Certificate& cert : key.chain) {
            revocable.push_back(&cert);
        }
        for (const ChainPath& candidate : paths) {
            if (const crypto::Certificate* anchor = candidate.anchorCert()) {
                revocable.push_back(anchor);
                for (const CompiledAnchor* entry : candidate.anchors) {
                    for (const crypto::Sha256& above : snapshot.anchorsFrom(*entry)) {
                        pathAnchors.push_back(above);
                    }
                }
            }
        }
    }
    for (const crypto::Certificate* cert : revocable) {
        for (const RevocationMatch& match : snapshot.revocationsOf(*cert, pathAnchors)) {
            // The verdict changes at the revocation date: revoked from then on, not before.
            narrowValidity(now, match.revokedAt, decision.validFrom, decision.validUntil);
            if (match.revokedAt > now) {
                continue;
            }
            details.failures = {std::string(reason::Revoked)};
            const CompiledCrl& crl = *match.crl;
            return finish(
                VerdictKind::Rejected, reason::Revoked,
                "Rejected: the certificate \"" + cert->subject() + "\" (serial " +
                    formatSerialNumber(match.serial) + ") in the chain of " + peerText +
                    " was revoked on " + formatIsoTime(match.revokedAt) + ", says the CRL " +
                    crl.row.id + " (" + std::string(toString(crl.layer)) + " store) of \"" +
                    crl.issuer.subject() + "\" issued " + formatIsoTime(crl.row.thisUpdate) +
                    ". A revoked certificate is rejected whatever pins or anchors say.");
        }
    }

    // Revocation, stapled: the issuer's word on the certificate outranks pins and anchors
    // alike, and a staple that cannot be relied on is never silently dropped.
    if (staple != nullptr) {
        const crypto::Certificate& leaf = key.chain.front();
        OcspCheck check = checkOcspStaple(*staple, leaf, path.leafIssuer(), now);
        for (UnixTime edge : check.edges) {
            narrowValidity(now, edge, decision.validFrom, decision.validUntil);
        }
        if (check.outcome == OcspCheck::Outcome::Revoked) {
            details.failures = {std::string(reason::Revoked)};
            return finish(VerdictKind::Rejected, reason::Revoked,
                          "Rejected: the certificate \"" + leaf.subject() + "\" presented by " +
                              peerText + " " + check.detail +
                              ". A revoked certificate is rejected whatever pins or anchors "
                              "say.");
        }
        if (check.outcome == OcspCheck::Outcome::Unusable) {
            details.failures = {std::string(reason::BadOcsp)};
            return finish(VerdictKind::Rejected, reason::BadOcsp,
                          "Rejected: the OCSP response given with the certificate \"" +
                              leaf.subject() + "\" of " + peerText +
                              " cannot be relied on: " + check.detail +
                              ". A stapled response that does not check out is never ignored.");
        }
    }

    // 2. Pins for (peer, protocol) and (peer, family of protocol), in every layer.
    std::vector<std::pair<StoreLayer, store::PinRow>> pins;
    std::vector<std::pair<StoreLayer, store::HashedPinRow>> hashedCandidates;
    {
        std::unique_lock lock(m_readMutex, std::defer_lock);
        if (waiting == Waiting::Allowed) {
            lock.lock();
        } else if (!lock.try_lock()) {
            decision.wouldWait = true;
            return decision;
        }
        for (store::Layer& layer : m_store->layers()) {
            store::PinStore pinStore(*layer.db);
            PEERTRUST_TRY_ASSIGN(auto rows, pinsAnswering(pinStore, peer, protocol));
            for (auto& row : rows) {
                pins.emplace_back(layer.which, std::move(row));
            }
        }
        // Hashed pins (known_hosts "|1|" names) cost an HMAC each: tested only when no
        // plain pin answers, and then they join the set like plain ones. Read under the lock,
        // tested after it; a thread that must not wait (the bus thread) leaves many of them
        // to a worker.
        bool plainAnswers = std::any_of(pins.begin(), pins.end(), [&](const auto& entry) {
            return entry.second.spkiSha256 == key.spkiSha256;
        });
        if (!plainAnswers) {
            for (store::Layer& layer : m_store->layers()) {
                store::HashedPinStore hashedStore(*layer.db);
                if (waiting == Waiting::Never) {
                    PEERTRUST_TRY_ASSIGN(
                        bool many, hashedStore.moreThan(kHashedPinsWithoutWaiting, protocol.name,
                                                        protocol.family));
                    if (many) {
                        decision.wouldWait = true;
                        return decision;
                    }
                }
                PEERTRUST_TRY_ASSIGN(auto rows,
                                     hashedStore.forProtocol(protocol.name, protocol.family));
                for (auto& row : rows) {
                    hashedCandidates.emplace_back(layer.which, std::move(row));
                }
            }
        }
    }
    if (!hashedCandidates.empty()) {
        const std::string sshName = knownHostsName(peer);
        for (auto& [layer, row] : hashedCandidates) {
            if (crypto::hashedNameMatches(row.name, sshName)) {
                pins.emplace_back(layer, store::asPinRow(std::move(row)));
            }
        }
    }
    if (!pins.empty()) {
        auto pinned = [&](const store::PinRow& row) {
            return PinnedKey{row.id, row.protocol,
                             fingerprintOf(row.keyFormat, row.keyData, row.spkiSha256),
                             crypto::toHex(row.spkiSha256), row.firstSeen};
        };
        for (const auto& [layer, row] : pins) {
            if (row.spkiSha256 == key.spkiSha256) {
                details.pins = {pinned(row)};
                decision.pinId = row.id;
                decision.pinLayer = layer;
                return finish(VerdictKind::Accepted, reason::Pinned,
                              "Accepted: the key " + key.fingerprint + " is pinned for " +
                                  peerText + " over " + row.protocol + " (pin " + row.id +
                                  ", first seen " + formatIsoTime(row.firstSeen) + ").");
            }
        }
        std::string pinnedList;
        for (const auto& [layer, row] : pins) {
            details.pins.push_back(pinned(row));
            const PinnedKey& p = details.pins.back();
            pinnedList += (pinnedList.empty() ? "" : "; ") + p.fingerprint + " (pin " + p.pinId +
                          " for " + p.protocol + ", first seen " + formatIsoTime(p.firstSeen) + ")";
        }
        return finish(VerdictKind::Rejected, reason::PinMismatch,
                      "Rejected: " + peerText + " presented the key " + key.fingerprint +
                          ", but the keys pinned for it over " + protocol.name +
                          " are: " + pinnedList +
                          ". A pinned key is replaced only explicitly (peertrust pin add "
                          "--replace), or another key added with peertrust pin add.");
    }

    // 3. Anchors: a chain that reaches one is accepted or rejected here, never pinned on
    // first use.
    if (path.reachesAnchor()) {
        // One path's checks: GnuTLS's, time, and the anchor's scope, where any one entry (one
        // per layer holding the anchor) that admits suffices.
        struct PathOutcome {
            std::vector<Failure> failures;
            const CompiledAnchor* anchor = nullptr;
        };
        auto checkPath = [&](const ChainPath& candidate) {
            const crypto::Certificate& anchorCert = *candidate.anchorCert();
            PathOutcome outcome;
            std::vector<Failure>& failures = outcome.failures;
            failures = checkWithGnutls(snapshot, candidate, peer, protocol.purposeOid);
            std::vector<const crypto::Certificate*> onPath = candidate.presented;
            if (anchorCert.certSha256 != candidate.presented.back()->certSha256) {
                onPath.push_back(&anchorCert);
            }
            for (const crypto::Certificate* cert : onPath) {
                if (now < cert->notBefore) {
                    failures.push_back({reason::NotYetValid, "the certificate \"" +
                                                                 cert->subject() +
                                                                 "\" is not valid before " +
                                                                 formatIsoTime(cert->notBefore)});
                } else if (now > cert->notAfter) {
                    failures.push_back({reason::Expired, "the certificate \"" + cert->subject() +
                                                             "\" expired on " +
                                                             formatIsoTime(cert->notAfter)});
                }
            }
            const CompiledAnchor* chosen = nullptr;
            std::vector<Failure> scopeFailures;
            for (const CompiledAnchor* entry : candidate.anchors) {
                std::vector<Failure> entryFailures;
                const AnchorScope& scope = entry->row.scope;
                if (!snapshot.protocols().scopeAdmits(scope.protocols, protocol)) {
                    entryFailures.push_back(
                        {reason::OutOfScope, "its scope does not admit the protocol " +
                                                 protocol.name + " (it is limited to " +
                                                 joined(scope.protocols) + ")"});
                } else if (!scopeAdmitsName(scope, peer)) {
                    entryFailures.push_back(
                        {reason::OutOfScope, "its scope does not admit the name " + peerText +
                                                 " (" + formatNameScope(scope) + ")"});
                } else if (entry->scopeConstraints) {
                    gnutls_x509_crt_t leaf = key.chain.front().crt.get();
                    for (auto type :
                         {GNUTLS_SAN_DNSNAME, GNUTLS_SAN_RFC822NAME, GNUTLS_SAN_IPADDRESS}) {
                        if (gnutls_x509_name_constraints_check_crt(entry->scopeConstraints.get(),
                                                                   type, leaf) == 0) {
                            entryFailures.push_back({reason::OutOfScope,
                                                     "the certificate also names something "
                                                     "outside the anchor's scope (" +
                                                         formatNameScope(scope) + ")"});
                            break;
                        }
                    }
                }
                if (scope.notAfter && now > *scope.notAfter) {
                    entryFailures.push_back(
                        {reason::Expired, "the anchor's not-after override ended its trust on " +
                                              formatIsoTime(*scope.notAfter)});
                }
                if (entryFailures.empty()) {
                    chosen = entry;
                    scopeFailures.clear();
                    break;
                }
                if (chosen == nullptr && scopeFailures.empty()) {
                    scopeFailures = std::move(entryFailures);
                }
            }
            outcome.anchor = chosen ? chosen : candidate.anchors.front();
            failures.insert(failures.end(), scopeFailures.begin(), scopeFailures.end());
            return outcome;
        };
        // Accepted by any path that passes every check; otherwise refused for the reasons of
        // the first, the path GnuTLS itself would take.
        std::optional<PathOutcome> first;
        for (const ChainPath& candidate : paths) {
            PathOutcome outcome = checkPath(candidate);
            if (outcome.failures.empty()) {
                details.anchorId = outcome.anchor->row.id;
                details.anchorLabel = outcome.anchor->row.label;
                return finish(VerdictKind::Accepted, reason::Anchor,
                              "Accepted: the chain for " + peerText + " leads to " +
                                  anchorName(*outcome.anchor) + ", whose scope admits " +
                                  protocol.name + " and " + peerText +
                                  "; the certificate names the peer, is valid for the "
                                  "protocol's key purpose and every certificate is within its "
                                  "validity period.");
            }
            if (!first) {
                first = std::move(outcome);
            }
        }
        const CompiledAnchor& anchor = *first->anchor;
        std::vector<Failure>& failures = first->failures;
        details.anchorId = anchor.row.id;
        details.anchorLabel = anchor.row.label;
        sortByPrecedence(failures);
        for (const Failure& failure : failures) {
            details.failures.emplace_back(failure.reason);
        }
        return finish(VerdictKind::Rejected, failures.front().reason,
                      "Rejected: the chain for " + peerText + " leads to " + anchorName(anchor) +
                          ", but " + failures.front().detail +
                          ". A chain that reaches an anchor and fails its checks is never "
                          "pinned on first use.");
    }

    // 4. First use: no anchor path and no pin.
    std::string unknownIssuer =
        key.format == KeyFormat::X509Chain
            ? "no anchor vouches for the chain of " + peerText
            : "a " + std::string(toString(key.format)) + " key carries no issuer to vouch for it";
    if (protocol.policy == ProtocolPolicy::Tofu) {
        bool pinnedMeanwhile = false;
        if (pinOnFirstUse) {
            std::lock_guard lock(m_writeMutex);
            if (store::Layer* layer = m_store->writableLayer()) {
                noteWriteStarting(*layer);
                store::PinRow row;
                row.peer = peerText;
                row.protocol = protocol.name;
                row.keyFormat = std::string(toString(key.format));
                row.spkiSha256 = key.spkiSha256;
                row.keyData = key.storedForm;
                row.firstSeen = now;
                row.origin = std::string(toString(PinOrigin::Tofu));
                row.id = pinIdFor(row.peer, row.protocol, key.spkiSha256);
                store::PinStore pinStore(*layer->writer);
                // The pins were read before this write lock: another Verify (or process) may
                // have pinned a key for the peer since, and only the first use is pinned.
                PEERTRUST_TRY_ASSIGN(store::Transaction tx,
                                     store::Transaction::begin(*layer->writer));
                PEERTRUST_TRY_ASSIGN(auto pinnedNow, pinsAnswering(pinStore, peer, protocol));
                pinnedMeanwhile = !pinnedNow.empty();
                if (!pinnedMeanwhile) {
                    PEERTRUST_TRY_ASSIGN(AddOutcome added, pinStore.addLocked(row));
                    PEERTRUST_TRY(tx.commit());
                    pinsChanged();
                    decision.cacheable = false;
                    details.pins = {PinnedKey{added.id, row.protocol, key.fingerprint,
                                              details.spkiSha256, now}};
                    return finish(VerdictKind::Accepted, reason::TofuNew,
                                  "Accepted: first use of " + peerText + " over " + protocol.name +
                                      "; " + unknownIssuer + ", and the key " + key.fingerprint +
                                      " is now pinned (pin " + added.id + ").");
                }
            }
        }
        if (pinnedMeanwhile) {
            // Decided again as if that pin had been there all along: pinned, or a mismatch.
            return decide(snapshot, protocol, peer, key, staple, now, false, waiting);
        }
        return finish(VerdictKind::Unknown, reason::FirstUse,
                      "Unknown: " + unknownIssuer + ", and no key is pinned for " + peerText +
                          " over " + protocol.name + ". This is the first use of the key " +
                          key.fingerprint +
                          ": pin it (peertrust pin add, or verify with --pin-on-first-use) if "
                          "you trust it.");
    }

    // 5. Otherwise not trusted.
    return finish(VerdictKind::Rejected, reason::UntrustedIssuer,
                  "Rejected: " + unknownIssuer + ", no key is pinned for " + peerText + " over " +
                      protocol.name + ", and " + protocol.name +
                      " accepts only keys that an anchor vouches for (its policy is ca-only).");
}

}  // namespace peertrust::policy
