// Pin sets: idempotent adds, ids and prefixes, statistics written in batches, forgetting.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "store/PinStore.h"
#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

class PinTest : public EngineFixture {
protected:
    Bytes sshKey() { return bytesOf(openSshLine(generateKey(KeyType::Ed25519).get())); }

    std::int64_t statsRowsOnDisk() {
        // Read through a separate connection, as another process would.
        auto db = store::Database::open(userPath(), store::OpenMode::ReadOnly);
        return *(*db)->queryInt("SELECT coalesce(sum(seen_count), 0) FROM pin_stats");
    }
};

TEST_F(PinTest, AddingTheSameKeyTwiceIsIdempotent) {
    Bytes key = sshKey();
    auto first = user().addPin({"ssh", "a.example", KeyFormat::OpenSsh, key});
    auto again = user().addPin({"ssh", "A.EXAMPLE.", KeyFormat::OpenSsh, key});
    ASSERT_OK(first);
    ASSERT_OK(again);
    EXPECT_TRUE(first->created);
    EXPECT_FALSE(again->created);
    EXPECT_EQ(first->id, again->id);
    EXPECT_EQ(user().listPins()->size(), 1u);
}

TEST_F(PinTest, ListShowsFingerprintsOriginsAndLayers) {
    Bytes key = sshKey();
    ASSERT_OK(system().addPin(
        {"ssh", "build.example", KeyFormat::OpenSsh, key, false, PinOrigin::Imported}));
    ASSERT_OK(user().addPin({"ssh", "mine.example", KeyFormat::OpenSsh, key}));
    auto pins = user().listPins();
    ASSERT_OK(pins);
    ASSERT_EQ(pins->size(), 2u);
    EXPECT_EQ((*pins)[0].layer, StoreLayer::System);
    EXPECT_EQ((*pins)[0].origin, PinOrigin::Imported);
    EXPECT_EQ((*pins)[1].layer, StoreLayer::User);
    EXPECT_EQ((*pins)[1].origin, PinOrigin::Manual);
    EXPECT_EQ((*pins)[0].fingerprint.rfind("SHA256:", 0), 0u);
    EXPECT_EQ((*pins)[0].spkiSha256.size(), 64u);
    // The system pin is read-only here; the user's own is not.
    EXPECT_EQ(user().removePin((*pins)[0].id).error().category(), ErrorCategory::NotAuthorized);
    ASSERT_OK(user().removePin((*pins)[1].id.substr(0, 6)));
    EXPECT_EQ(user().listPins()->size(), 1u);
}

TEST_F(PinTest, StatisticsAreBatchedNotWrittenPerVerify) {
    Bytes key = sshKey();
    ASSERT_OK(user().addPin({"ssh", "seen.example", KeyFormat::OpenSsh, key}));
    for (int i = 0; i < 5; ++i) {
        m_now = kNow + i;
        EXPECT_EQ(verify(user(), "ssh", "seen.example", KeyFormat::OpenSsh, key).reason, "pinned");
    }
    EXPECT_EQ(statsRowsOnDisk(), 0);  // nothing written yet: no sync per Verify
    ASSERT_OK(user().flushPinStatistics());
    EXPECT_EQ(statsRowsOnDisk(), 5);
    auto pins = user().listPins();
    ASSERT_OK(pins);
    EXPECT_EQ(pins->front().seenCount, 5u);
    EXPECT_EQ(pins->front().lastSeen, kNow + 4);
}

TEST_F(PinTest, ListingShowsSightingsNotYetWritten) {
    Bytes key = sshKey();
    ASSERT_OK(user().addPin({"ssh", "listed.example", KeyFormat::OpenSsh, key}));
    ASSERT_OK(user().listPins());  // holds a read snapshot from before the sightings
    for (int i = 0; i < 3; ++i) {
        m_now = kNow + i;
        EXPECT_EQ(verify(user(), "ssh", "listed.example", KeyFormat::OpenSsh, key).reason,
                  "pinned");
    }
    auto pins = user().listPins();
    ASSERT_OK(pins);
    EXPECT_EQ(pins->front().seenCount, 3u);
    EXPECT_EQ(pins->front().lastSeen, kNow + 2);
    EXPECT_EQ(statsRowsOnDisk(), 3);  // written by the listing
}

