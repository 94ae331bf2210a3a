// The audit trail's writer: gateway threads append in memory, one thread writes a batch to
// keys.db at least every second, so a crash loses at most the last second's rows and no
// signature waits for a disk sync. Rows that cannot be written are kept and tried again; while
// the trail cannot be written, writing() is false and the gateway refuses every use: no use
// goes unaudited for longer than that second.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "keys/KeyRegistry.h"

namespace peertrust::keys {

// Where rows that cannot be written are reported: the daemon's log. Empty: stderr.
using AuditFailureReport = std::function<void(std::string_view)>;

class AuditLog {
public:
    explicit AuditLog(KeyRegistry& registry, AuditFailureReport reportFailure = {});
    ~AuditLog();  // writes what is pending
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    void append(AuditRecord record);
    void flush();  // now, for a caller about to read the trail
    // False from a write that failed until one succeeds.
    bool writing() const { return m_writing.load(); }

private:
    void run();
    void report(const std::string& message);

    KeyRegistry& m_registry;
    AuditFailureReport m_reportFailure;
    std::mutex m_writeLock;  // held while a batch is written
    std::mutex m_lock;       // guards m_pending and m_stopping
    std::condition_variable m_wake;
    std::vector<AuditRecord> m_pending;
    std::atomic<bool> m_writing{true};
    bool m_stopping = false;
    std::thread m_writer;
};

}  // namespace peertrust::keys
