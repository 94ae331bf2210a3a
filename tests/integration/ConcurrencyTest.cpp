// Many clients at once, a slow and a huge request beside them, and SIGTERM under load.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "peertrust/Client.h"
#include "policy/ProtocolRegistry.h"
#include "support/CertFactory.h"
#include "support/SessionDaemonTest.h"
#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {
namespace {

using Clock = std::chrono::steady_clock;

class ConcurrencyTest : public SessionDaemonTest {
protected:
    void SetUp() override {
        startDaemon({"--workers", "4"});
        root = selfSigned(caSpec("Load Root"));
        leaf = issue(serverSpec("www.example.com"), root);
        // Every name under load.example: each client's call names a peer of its own.
        CertSpec wildcardSpec = serverSpec("*.load.example");
        wildcard = issue(wildcardSpec, root);
        writeFile(dir / "wildcard.pem", wildcard.pem);
        // Known to no anchor: first use of it on tls pins it, when the caller asks.
        writeFile(dir / "self-signed.pem", selfSigned(serverSpec("*.new.example")).pem);
        ASSERT_TRUE(client->addAnchor({root.der, {}, "Load Root"}).ok());
    }

    // `processes` load clients, client i with `args(i)` (LoadClient's, after --started).
    std::vector<std::unique_ptr<ChildProcess>> startClients(
        int processes, const std::function<std::vector<std::string>(int)>& args) {
        std::vector<std::unique_ptr<ChildProcess>> clients;
        for (int i = 0; i < processes; ++i) {
            std::vector<std::string> argv = {builtProgram("peertrust_load_client"), "--started",
                                             startedFile(i).string()};
            std::vector<std::string> more = args(i);
            argv.insert(argv.end(), more.begin(), more.end());
            clients.push_back(std::make_unique<ChildProcess>(
                argv, std::vector<std::string>{bus->environmentEntry()}));
        }
        return clients;
    }
    // `count` calls of client `i` about peers of its own under load.example (accepted through
    // the anchor) and, every other call, elsewhere (rejected: the certificate does not name it).
    std::vector<std::string> readerArgs(int i, int count) {
        const std::string c = "c" + std::to_string(i) + "-{i}";
        return {std::to_string(count), "https", (dir / "wildcard.pem").string(),
                c + ".load.example=anchor", c + ".elsewhere.example=name-mismatch"};
    }
    // Created by client `i` once its first answer was right.
    std::filesystem::path startedFile(int i) { return dir / ("started-" + std::to_string(i)); }

    // Wall time of one Verify of `of` (by default the leaf every client asks about), over D-Bus.
    std::chrono::microseconds timedVerify(const Issued* of = nullptr) {
        auto start = Clock::now();
        auto verdict = client->verify({"https", "www.example.com", KeyFormat::X509Chain,
                                       (of != nullptr ? *of : leaf).der, std::nullopt, false});
        auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
        EXPECT_TRUE(verdict.ok() && verdict->reason == "anchor");
        return took;
    }

