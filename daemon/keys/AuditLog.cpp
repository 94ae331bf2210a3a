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
    std::lock_guard lock(m_lock);
    if (!m_pending.empty()) {
        report("lost " + std::to_string(m_pending.size()) +
               " audit rows: the trail could not be written before the key layer stopped");
    }
}

void AuditLog::append(AuditRecord record) {
    {
        std::lock_guard lock(m_lock);
        m_pending.push_back(std::move(record));
    }
    // Every time, not only for the first row: another flush (Keys1.Audit) may have taken the
    // first and put it back after failing, and the writer must still come to retry.
    m_wake.notify_one();
}

namespace {

// Rows kept for a trail that cannot be written: beyond this, the oldest go (and are reported),
// rather than the daemon's memory. Uses are refused meanwhile, so only refusals add rows.
constexpr std::size_t kMaxUnwrittenRows = 100000;

}  // namespace

void AuditLog::report(const std::string& message) {
    if (m_reportFailure) {
        m_reportFailure(message);
    } else {
        std::fprintf(stderr, "peertrustd: %s\n", message.c_str());
    }
}

void AuditLog::flush() {
    std::lock_guard writer(m_writeLock);  // one batch at a time, in order
    std::vector<AuditRecord> batch;
    {
        std::lock_guard lock(m_lock);
        batch.swap(m_pending);
    }
    if (batch.empty()) {
        return;
    }
    auto written = m_registry.appendAudit(batch);
    if (written) {
        if (!m_writing.exchange(true)) {
            report("the audit trail is written again; key uses are served");
        }
        return;
    }
    // Kept for the next try, before anything appended since.
    std::size_t dropped = 0;
    std::size_t unwritten = 0;
    {
        std::lock_guard lock(m_lock);
        batch.insert(batch.end(), std::make_move_iterator(m_pending.begin()),
                     std::make_move_iterator(m_pending.end()));
        if (batch.size() > kMaxUnwrittenRows) {
            dropped = batch.size() - kMaxUnwrittenRows;
            batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(dropped));
        }
        m_pending.swap(batch);
        unwritten = m_pending.size();
    }
    m_wake.notify_one();  // a flush from outside the writer failed: the writer retries it
    if (m_writing.exchange(false)) {
        // The administrator must know why keys stopped working.
        report("cannot write " + std::to_string(unwritten) + " audit rows: " +
               written.error().message() + "; every key use is refused until the trail is written");
    }
    if (dropped > 0) {
        report("lost " + std::to_string(dropped) + " audit rows the trail could not take");
    }
}

void AuditLog::run() {
    std::unique_lock lock(m_lock);
    while (!m_stopping) {
        // Asleep while there is nothing to write: an idle daemon does not wake. A use then
        // waits for the half second that gathers a batch (at most that is lost on a crash).
        m_wake.wait(lock, [&] { return m_stopping || !m_pending.empty(); });
        if (m_wake.wait_for(lock, std::chrono::milliseconds(500), [&] { return m_stopping; })) {
            break;  // the destructor writes what is left
        }
        lock.unlock();
        flush();
        lock.lock();
    }
}

}  // namespace peertrust::keys
