// StoreWatch: told once a burst of writes to the store's files settles, once more a second
// later (a commit whose fsync returned after its file events has no event of its own), and
// never for other files of the directory or when nothing is written.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "service/StoreWatch.h"
#include "support/TempDir.h"

namespace peertrust::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class StoreWatchTest : public ::testing::Test {
protected:
    void SetUp() override {
        writeFile(dir / "user.db", "");
        auto started = service::StoreWatch::start({dir / "user.db"}, [this] {
            std::lock_guard lock(m_lock);
            m_calls.push_back(Clock::now());
            m_called.notify_all();
        });
        ASSERT_TRUE(started.ok()) << started.error().message();
        watch = std::move(started).value();
    }

    void append(const std::string& name) {
        std::ofstream out(dir / name, std::ios::app);
        out << "x";
    }
    // Waits up to `limit` for the watch to have been called `count` times.
    bool calledTimes(std::size_t count, milliseconds limit) {
        std::unique_lock lock(m_lock);
        return m_called.wait_for(lock, limit, [&] { return m_calls.size() >= count; });
    }
    std::vector<Clock::time_point> calls() {
        std::lock_guard lock(m_lock);
        return m_calls;
    }

    TempDir dir;
    std::unique_ptr<service::StoreWatch> watch;

private:
    std::mutex m_lock;
    std::condition_variable m_called;
    std::vector<Clock::time_point> m_calls;
};

TEST_F(StoreWatchTest, ABurstIsToldWhenItSettlesAndLookedAtOnceMoreASecondLater) {
    const auto written = Clock::now();
    append("user.db-wal");
    ASSERT_TRUE(calledTimes(1, milliseconds(3000)));
    EXPECT_LT(calls()[0] - written, milliseconds(900)) << "the burst was not told when it settled";
    // Another file of the directory (a PEM bundle written after the change) in between does
    // not cancel the second look.
    std::this_thread::sleep_for(milliseconds(200));
    append("bundle.pem");
    ASSERT_TRUE(calledTimes(2, milliseconds(4000))) << "no second look after the burst";
    const auto between = calls()[1] - calls()[0];
    EXPECT_GE(between, milliseconds(900));
    EXPECT_LT(between, milliseconds(2500));
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_EQ(calls().size(), 2u) << "the watch kept waking without writes";
}

TEST_F(StoreWatchTest, OtherFilesOfTheDirectoryAreNotTold) {
    append("bundle.pem");
    append("user.db.bak");
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_TRUE(calls().empty());
}

// A watch that can see no more (here its directory is removed) says so once, after one last
// look, so that whoever relied on it (the PEM bundle writer) goes back to looking itself.
TEST_F(StoreWatchTest, AWatchWhoseDirectoryGoesSaysItIsLost) {
    std::filesystem::create_directories(dir / "store");
    writeFile(dir / "store" / "user.db", "");
    std::mutex lock;
    std::condition_variable changed;
    int writes = 0;
    int lost = 0;
    auto started = service::StoreWatch::start(
        {dir / "store" / "user.db"},
        [&] {
            std::lock_guard held(lock);
            ++writes;
            changed.notify_all();
        },
        [&] {
            std::lock_guard held(lock);
            ++lost;
            changed.notify_all();
        });
    ASSERT_TRUE(started.ok()) << started.error().message();
    std::filesystem::remove_all(dir / "store");
    std::unique_lock held(lock);
    ASSERT_TRUE(changed.wait_for(held, milliseconds(3000), [&] { return lost > 0; }))
        << "the watch did not say it was lost";
    // One write told, or two when the directory's end came after the file's burst settled.
    const int writesWhenLost = writes;
    EXPECT_GE(writesWhenLost, 1) << "no last look before the watch ended";
    held.unlock();
    std::this_thread::sleep_for(milliseconds(1200));
    held.lock();
    EXPECT_EQ(lost, 1);
    EXPECT_EQ(writes, writesWhenLost) << "the lost watch kept calling";
}

}  // namespace
}  // namespace peertrust::testing
