// Looking up the pins of one peer among a million, as every Verify does, and for reference a
// whole Verify of a pinned raw key against the same store.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "BenchSummary.h"
#include "BenchSupport.h"
#include "crypto/Digest.h"
#include "policy/PolicyEngine.h"
#include "policy/StableIds.h"
#include "store/Migrations.h"
#include "store/PinStore.h"
#include "support/CertFactory.h"
#include "support/TempDir.h"

namespace peertrust::bench {

namespace {

constexpr std::size_t kPinCount = 1'000'000;
constexpr std::size_t kLookupPeers = std::size_t{1} << 16;  // a power of two: picked by mask
constexpr const char* kProtocol = "ssh";
constexpr const char* kPinnedPeer = "pinned.example.net";
constexpr UnixTime kFirstSeen = 1700000000;

std::string peerName(std::size_t index) {
    char name[32];
    std::snprintf(name, sizeof name, "host%06zu.example.net", index);
    return name;
}

// kPinCount pins, one per peer, in one transaction through one prepared INSERT.
void fillPins(const std::filesystem::path& path) {
    auto db = orThrow(store::openStoreForWriting(path, store::FileAccess::Private), "pin store");
    // Setup only: a large page cache keeps the id index, filled in random order, in memory.
    // The lookups run on another connection with SQLite's default cache.
    orThrow(db->exec("PRAGMA cache_size = -262144"), "cache size");
    auto tx = orThrow(store::Transaction::begin(*db), "begin");
    {
        auto insert = orThrow(
            db->prepare("INSERT INTO pins (id, peer, protocol, key_format, spki_sha256, key_data, "
                        "first_seen, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
            "prepare the insert");
        for (std::size_t i = 0; i < kPinCount; ++i) {
            std::string peer = peerName(i);
            crypto::Sha256 spki = crypto::sha256(crypto::asBytes(peer));
            std::span<const std::uint8_t> spkiBytes(spki);
            insert.bind(1, policy::pinIdFor(peer, kProtocol, spki))
                .bind(2, peer)
                .bind(3, kProtocol)
                .bind(4, "spki")
                .bind(5, spkiBytes)
                .bind(6, spkiBytes.first(16))  // the stored key: only its size matters here
                .bind(7, kFirstSeen + static_cast<UnixTime>(i))
                .bind(8, "imported");
            orThrow(insert.run(), "insert pin " + peer);
            insert.reset();
        }
    }
    orThrow(tx.commit(), "commit");
    // Leave the rows in the database file rather than in a 10^6-row WAL, as a daemon's
    // checkpoints would.
    orThrow(db->exec("PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
}

// The store of a million pins, a read-only connection to it (a session daemon reading the
// system store), the peers to look up, and an engine over the same file with one real pin.
class PinWorld {
public:
    PinWorld() {
        std::filesystem::path path = m_dir / "pins.db";
        auto started = std::chrono::steady_clock::now();
        fillPins(path);
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        noteSetup(std::to_string(kPinCount) + " pins inserted in " + fixedSeconds(took.count()) +
                  " s; store file " +
                  std::to_string(std::filesystem::file_size(path) / (1024 * 1024)) + " MiB");

        m_reader = orThrow(store::openStoreForReading(path), "open the pin store read-only");
        buildLongWal(path);

        // Random existing peers, drawn once: the lookups wander over the whole index.
        std::mt19937_64 random(20240601);
        std::uniform_int_distribution<std::size_t> pick(0, kPinCount - 1);
        m_lookupPeers.reserve(kLookupPeers);
        for (std::size_t i = 0; i < kLookupPeers; ++i) {
            m_lookupPeers.push_back(peerName(pick(random)));
        }

        testing::CertSpec spec;
        spec.commonName = kPinnedPeer;
        m_pinnedSpki = testing::selfSigned(spec).spkiDer;
        m_engine = openEngine(path, false);
        orThrow(m_engine->addPin({kProtocol, kPinnedPeer, KeyFormat::Spki, m_pinnedSpki, false,
                                  PinOrigin::Manual}),
                "pin the raw key");
    }

    store::Database& reader() { return *m_reader; }
    store::Database& longWalReader() { return *m_longWalReader; }
    const std::string& lookupPeer(std::size_t n) const {
        return m_lookupPeers[n & (kLookupPeers - 1)];
    }
    policy::PolicyEngine& engine() { return *m_engine; }
    const Bytes& pinnedSpki() const { return m_pinnedSpki; }

private:
    // A copy of the store whose WAL holds about as many pages as a writer lets it grow before
    // it waits for readers to move on (Database.cpp): pins added one commit at a time while a
    // reader's old snapshot kept every checkpoint from copying them. The lookups beside
    // BM_PinLookup's show what such a WAL costs a reader.
    void buildLongWal(const std::filesystem::path& path) {
        std::filesystem::path copy = m_dir / "pins-long-wal.db";
        std::filesystem::copy_file(path, copy);
        m_longWalWriter =
            orThrow(store::openStoreForWriting(copy, store::FileAccess::Private), "long WAL store");
        auto starving = orThrow(store::openStoreForReading(copy), "open a reader");
        orThrow(starving->holdReadSnapshot(std::chrono::hours(1)), "hold a snapshot");
        orThrow(starving->queryInt("SELECT count(*) FROM pins WHERE peer = 'x'"), "read");
        constexpr std::uintmax_t kWalBytes = 2000 * (4096 + 24);  // pages and frame headers
        std::size_t commits = 0;
        while (walBytes(copy) < kWalBytes) {
            std::string peer = "walhost" + std::to_string(commits++) + ".example.net";
            crypto::Sha256 spki = crypto::sha256(crypto::asBytes(peer));
            std::span<const std::uint8_t> spkiBytes(spki);
            auto insert = orThrow(
                m_longWalWriter->prepare(
                    "INSERT INTO pins (id, peer, protocol, key_format, spki_sha256, key_data, "
                    "first_seen, origin) VALUES (?1, ?2, ?3, 'spki', ?4, ?5, ?6, 'imported')"),
                "prepare the insert");
            insert.bind(1, policy::pinIdFor(peer, kProtocol, spki))
                .bind(2, peer)
                .bind(3, kProtocol)
                .bind(4, spkiBytes)
                .bind(5, spkiBytes.first(16))
                .bind(6, kFirstSeen);
            orThrow(m_longWalWriter->writeOne(insert), "insert " + peer);
        }
        starving->releaseReadSnapshot();
        m_longWalReader = orThrow(store::openStoreForReading(copy), "open the copy read-only");
        noteSetup("long WAL: " + std::to_string(walBytes(copy) / (4096 + 24)) + " pages from " +
                  std::to_string(commits) + " single-pin commits, none checkpointed");
    }

    static std::uintmax_t walBytes(const std::filesystem::path& store) {
        return std::filesystem::file_size(store.string() + "-wal");
    }

    static std::string fixedSeconds(double seconds) {
        char text[32];
        std::snprintf(text, sizeof text, "%.1f", seconds);
        return text;
    }

    testing::TempDir m_dir;
    std::unique_ptr<store::Database> m_reader;
    std::unique_ptr<store::Database> m_longWalWriter;  // kept open: closing would checkpoint
    std::unique_ptr<store::Database> m_longWalReader;
    std::vector<std::string> m_lookupPeers;
    Bytes m_pinnedSpki;
    std::unique_ptr<policy::PolicyEngine> m_engine;
};

PinWorld* pinWorld(benchmark::State& state) {
    static BuiltOnce<PinWorld> world;
    return world.get(state);
}

// What the engine does for every Verify: the pins of one peer, through `db`.
void lookUpPins(benchmark::State& state, PinWorld& world, store::Database& db) {
    store::PinStore pins(db);
    const std::string protocol = kProtocol;
    const policy::EngineOptions engineDefaults;
    std::size_t next = 0;
    for (auto _ : state) {
        const std::string& peer = world.lookupPeer(next++);
        // What the engine does before each Verify: reuse a read snapshot at most this old.
        if (auto held = db.holdReadSnapshot(engineDefaults.readSnapshotAge); !held) {
            state.SkipWithError(held.error().message().c_str());
            break;
        }
        Result<std::vector<store::PinRow>> rows = pins.find(peer, protocol, protocol);
        if (!rows || rows->size() != 1) {
            state.SkipWithError((rows ? std::to_string(rows->size()) + " pins for " + peer
                                      : "lookup failed: " + rows.error().message())
                                    .c_str());
            break;
        }
    }
}

void BM_PinLookup(benchmark::State& state) {
    if (PinWorld* world = pinWorld(state)) {
        lookUpPins(state, *world, world->reader());
    }
}

// For reference: the same lookups in a store whose WAL is as long as a writer lets it grow.
void BM_PinLookupThroughLongWal(benchmark::State& state) {
    if (PinWorld* world = pinWorld(state)) {
        lookUpPins(state, *world, world->longWalReader());
    }
}

// For reference: every lookup in a read transaction of its own, as without the engine's
// snapshot reuse.
void BM_PinLookupFreshTransaction(benchmark::State& state) {
    PinWorld* world = pinWorld(state);
    if (world == nullptr) {
        return;
    }
    world->reader().releaseReadSnapshot();
    store::PinStore pins(world->reader());
    const std::string protocol = kProtocol;
    std::size_t next = 0;
    for (auto _ : state) {
        const std::string& peer = world->lookupPeer(next++);
        Result<std::vector<store::PinRow>> rows = pins.find(peer, protocol, protocol);
        if (!rows || rows->size() != 1) {
            state.SkipWithError("lookup failed");
            break;
        }
    }
}

void BM_EngineVerifyPinnedSpki(benchmark::State& state) {
    PinWorld* world = pinWorld(state);
    if (world == nullptr) {
        return;
    }
    VerifyRequest request;
    request.protocol = kProtocol;
    request.peer = kPinnedPeer;
    request.keyFormat = KeyFormat::Spki;
    request.key = world->pinnedSpki();
    for (auto _ : state) {
        Result<Verdict> verdict = world->engine().verify(request);
        if (!verdict || verdict->reason != reason::Pinned) {
            state.SkipWithError((verdict
                                     ? "verdict " + verdict->reason + ": " + verdict->explanation
                                     : "verify failed: " + verdict.error().message())
                                    .c_str());
            break;
        }
    }
}

BENCHMARK(BM_PinLookup)->Apply(timingOptions);
BENCHMARK(BM_PinLookupThroughLongWal)->Apply(timingOptions);
BENCHMARK(BM_PinLookupFreshTransaction)->Apply(timingOptions);
BENCHMARK(BM_EngineVerifyPinnedSpki)->Apply(timingOptions);

}  // namespace

}  // namespace peertrust::bench
