#include "service/StoreWatch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <system_error>

#include "service/DaemonLog.h"

namespace peertrust::service {

namespace {

// SQLite's companions of a database file, written by every commit.
constexpr std::array<const char*, 3> kSuffixes = {"", "-wal", "-journal"};

// A burst of writes (one commit touches the log several times) is announced once: wait this
// long for the burst to end before asking what changed.
constexpr int kSettleMilliseconds = 50;
// A store written without pause is still announced, at most every 20 settles (a second).
constexpr int kMaxSettles = 20;
// After a burst's notification, the one more look for a commit its fsync held back.
constexpr int kFollowUpMilliseconds = 1000;

}  // namespace

Result<std::unique_ptr<StoreWatch>> StoreWatch::start(
    const std::vector<std::filesystem::path>& files, std::function<void()> onWrite,
    std::function<void()> onLost) {
    os::UniqueFd inotifyFd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!inotifyFd) {
        return unavailable(std::string("cannot watch the store for changes (inotify): ") +
                           std::strerror(errno));
    }
    std::set<std::string> names;
    std::set<std::filesystem::path> directories;
    for (const std::filesystem::path& file : files) {
        for (const char* suffix : kSuffixes) {
            names.insert(file.filename().string() + suffix);
        }
        directories.insert(file.parent_path().empty() ? "." : file.parent_path());
    }
    for (const std::filesystem::path& directory : directories) {
        if (inotify_add_watch(inotifyFd.get(), directory.c_str(),
                              IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
                                  IN_ONLYDIR) < 0) {
            int error = errno;
            return unavailable("cannot watch " + directory.string() +
                               " for changes to the store: " + std::strerror(error));
        }
    }
    os::UniqueFd stopFd(eventfd(0, EFD_CLOEXEC));
    if (!stopFd) {
        int error = errno;
        return unavailable(std::string("cannot watch the store for changes (eventfd): ") +
                           std::strerror(error));
    }
    try {
        return std::make_unique<StoreWatch>(Key{}, std::move(inotifyFd), std::move(stopFd),
                                            std::move(names), std::move(onWrite),
                                            std::move(onLost));
    } catch (const std::system_error& e) {  // the thread did not start
        return unavailable(std::string("cannot watch the store for changes: ") + e.what());
    }
}

StoreWatch::StoreWatch(Key, os::UniqueFd inotifyFd, os::UniqueFd stopFd,
                       std::set<std::string> names, std::function<void()> onWrite,
                       std::function<void()> onLost)
    : m_inotifyFd(std::move(inotifyFd)),
      m_stopFd(std::move(stopFd)),
      m_names(std::move(names)),
      m_onWrite(std::move(onWrite)),
      m_onLost(std::move(onLost)),
      m_thread([this] { run(); }) {}

StoreWatch::~StoreWatch() {
    const std::uint64_t one = 1;
    // An eventfd write of 8 bytes cannot fail short of a bad descriptor.
    (void)::write(m_stopFd.get(), &one, sizeof one);
    m_thread.join();
}

bool StoreWatch::drainEvents() {
    bool ours = false;
    alignas(inotify_event) char buffer[4096];
    for (;;) {
        ssize_t got = ::read(m_inotifyFd.get(), buffer, sizeof buffer);
        if (got <= 0) {
            return ours;  // EAGAIN: nothing more for now
        }
        for (ssize_t at = 0; at < got;) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
            if ((event->mask & IN_IGNORED) != 0) {
                m_lost = true;  // the directory was removed or its file system unmounted
            }
            if ((event->mask & IN_Q_OVERFLOW) != 0 ||
                (event->len > 0 && m_names.count(event->name) > 0)) {
                ours = true;  // an overflow may have hidden one of ours
            }
            at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
    }
}

void StoreWatch::lose(const std::string& why) {
    log(LogLevel::Warning, "the store watch stopped (" + why +
                               "): changes other programs make are no longer signalled");
    // Each on its own: a failing last look must not keep the listeners from being told.
    try {
        m_onWrite();  // what came before the end is still told
    } catch (...) {
    }
    try {
        if (m_onLost) {
            m_onLost();
        }
    } catch (...) {
    }
}

void StoreWatch::run() {
    std::array<pollfd, 2> fds{{{m_stopFd.get(), POLLIN, 0}, {m_inotifyFd.get(), POLLIN, 0}}};
    auto notify = [&] {
        try {
            m_onWrite();
        } catch (const std::exception&) {
            // Nothing to tell but the log, which onWrite writes itself; the watch goes on.
        }
    };
    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> followUpAt;
    for (;;) {
        int timeout = -1;
        if (followUpAt) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*followUpAt - Clock::now());
            timeout = static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
        }
        int ready = ::poll(fds.data(), fds.size(), timeout);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            lose(std::strerror(errno));
            return;
        }
        if ((fds[0].revents & POLLIN) != 0) {
            return;
        }
        if (ready == 0) {
            // A commit becomes visible only once its fsync returns (synchronous = FULL), which
            // on a busy disk can come after its file events have settled, with no event of
            // its own (the -shm index is mapped memory): one more look, once per burst.
            followUpAt.reset();
            notify();
            continue;
        }
        const bool ours = drainEvents();
        if (m_lost) {
            lose("a directory of the store was removed or unmounted");
            return;
        }
        if (!ours) {
            continue;  // other files of the directory (a PEM bundle) keep the follow-up
        }
        // Let the burst of the store's own files end (other files in the directory do not
        // hold it back); the stop request still ends the wait at once.
        for (int bursts = 0; bursts < kMaxSettles; ++bursts) {
            int settled = ::poll(fds.data(), fds.size(), kSettleMilliseconds);
            if (settled > 0 && (fds[0].revents & POLLIN) != 0) {
                return;
            }
            if (settled <= 0 || !drainEvents() || m_lost) {
                break;
            }
        }
        if (m_lost) {
            lose("a directory of the store was removed or unmounted");
            return;
        }
        notify();
        followUpAt = Clock::now() + std::chrono::milliseconds(kFollowUpMilliseconds);
    }
}

}  // namespace peertrust::service
