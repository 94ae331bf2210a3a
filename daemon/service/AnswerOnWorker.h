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

// Runs `work(reply)` on a worker; an exception it throws goes back as an internal error.
template <typename ResultType, typename Work>
void answerOnWorker(WorkerPool& workers, ResultType&& result, Work&& work) {
    // sdbus::Result is move-only and a std::function must be copyable: share it.
    auto reply = std::make_shared<std::decay_t<ResultType>>(std::move(result));
    workers.post([reply, work = std::forward<Work>(work)]() mutable {
        try {
            work(*reply);
        } catch (const std::exception& e) {
            reply->returnError(wire::toDbusError(internalError(e.what())));
        }
    });
}

}  // namespace peertrust::service