TEST_F(PinTest, SightingsAFlushCouldNotWriteAreWrittenByTheNext) {
    m_options.statisticsInterval = std::chrono::hours(1);  // only this test's flushes
    Bytes key = sshKey();
    ASSERT_OK(user().addPin({"ssh", "busy.example", KeyFormat::OpenSsh, key}));
    for (int i = 0; i < 3; ++i) {
        m_now = kNow + i;
        EXPECT_EQ(verify(user(), "ssh", "busy.example", KeyFormat::OpenSsh, key).reason, "pinned");
    }
    {
        // Another writer holds the store past the busy timeout.
        auto other = store::Database::open(userPath(), store::OpenMode::ReadWrite);
        ASSERT_OK(other);
        ASSERT_OK((*other)->exec("BEGIN IMMEDIATE"));
        auto failed = user().flushPinStatistics();
        ASSERT_FALSE(failed);
        ASSERT_OK((*other)->exec("ROLLBACK"));
    }
    EXPECT_EQ(statsRowsOnDisk(), 0);
    m_now = kNow + 10;
    EXPECT_EQ(verify(user(), "ssh", "busy.example", KeyFormat::OpenSsh, key).reason, "pinned");
    ASSERT_OK(user().flushPinStatistics());
    EXPECT_EQ(statsRowsOnDisk(), 4);  // the three kept from the failed flush, and the new one
    auto pins = user().listPins();
    ASSERT_OK(pins);
    EXPECT_EQ(pins->front().seenCount, 4u);
    EXPECT_EQ(pins->front().lastSeen, kNow + 10);
}

// An engine without a statistics thread (the trust module inside a program) writes what it
// gathered itself, from a Verify at most every inlineStatisticsEvery: nothing waits for the
// program's C_Finalize, which a killed program never calls.
TEST_F(PinTest, AnEngineWithoutAFlusherWritesSightingsFromVerify) {
    m_options.statisticsInterval = std::chrono::milliseconds(0);
    // The interval counts from the engine's start: long enough that opening it, adding the pin
    // (an fsync) and the first Verify fit in it on a loaded machine.
    m_options.inlineStatisticsEvery = std::chrono::milliseconds(1500);
    Bytes key = sshKey();
    ASSERT_OK(user().addPin({"ssh", "inline.example", KeyFormat::OpenSsh, key}));
    EXPECT_EQ(verify(user(), "ssh", "inline.example", KeyFormat::OpenSsh, key).reason, "pinned");
    EXPECT_EQ(statsRowsOnDisk(), 0);  // not from every Verify
    std::this_thread::sleep_for(std::chrono::milliseconds(1600));
    EXPECT_EQ(verify(user(), "ssh", "inline.example", KeyFormat::OpenSsh, key).reason, "pinned");
    EXPECT_EQ(statsRowsOnDisk(), 2);
}

