#include "service/WorkerPool.h"

#include <exception>
#include <string>

#include "service/DaemonLog.h"

namespace peertrust::service {

WorkerPool::WorkerPool(std::size_t threads, std::function<void()> afterJob)
    : m_afterJob(std::move(afterJob)) {
    try {
        for (std::size_t i = 0; i < threads; ++i) {
            m_threads.emplace_back([this] { run(); });
        }
    } catch (...) {
        // A thread that cannot start (a task limit): the started ones must not be left
        // joinable, which would be std::terminate.
        stop();
        throw;
    }
}

WorkerPool::~WorkerPool() {
    stop();
}

void WorkerPool::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    for (auto& thread : m_threads) {
        thread.join();
    }
    m_threads.clear();
}

void WorkerPool::post(std::function<void()> job) {
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
}

void WorkerPool::run() {
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_jobs.empty()) {
                return;  // stopping, and nothing left to answer
            }
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        // A job answers its own errors (answerOnWorker); one that still throws must not end
        // the daemon with std::terminate and leave the other calls unanswered.
        try {
            job();
            if (m_afterJob) {
                m_afterJob();
            }
        } catch (const std::exception& e) {
            log(LogLevel::Error, std::string("a worker's job failed: ") + e.what());
        } catch (...) {
            log(LogLevel::Error, "a worker's job failed with an unknown exception");
        }
    }
}

}  // namespace peertrust::service