    Issued root, leaf, wildcard;
};

// 4,000 calls from 8 processes at once, each about a peer never asked about before (so the
// daemon checks every chain rather than answering from its verdict cache), half of them
// rejected: every answer is the right one and none is dropped.
TEST_F(ConcurrencyTest, EightClientsFiveHundredVerifiesEachAllCorrect) {
    auto clients = startClients(8, [&](int i) { return readerArgs(i, 500); });
    for (auto& process : clients) {
        EXPECT_EQ(process->wait(), 0);
    }
}

TEST_F(ConcurrencyTest, SlowAndHugeRequestsDoNotDelayAnotherClient) {
    // Leaves never asked about before: each Verify misses the verdict cache, so the daemon
    // checks the chain itself (a small chain on its bus thread) while the slow and huge
    // requests hold workers.
    std::vector<Issued> fresh;
    for (int i = 0; i < 70; ++i) {
        fresh.push_back(issue(serverSpec("www.example.com"), root));
    }
    std::chrono::microseconds normal{0};
    for (int i = 0; i < 20; ++i) {
        normal = std::max(normal, timedVerify(&fresh[i]));
    }
    // A stall would last as long as the slow write waits (5 s) or the import runs (about a
    // second); ctest runs other tests beside this one on two cores, so ordinary jitter gets
    // room well short of either.
    const auto allowed = normal + std::chrono::milliseconds(400);

    // Slow: a write that waits for another process holding the store's write lock.
    sqlite3* holder = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "user.db").c_str(), &holder), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    auto slow = std::async(std::launch::async, [&] {
        auto other = Client::connect(Bus::Session);
        return (*other)->addPin({"tls", "slow.example", KeyFormat::X509Chain, leaf.der});
    });
    // Huge: a 3 MiB bundle to import.
    Bytes bundle = readFile("/etc/ssl/certs/ca-certificates.crt");
    ASSERT_FALSE(bundle.empty());
    Bytes huge;
    while (huge.size() + bundle.size() < 3 * 1024 * 1024) {
        huge.insert(huge.end(), bundle.begin(), bundle.end());
    }
    auto big = std::async(std::launch::async, [&] {
        auto other = Client::connect(Bus::Session);
        return (*other)->importSystemAnchors(huge);
    });
    // Huge and malformed: 2 MiB of PEM that holds no certificate (sent as it is, since it
    // looks like PEM), refused by the daemon on its own.
    std::string junkPem = "-----BEGIN CERTIFICATE-----\n";
    for (int line = 0; line < 32 * 1024; ++line) {
        junkPem += std::string(64, 'A') + "\n";
    }
    junkPem += "-----END CERTIFICATE-----\n";
    auto junk = std::async(std::launch::async, [&] {
        auto other = Client::connect(Bus::Session);
        return (*other)->verify({"https", "www.example.com", KeyFormat::X509Chain,
                                 Bytes(junkPem.begin(), junkPem.end()), std::nullopt, false});
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let them be under way
    std::chrono::microseconds worst{0};
    for (int i = 20; i < 70; ++i) {
        worst = std::max(worst, timedVerify(&fresh[i]));
    }
#ifndef PEERTRUST_SANITIZED
    EXPECT_LT(worst, allowed) << "normal " << normal.count() << " us, worst while loaded "
                              << worst.count() << " us";
#else
    (void)allowed;
#endif
    EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
        << "the slow request was not slow";
    sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(holder);
    auto slowResult = slow.get();
    auto bigResult = big.get();
    auto junkResult = junk.get();
    EXPECT_TRUE(slowResult.ok()) << slowResult.error().message();
    EXPECT_TRUE(bigResult.ok()) << bigResult.error().message();
    ASSERT_FALSE(junkResult.ok());
    EXPECT_EQ(junkResult.error().category(), ErrorCategory::InvalidInput)
        << junkResult.error().message();
}

// SIGTERM while three clients read and a fourth writes (each of its calls pins a new peer's
// key on first use): the daemon exits cleanly, and the store is intact with every pin it
// acknowledged.
TEST_F(ConcurrencyTest, SigtermDuringLoadExitsCleanlyWithTheStoreIntact) {
    const std::filesystem::path answered = dir / "writer-answered";
    auto clients = startClients(4, [&](int i) {
        if (i < 3) {
            return readerArgs(i, 100000);
        }
        return std::vector<std::string>{"--answered",
                                        answered.string(),
                                        "--pin-on-first-use",
                                        "100000",
                                        "tls",
                                        (dir / "self-signed.pem").string(),
                                        "w{i}.new.example=tofu-new"};
    });
    // Every client is being answered before the daemon is told to stop.
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    for (int i = 0; i < 4; ++i) {
        while (!std::filesystem::exists(startedFile(i)) && Clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ASSERT_TRUE(std::filesystem::exists(startedFile(i))) << "client " << i << " never started";
    }
    EXPECT_EQ(daemon->process().terminate(), 0);
    for (auto& process : clients) {
        // Cut off, with an error (2), not a wrong answer (1) nor a finished run (0).
        EXPECT_EQ(process->wait(), 2);
    }
    ASSERT_TRUE(std::filesystem::exists(answered)) << "the writer did not say what it got";
    const Bytes answeredText = readFile(answered);
    const int pinsAcknowledged = std::stoi(std::string(answeredText.begin(), answeredText.end()));
    EXPECT_GE(pinsAcknowledged, 1);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "user.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
    sqlite3_finalize(stmt);
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM anchors", -1, &stmt, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
    sqlite3_finalize(stmt);
    // Every acknowledged pin was committed; one more may have been, its answer lost on the way.
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM pins", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    const int pinsStored = sqlite3_column_int(stmt, 0);
    EXPECT_GE(pinsStored, pinsAcknowledged);
    EXPECT_LE(pinsStored, pinsAcknowledged + 1);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

}  // namespace
}  // namespace peertrust::testing
