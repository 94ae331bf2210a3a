#include "keys/AuditLog.h"

#include <chrono>
#include <cstdio>
#include <string>

namespace peertrust::keys {

AuditLog::AuditLog(KeyRegistry& registry, AuditFailureReport reportFailure)
    : m_registry(registry),
      m_reportFailure(std::move(reportFailure)),
      m_writer([this] { run(); }) {}

AuditLog::~AuditLog() {
    {
        std::lock_guard lock(m_lock);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_writer.join();
    flush();
}

void AuditLog::append(AuditRecord record) {
    std::lock_guard lock(m_lock);
    m_pending.push_back(std::move(record));
}

void AuditLog::flush() {
    std::vector<AuditRecord> batch;
    {
        std::lock_guard lock(m_lock);
        batch.swap(m_pending);
    }
    if (batch.empty()) {
        return;
    }
    auto written = m_registry.appendAudit(batch);
    if (!written) {
        // The rows are lost, and the administrator must know why.
        const std::string message = "cannot write " + std::to_string(batch.size()) +
                                    " audit rows: " + written.error().message();
        if (m_reportFailure) {
            m_reportFailure(message);
        } else {
            std::fprintf(stderr, "peertrustd: %s\n", message.c_str());
        }
    }
}

void AuditLog::run() {
    std::unique_lock lock(m_lock);
    while (!m_stopping) {
        m_wake.wait_for(lock, std::chrono::milliseconds(500));
        lock.unlock();
        flush();
        lock.lock();
    }
}

}  // namespace peertrust::keys
