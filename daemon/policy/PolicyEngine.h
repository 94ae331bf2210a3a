// The decision engine: DESIGN.md's Verify order over the layered store, and the management
// of pins, anchors, distrust and protocols. Knows nothing of D-Bus or PKCS#11.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "peertrust/TrustService.h"
#include "policy/PeerName.h"
#include "policy/PolicySnapshot.h"
#include "policy/PresentedKey.h"
#include "policy/TrustExport.h"
#include "policy/VerdictCache.h"
#include "store/PinStatistics.h"
#include "store/PinStore.h"
#include "store/TrustStore.h"

namespace peertrust::policy {

struct OcspStaple;

using Clock = std::function<UnixTime()>;
UnixTime systemClock();

struct EngineOptions {
    bool verdictCache = true;
    std::size_t verdictCacheCapacity = 4096;
    // How often a thread of the engine writes gathered pin statistics. Zero: no thread (an
    // engine inside another program); Verify itself then writes them, at most every
    // inlineStatisticsEvery.
    std::chrono::milliseconds statisticsInterval{2000};
    // How long one read snapshot of the store serves successive Verify calls: a fresh read
    // transaction per lookup costs more than the lookup. Changes made by another process
    // become visible at most this late. Zero: a fresh snapshot for every call.
    std::chrono::microseconds readSnapshotAge{2000};
    // With no statistics thread: how often Verify writes the gathered sightings itself.
    std::chrono::milliseconds inlineStatisticsEvery{5000};
};

struct ConfiguredProtocolOutcome {
    AddOutcome added;
    bool leftToSystem = false;  // the system store holds the protocol: nothing was written
};

class PolicyEngine final : public TrustService {
public:
    static Result<std::unique_ptr<PolicyEngine>> create(std::unique_ptr<store::TrustStore> store,
                                                        EngineOptions options = {},
                                                        Clock clock = systemClock);
    // Only create() makes an engine: the constructor is public for make_unique, its key is not.
    class Key {
        friend class PolicyEngine;
        Key() = default;
    };
    PolicyEngine(Key, std::unique_ptr<store::TrustStore> store, EngineOptions options, Clock clock);
    ~PolicyEngine() override;
    PolicyEngine(const PolicyEngine&) = delete;
    PolicyEngine& operator=(const PolicyEngine&) = delete;

    Result<Verdict> verify(const VerifyRequest& request) override;
    // The same for a given local user: cached verdicts are never shared between users.
    Result<Verdict> verifyAs(const VerifyRequest& request, std::uint32_t uid);
    // The same, or nullopt when answering would mean waiting: for a lock another thread holds,
    // for policy to load after a change, or for a write (pin on first use). For answering on a
    // bus thread, which must never wait.
    std::optional<Result<Verdict>> verifyWithoutWaiting(const VerifyRequest& request,
                                                        std::uint32_t uid);
    // Whether a Verify with this input (its key named by SHA-256) got the verdict with this
    // digest (peertrust::verdictSha256), which is cached and still holds at `at` (default
    // now). False otherwise, and then only a full Verify can answer. Never waits.
    bool cachedVerdictHolds(const VerdictCacheKey& key, std::optional<UnixTime> at,
                            const std::array<std::uint8_t, 32>& verdictSha256);
    bool cachesVerdicts() const { return m_options.verdictCache; }

    Result<AddOutcome> addPin(const PinAddRequest& request) override;
    Result<void> removePin(const std::string& id) override;
    Result<std::vector<PinInfo>> listPins() override;
    Result<std::size_t> forgetPins(const PinForgetRequest& request) override;
    Result<ImportSummary> importKnownHosts(const Bytes& text) override;
    Result<ImportSummary> importGnutlsKnownHosts(const Bytes& text) override;

    Result<AddOutcome> addAnchor(const AnchorAddRequest& request) override;
    Result<void> setAnchorScope(const std::string& id, const AnchorScope& scope) override;
    Result<void> removeAnchor(const std::string& id) override;
    Result<std::vector<AnchorInfo>> listAnchors() override;
    Result<ImportSummary> importSystemAnchors(const Bytes& pemBundle) override;
    Result<std::vector<KnownKey>> pinnedKeys(const std::string& protocol,
                                             const std::string& peer) override;
    Result<AnchorBundle> exportAnchors(const std::string& purpose) override;

    Result<AddOutcome> addDistrust(const DistrustAddRequest& request) override;
    Result<void> removeDistrust(const std::string& id) override;
    Result<std::vector<DistrustInfo>> listDistrust() override;

    // Certificate revocation lists (CrlAdministration.cpp): added to the layer this process
    // writes, once their signature checks out against an anchor or a certificate an anchor
    // issued; one per issuer, a newer one replacing the older.
    Result<AddOutcome> addCrl(const CrlAddRequest& request) override;
    Result<void> removeCrl(const std::string& id) override;
    Result<std::vector<CrlInfo>> listCrls() override;

    // Everything programs outside the daemon may be shown, rebuilt only after a change (this
    // process's or another's): a caller compares `generation` to know whether to refresh.
    Result<std::shared_ptr<const TrustExport>> trustExport();

    Result<std::vector<ProtocolInfo>> listProtocols() override;
    Result<AddOutcome> addProtocol(const ProtocolAddRequest& request) override;
    // A protocol line of the machine's configuration, added at start. In an engine over a
    // system store it cannot write (a session daemon's), a protocol that store holds is left
    // as the system daemon wrote it (leftToSystem); otherwise as addProtocol.
    Result<ConfiguredProtocolOutcome> addConfiguredProtocol(const ProtocolAddRequest& request);

