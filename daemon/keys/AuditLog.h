// The audit trail's writer: gateway threads append in memory, one thread writes a batch to
// keys.db at least every second, so a crash loses at most the last second's rows and no
// signature waits for a disk sync.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
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

private:
    void run();

    KeyRegistry& m_registry;
    AuditFailureReport m_reportFailure;
    std::mutex m_lock;
    std::condition_variable m_wake;
    std::vector<AuditRecord> m_pending;
    bool m_stopping = false;
    std::thread m_writer;
};

}  // namespace peertrust::keys
