#include "service/BusLoop.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <limits>
#include <string>

namespace peertrust::service {

namespace {

// PollData's timeout (absolute CLOCK_MONOTONIC microseconds, all ones for none) as poll()'s.
int pollTimeoutMs(std::uint64_t deadlineUsec) {
    if (deadlineUsec == std::numeric_limits<std::uint64_t>::max()) {
        return -1;
    }
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const std::uint64_t nowUsec = static_cast<std::uint64_t>(now.tv_sec) * 1000000u +
                                  static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
    if (deadlineUsec <= nowUsec) {
        return 0;
    }
    const std::uint64_t ms = (deadlineUsec - nowUsec + 999) / 1000;
    return ms > static_cast<std::uint64_t>(std::numeric_limits<int>::max())
               ? std::numeric_limits<int>::max()
               : static_cast<int>(ms);
}

}  // namespace

Result<std::unique_ptr<BusLoop>> BusLoop::create(sdbus::IConnection& connection) {
    os::UniqueFd wakeFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wakeFd) {
        return unavailable(std::string("cannot make the bus loop's eventfd: ") +
                           std::strerror(errno));
    }
    return std::make_unique<BusLoop>(Key{}, connection, std::move(wakeFd));
}

BusLoop::BusLoop(Key, sdbus::IConnection& connection, os::UniqueFd wakeFd)
    : m_connection(connection), m_wakeFd(std::move(wakeFd)) {}

void BusLoop::wake() {
    const std::uint64_t one = 1;
    // Fails only when the counter is about to overflow: the loop is awake then anyway.
    (void)::write(m_wakeFd.get(), &one, sizeof one);
}

void BusLoop::stop() {
    m_stopping = true;
    wake();
}

void BusLoop::flushSoon() {
    // POLLOUT in the connection's wishes means its write queue is not empty.
    if ((m_connection.getEventLoopPollData().events & POLLOUT) != 0) {
        wake();
    }
}

void BusLoop::run() {
    while (!m_stopping) {
        if (m_connection.processPendingRequest()) {
            continue;  // more may be waiting before we sleep
        }
        const sdbus::IConnection::PollData wanted = m_connection.getEventLoopPollData();
        std::array<pollfd, 2> fds{{{wanted.fd, wanted.events, 0}, {m_wakeFd.get(), POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), pollTimeoutMs(wanted.timeout_usec)) < 0 &&
            errno != EINTR) {
            throw sdbus::Error("org.peertrust.Error.Unavailable",
                               std::string("polling the bus failed: ") + std::strerror(errno));
        }
        if ((fds[1].revents & POLLIN) != 0) {
            std::uint64_t count = 0;
            (void)::read(m_wakeFd.get(), &count, sizeof count);  // EAGAIN: another reader took it
        }
    }
}

}  // namespace peertrust::service
