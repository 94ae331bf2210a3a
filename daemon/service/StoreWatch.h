// Tells the daemon soon after any process wrote one of its store files, without waking it
// when nothing happens: inotify on the files' directories (SQLite replaces and recreates the
// -wal and -journal files beside the database, so the files themselves cannot be watched).
// A write of the daemon's own, or pin statistics, also wakes it: `onWrite` finds out what
// changed (PolicyEngine::takeChangesByOthers). Runs `onWrite` on its own thread: once a burst
// of writes settles, and once more a second later for a commit whose fsync came after its
// file events. Never when nothing is written. When the watch can see no more (a watched
// directory removed or unmounted, a failing poll), it says so in the log, runs `onWrite` once
// more and `onLost` once, and ends: who relied on it goes back to looking for themselves.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "os/UniqueFd.h"
#include "peertrust/Error.h"

namespace peertrust::service {

class StoreWatch {
public:
    static Result<std::unique_ptr<StoreWatch>> start(
        const std::vector<std::filesystem::path>& files, std::function<void()> onWrite,
        std::function<void()> onLost = {});
    ~StoreWatch();
    StoreWatch(const StoreWatch&) = delete;
    StoreWatch& operator=(const StoreWatch&) = delete;

    // Only start() makes one.
    class Key {
        friend class StoreWatch;
        Key() = default;
    };
    StoreWatch(Key, os::UniqueFd inotifyFd, os::UniqueFd stopFd, std::set<std::string> names,
               std::function<void()> onWrite, std::function<void()> onLost);

private:
    void run();
    // Reads what inotify has; true when one of the store's files was among it. Sets m_lost
    // when a directory's watch ended.
    bool drainEvents();
    // Ends the watch for `why`: one last look, then onLost.
    void lose(const std::string& why);

    os::UniqueFd m_inotifyFd;
    os::UniqueFd m_stopFd;          // an eventfd: written once to stop the thread
    std::set<std::string> m_names;  // file names that count: "user.db", "user.db-wal", ...
    std::function<void()> m_onWrite;
    std::function<void()> m_onLost;
    bool m_lost = false;  // only the watch's thread reads and writes it
    std::thread m_thread;
};

}  // namespace peertrust::service
