// The daemon's bus event loop, run on the thread that calls run(). sdbus-c++ 1.2's own loop
// polls for what the connection wanted when the loop went to sleep: a reply or signal another
// thread sends, longer than the socket takes at once, keeps its rest queued until some
// message comes in (fixed upstream in 1.3). Here a thread that sent calls flushSoon(), which
// wakes the loop to write the rest when there is one.
#pragma once

#include <sdbus-c++/Error.h>
#include <sdbus-c++/IConnection.h>

#include <atomic>
#include <memory>

#include "os/UniqueFd.h"
#include "peertrust/Error.h"

namespace peertrust::service {

class BusLoop {
public:
    static Result<std::unique_ptr<BusLoop>> create(sdbus::IConnection& connection);
    ~BusLoop() = default;
    BusLoop(const BusLoop&) = delete;
    BusLoop& operator=(const BusLoop&) = delete;

    // Processes the connection until stop(); throws sdbus::Error when the bus goes away.
    void run();
    // From any thread (a signal waiter): run() returns soon after.
    void stop();
    // From any thread, after sending: when output is left queued, the loop wakes to write it.
    void flushSoon();

    // Only create() makes one.
    class Key {
        friend class BusLoop;
        Key() = default;
    };
    BusLoop(Key, sdbus::IConnection& connection, os::UniqueFd wakeFd);

private:
    void wake();

    sdbus::IConnection& m_connection;
    os::UniqueFd m_wakeFd;  // an eventfd: written to wake run() from its poll
    std::atomic<bool> m_stopping{false};
};

}  // namespace peertrust::service
