// Answering an asynchronous D-Bus call from a worker: the bus thread only decodes, so that one
// slow call (a large chain, a write waiting for a lock, generating an RSA key) never holds up
// the others.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include "DbusWire.h"
#include "service/WorkerPool.h"

namespace peertrust::service {

// The error reply to a call whose work threw. What threw may be the reply itself (sdbus-c++
// throws when the bus is gone): then no answer can be sent, and the daemon is ending anyway.
template <typename Reply>
void replyWithInternalError(Reply& reply, const char* what) noexcept {
    try {
        reply.returnError(wire::toDbusError(internalError(what)));
    } catch (...) {
        // Nowhere left to say it; the bus loss itself is reported as the daemon ends.
    }
}

// Runs `work(reply)` on a worker; an exception it throws goes back as an internal error.
template <typename ResultType, typename Work>
void answerOnWorker(WorkerPool& workers, ResultType&& result, Work&& work) {
    // sdbus::Result is move-only and a std::function must be copyable: share it.
    auto reply = std::make_shared<std::decay_t<ResultType>>(std::move(result));
    workers.post([reply, work = std::forward<Work>(work)]() mutable {
        try {
            work(*reply);
        } catch (const std::exception& e) {
            replyWithInternalError(*reply, e.what());
        } catch (...) {
            replyWithInternalError(*reply, "an unknown exception");
        }
    });
}

}  // namespace peertrust::service