TEST_F(PinTest, StatisticsFlushOnTheirOwnAfterTheInterval) {
    m_options.statisticsInterval = std::chrono::milliseconds(50);
    Bytes key = sshKey();
    ASSERT_OK(user().addPin({"ssh", "timer.example", KeyFormat::OpenSsh, key}));
    EXPECT_EQ(verify(user(), "ssh", "timer.example", KeyFormat::OpenSsh, key).reason, "pinned");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (statsRowsOnDisk() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(statsRowsOnDisk(), 1);
}

TEST_F(PinTest, ForgetByPeerAlsoForgetsItsOtherPorts) {
    Bytes key = sshKey();
    ASSERT_OK(user().addPin({"ssh", "old.example", KeyFormat::OpenSsh, key}));
    ASSERT_OK(user().addPin({"ssh", "old.example:2222", KeyFormat::OpenSsh, key}));
    ASSERT_OK(user().addPin({"ssh", "older.example", KeyFormat::OpenSsh, key}));
    auto forgotten = user().forgetPins({std::string("OLD.example"), std::nullopt});
    ASSERT_OK(forgotten);
    EXPECT_EQ(*forgotten, 2u);
    auto pins = user().listPins();
    ASSERT_EQ(pins->size(), 1u);
    EXPECT_EQ(pins->front().peer, "older.example");
}

// "host:22" is the peer ssh stores as "host" (its default port dropped), so forgetting it
// takes ssh's pins on "host" too, and those of protocols without that default port only on
// "host:22".
TEST_F(PinTest, ForgetByPeerWithADefaultPortAlsoForgetsThatProtocolsBareHost) {
    Bytes key = sshKey();
    ASSERT_OK(user().addPin({"ssh", "old.example:22", KeyFormat::OpenSsh, key}));
    ASSERT_OK(user().addPin({"ssh", "old.example:2222", KeyFormat::OpenSsh, key}));
    Bytes cert = selfSigned(serverSpec("old.example")).der;
    ASSERT_OK(user().addPin({"tls", "old.example:22", KeyFormat::X509Chain, cert}));
    ASSERT_OK(user().addPin({"tls", "old.example", KeyFormat::X509Chain, cert}));
    auto forgotten = user().forgetPins({std::string("old.example:22"), std::nullopt});
    ASSERT_OK(forgotten);
    EXPECT_EQ(*forgotten, 2u);
    auto pins = user().listPins();
    ASSERT_OK(pins);
    std::multiset<std::string> left;
    for (const auto& pin : *pins) {
        left.insert(pin.protocol + " " + pin.peer);
    }
    EXPECT_EQ(left, (std::multiset<std::string>{"ssh old.example:2222", "tls old.example"}));

    // https's pin on "web.example" is web.example:443, and so is the pin of its family (tls),
    // which answers https there.
    Bytes web = selfSigned(serverSpec("web.example")).der;
    ASSERT_OK(user().addPin({"https", "web.example", KeyFormat::X509Chain, web}));
    ASSERT_OK(user().addPin({"tls", "web.example", KeyFormat::X509Chain, web}));
    ASSERT_OK(user().addPin({"tls", "web.example:8443", KeyFormat::X509Chain, web}));
    forgotten = user().forgetPins({std::string("web.example:443"), std::nullopt});
    ASSERT_OK(forgotten);
    EXPECT_EQ(*forgotten, 2u);
    pins = user().listPins();
    ASSERT_OK(pins);
    std::multiset<std::string> webLeft;
    for (const auto& pin : *pins) {
        if (pin.peer.starts_with("web.example")) {
            webLeft.insert(pin.protocol + " " + pin.peer);
        }
    }
    EXPECT_EQ(webLeft, (std::multiset<std::string>{"tls web.example:8443"}));
}

// An IPv6 peer's other ports are "[v6]:port": forgetting 2001:db8::1 leaves 2001:db8::1:5,
// another host whose address merely begins the same way.
TEST_F(PinTest, ForgetByIpv6PeerForgetsOnlyThatAddress) {
    Bytes key = sshKey();
    ASSERT_OK(user().addPin({"ssh", "2001:db8::1", KeyFormat::OpenSsh, key}));
    ASSERT_OK(user().addPin({"ssh", "[2001:db8::1]:2222", KeyFormat::OpenSsh, key}));
    ASSERT_OK(user().addPin({"ssh", "2001:db8::1:5", KeyFormat::OpenSsh, key}));
    auto forgotten = user().forgetPins({std::string("2001:db8::1"), std::nullopt});
    ASSERT_OK(forgotten);
    EXPECT_EQ(*forgotten, 2u);
    auto pins = user().listPins();
    ASSERT_EQ(pins->size(), 1u);
    EXPECT_EQ(pins->front().peer, "2001:db8::1:5");
}

TEST_F(PinTest, ForgetOlderThanKeepsPinsSeenRecently) {
    Bytes stale = sshKey();
    Bytes used = sshKey();
    Bytes fresh = sshKey();
    ASSERT_OK(user().addPin({"ssh", "stale.example", KeyFormat::OpenSsh, stale}));
    ASSERT_OK(user().addPin({"ssh", "used.example", KeyFormat::OpenSsh, used}));
    m_now = kNow + 100 * 86400;
    ASSERT_OK(user().addPin({"ssh", "fresh.example", KeyFormat::OpenSsh, fresh}));
    EXPECT_EQ(verify(user(), "ssh", "used.example", KeyFormat::OpenSsh, used).reason, "pinned");
    auto forgotten = user().forgetPins({std::nullopt, m_now - 30 * 86400});
    ASSERT_OK(forgotten);
    EXPECT_EQ(*forgotten, 1u);
    auto pins = user().listPins();
    ASSERT_EQ(pins->size(), 2u);
    EXPECT_EQ(pins->at(0).peer, "fresh.example");
    EXPECT_EQ(pins->at(1).peer, "used.example");
}

TEST_F(PinTest, AmbiguousPrefixIsRefused) {
    // Enough pins that two ids share a first hex digit.
    std::vector<std::string> ids;
    Bytes key = sshKey();
    for (int i = 0; i < 20; ++i) {
        auto added =
            user().addPin({"ssh", "h" + std::to_string(i) + ".example", KeyFormat::OpenSsh, key});
        ASSERT_OK(added);
        ids.push_back(added->id);
    }
    std::sort(ids.begin(), ids.end());
    std::string shared;
    for (std::size_t i = 1; i < ids.size(); ++i) {
        if (ids[i][0] == ids[i - 1][0]) {
            shared = ids[i].substr(0, 1);
        }
    }
    ASSERT_FALSE(shared.empty());
    auto removed = user().removePin(shared);
    ASSERT_FALSE(removed.ok());
    EXPECT_NE(removed.error().message().find("ambiguous"), std::string::npos);
    EXPECT_EQ(user().listPins()->size(), 20u);
}

}  // namespace
}  // namespace peertrust::testing
