// PolicyEngine::takeChangesByOthers: what the daemon signals as Changed("store", ""). Each
// engine here stands for a process: system() for the administrator's, user() for a session
// daemon's, a second user engine for a program writing the same user store (the trust module
// inside a gcr program).
#include <gtest/gtest.h>

#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

class ChangesByOthersTest : public EngineFixture {
protected:
    Bytes sshKey() { return bytesOf(openSshLine(generateKey(KeyType::Ed25519).get())); }

    std::unique_ptr<policy::PolicyEngine> anotherUserProgram() {
        auto store = store::TrustStore::open({systemPath(), false, userPath()});
        EXPECT_TRUE(store.ok());
        auto engine = policy::PolicyEngine::create(std::move(store).value(), m_options);
        EXPECT_TRUE(engine.ok());
        return std::move(engine).value();
    }
};

TEST_F(ChangesByOthersTest, AnEnginesOwnWritesAreNotAnotherProcesssChange) {
    ASSERT_OK(system().listAnchors());  // the system store exists below the user's
    ASSERT_OK(user().addPin({"ssh", "own.example", KeyFormat::OpenSsh, sshKey()}));
    Issued root = selfSigned(caSpec("Own Root"));
    addAnchor(user(), root);
    // A Verify that finds the new counter first does not make the write another's.
    Issued leaf = issue(serverSpec("www.example.com"), root);
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &root}).reason, "anchor");
    auto taken = user().takeChangesByOthers();
    ASSERT_OK(taken);
    EXPECT_FALSE(*taken);
}

TEST_F(ChangesByOthersTest, TheAdministratorsPolicyChangesAreTakenOnce) {
    ASSERT_OK(user().listAnchors());
    Issued root = selfSigned(caSpec("Machine Root"));
    addAnchor(system(), root);
    auto taken = user().takeChangesByOthers();
    ASSERT_OK(taken);
    EXPECT_TRUE(*taken);
    taken = user().takeChangesByOthers();
    ASSERT_OK(taken);
    EXPECT_FALSE(*taken) << "the same change was taken twice";
    // And the engine decides on it at once.
    Issued leaf = issue(serverSpec("www.example.com"), root);
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &root}).reason, "anchor");
}

// A Verify that finds the change first (and reloads) does not swallow its announcement.
TEST_F(ChangesByOthersTest, AChangeAVerifyFoundFirstIsStillTaken) {
    Bytes key = sshKey();
    ASSERT_OK(user().listPins());
    auto program = anotherUserProgram();
    ASSERT_OK(program->addPin({"ssh", "gcr.example", KeyFormat::OpenSsh, key}));
    EXPECT_EQ(verify(user(), "ssh", "gcr.example", KeyFormat::OpenSsh, key).reason, "pinned");
    auto taken = user().takeChangesByOthers();
    ASSERT_OK(taken);
    EXPECT_TRUE(*taken);
}

// gcr pins a key through the trust module; before the daemon's watch asks, the daemon writes
// a pin of its own. The other program's write is still announced.
TEST_F(ChangesByOthersTest, AnotherProgramsWriteFollowedByOneOfOursIsStillTaken) {
    ASSERT_OK(user().listPins());
    ASSERT_OK(user().takeChangesByOthers());
    auto program = anotherUserProgram();
    ASSERT_OK(program->addPin({"ssh", "gcr.example", KeyFormat::OpenSsh, sshKey()}));
    ASSERT_OK(user().addPin({"ssh", "own.example", KeyFormat::OpenSsh, sshKey()}));
    auto taken = user().takeChangesByOthers();
    ASSERT_OK(taken);
    EXPECT_TRUE(*taken) << "the other program's pin was taken for the daemon's own write";
    taken = user().takeChangesByOthers();
    ASSERT_OK(taken);
    EXPECT_FALSE(*taken) << "the same change was taken twice";
    // Our own write alone, after the announcement, is still ours.
    ASSERT_OK(user().addPin({"ssh", "own2.example", KeyFormat::OpenSsh, sshKey()}));
    taken = user().takeChangesByOthers();
    ASSERT_OK(taken);
    EXPECT_FALSE(*taken);
}

// What keeps a copy of the policy (the daemon's PEM bundle) hears of the engine's own writes
// from the engine, not only from the file watch, which may look before the commit shows.
TEST_F(ChangesByOthersTest, TheEnginesOwnDecidingWritesAreToldToItsListener) {
    int told = 0;
    user().setOwnWriteListener([&told] { ++told; });
    Bytes key = sshKey();
    ASSERT_OK(user().addPin({"ssh", "own.example", KeyFormat::OpenSsh, key}));
    EXPECT_EQ(told, 1);
    Issued root = selfSigned(caSpec("Own Root"));
    addAnchor(user(), root);
    EXPECT_EQ(told, 2);
    // A sighting and its statistics change no decision.
    EXPECT_EQ(verify(user(), "ssh", "own.example", KeyFormat::OpenSsh, key).reason, "pinned");
    ASSERT_OK(user().flushPinStatistics());
    EXPECT_EQ(told, 2);
    user().setOwnWriteListener({});
}

// Another program's pin statistics are commits too, but change no decision.
TEST_F(ChangesByOthersTest, AnotherProgramsPinStatisticsAreNoChange) {
    Bytes key = sshKey();
    ASSERT_OK(user().addPin({"ssh", "seen.example", KeyFormat::OpenSsh, key}));
    ASSERT_OK(user().takeChangesByOthers());
    auto program = anotherUserProgram();
    EXPECT_EQ(verify(*program, "ssh", "seen.example", KeyFormat::OpenSsh, key).reason, "pinned");
    ASSERT_OK(program->flushPinStatistics());
    auto pins = user().listPins();
    ASSERT_OK(pins);
    ASSERT_EQ(pins->size(), 1u);
    EXPECT_EQ(pins->front().seenCount, 1u) << "the statistics were not written";
    auto taken = user().takeChangesByOthers();
    ASSERT_OK(taken);
    EXPECT_FALSE(*taken);
}

}  // namespace
}  // namespace peertrust::testing
