// A fixed set of threads taking jobs from one queue: D-Bus calls are decoded on the bus
// thread and answered from here, so one slow call never holds up the others.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace peertrust::service {

class WorkerPool {
public:
    // `afterJob` runs on the worker after each job (BusLoop::flushSoon: a reply it sent may
    // wait in the connection's queue).
    explicit WorkerPool(std::size_t threads, std::function<void()> afterJob = {});
    ~WorkerPool();  // finishes the jobs already queued, then joins
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void post(std::function<void()> job);

private:
    void run();
    void stop();  // finishes the queue and joins

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_jobs;
    std::function<void()> m_afterJob;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

}  // namespace peertrust::service