    Result<void> flushPinStatistics();

    // The whole id that `idOrPrefix` names, resolved as removal and setAnchorScope resolve it,
    // with the same errors: for saying which item changed.
    enum class ItemKind { Pin, Anchor, Distrust, Crl };
    Result<std::string> wholeId(ItemKind kind, const std::string& idOrPrefix);

    // Whether another process changed what this engine decides on (a pin gcr added through
    // the trust module, the administrator's policy under a session daemon) since the last call,
    // also when a Verify found the change first. What it made stale is dropped as a Verify
    // would. A write of this engine's own counts as another's only if asked before the write
    // returned.
    Result<bool> takeChangesByOthers();
    // Called after each write of this engine's own that changes a decision (not pin
    // statistics), on the writing thread with the engine's write lock held, so it must only
    // signal (the daemon's PEM bundle writer wakes its own thread): what keeps a copy of the
    // policy need not wait for the file watch. Set before any write, cleared before the
    // listener goes.
    void setOwnWriteListener(std::function<void()> listener);
    // The store files this engine reads, lowest layer first.
    std::vector<std::filesystem::path> storeFiles();

private:
    struct Decision;
    struct ResolvedId {
        store::Layer* layer;
        std::string id;
        std::string_view table;  // where it is: "pins" or "hashed_pins" for a pin
    };

    Result<std::shared_ptr<const PolicySnapshot>> snapshot();
    Result<std::shared_ptr<const PolicySnapshot>> snapshotLocked();
    void policyChangedLocked();  // m_readMutex held
    // After a write (m_writeMutex held): drop what it made stale and release this engine's
    // read snapshots, so that the WAL can start over.
    void policyChanged();
    void pinsChanged();
    void noteOwnWrite();                          // both mutexes held
    void noteWriteStarting(store::Layer& layer);  // the write mutex held
    void restartLongWriteAheadLogs();             // m_writeMutex held, read snapshots released
    Result<store::Layer*> writableLayerLocked();
    // m_writeMutex held. `lowerLayerNote` completes the refusal of an id in a layer this
    // process may not write.
    Result<ResolvedId> resolveIdLocked(std::string_view table, std::string_view what,
                                       const std::string& idOrPrefix,
                                       std::string_view lowerLayerNote = {});
    Result<ResolvedId> resolveItemLocked(ItemKind kind, const std::string& idOrPrefix);

    // Keeps each layer's read snapshot (EngineOptions::readSnapshotAge). True when one began
    // anew: inside a held snapshot another process's commits cannot show, so only then is
    // PRAGMA data_version worth asking (SQLite keeps it fixed within a read transaction).
    Result<bool> renewReadSnapshots();
    // The policy a Verify decides from, and the verdict cache's generation read together with
    // it (under m_readMutex): a change that lands while the Verify runs changes the generation,
    // so that the verdict, decided from the policy before the change, is not kept.
    struct CurrentPolicy {
        std::shared_ptr<const PolicySnapshot> snapshot;
        std::uint64_t cacheGeneration = 0;
    };
    Result<CurrentPolicy> currentPolicy();
    // The current policy if it can be had without waiting and the store has not changed
    // under it (also in another process); else nullopt.
    std::optional<CurrentPolicy> currentPolicyWithoutWaiting();

    enum class Waiting { Allowed, Never };
    // nullopt only with Waiting::Never, when a lock was held by another thread.
    // The plain pins of one layer that answer `peer` over `protocol`: the protocol's and its
    // family's (hashed pins are matched apart, by their callers).
    static Result<std::vector<store::PinRow>> pinsAnswering(store::PinStore& pins,
                                                            const PeerName& peer,
                                                            const Protocol& protocol);
    std::optional<Result<Verdict>> verifyWith(const CurrentPolicy& current,
                                              const VerifyRequest& request, std::uint32_t uid,
                                              Waiting waiting);
    Result<Decision> decide(const PolicySnapshot& snapshot, const Protocol& protocol,
                            const PeerName& peer, const PresentedKey& key, const OcspStaple* staple,
                            UnixTime now, bool pinOnFirstUse, Waiting waiting);

    void flushStatisticsWithoutFlusher();
    void runStatisticsFlusher();
    void releaseReadSnapshots();

    EngineOptions m_options;
    Clock m_clock;

    // Lock order: m_writeMutex, then m_readMutex. Verify takes only the read side.
    std::mutex m_writeMutex;  // guards the layers' writer connections
    // Without a flusher thread: when gathered sightings were last written (m_writeMutex).
    std::chrono::steady_clock::time_point m_lastInlineFlush = std::chrono::steady_clock::now();
    std::mutex m_readMutex;  // guards the layers' read connections and m_snapshot
    std::unique_ptr<store::TrustStore> m_store;
    std::shared_ptr<const PolicySnapshot> m_snapshot;
    std::uint64_t m_changes = 1;  // counts policyChangedLocked() and pinsChanged()
    std::shared_ptr<const TrustExport> m_export;

    VerdictCache m_cache;
    store::PinStatistics m_statistics;

    // The flusher sleeps until reads or sightings give it work: an idle daemon never wakes.
    void armStatisticsFlusher();
    void recordSighting(StoreLayer layer, const std::string& pinId, UnixTime at);
    void tellOwnWrite();
    std::function<void()> m_ownWriteListener;
    std::mutex m_flusherMutex;
    std::condition_variable m_flusherWake;
    std::atomic<bool> m_flusherArmed{false};
    bool m_stopping = false;
    std::thread m_flusher;
};

}  // namespace peertrust::policy
