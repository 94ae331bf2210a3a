// Keeps a PEM bundle file (peertrustd.conf: pem_bundle, pem_bundle_purpose) equal to what
// `peertrust anchor export` would write: at start, and soon after any change to the stores,
// also one made by another process: told by the store watch (storeWritten), or, while there
// is none, by looking every second. The file is replaced atomically. When it cannot
// be brought up to date, the old file (which may trust what was since distrusted) is removed,
// or failing that emptied of anchors: its readers get less, never more.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "policy/PolicyEngine.h"

namespace peertrust::service {

class BundleFileWriter {
public:
    BundleFileWriter(policy::PolicyEngine& engine, std::filesystem::path path, std::string purpose);
    ~BundleFileWriter();
    BundleFileWriter(const BundleFileWriter&) = delete;
    BundleFileWriter& operator=(const BundleFileWriter&) = delete;

    // One of the store's files was written (StoreWatch): bring the file up to date.
    void storeWritten();
    // The store watch runs: stop looking every second, and sleep until told.
    void followStoreWatch();
    // The store watch ended (StoreWatch's onLost): look every second again.
    void storeWatchLost();

private:
    void run();
    void writeIfChanged();
    // The file after a failed update: gone, or (where it cannot be removed) without anchors.
    // What happened, for the log.
    std::string withdraw();

    policy::PolicyEngine& m_engine;
    std::filesystem::path m_path;
    std::string m_purpose;
    std::uint64_t m_written = 0;  // the store generation the file shows; 0: none yet
    bool m_failing = false;       // say a failure once, not every second
    std::mutex m_lock;
    std::condition_variable m_wake;
    bool m_stopping = false;
    bool m_storeWritten = false;  // storeWritten() since the last look
    bool m_polling = true;        // no store watch: look every second
    bool m_watchLost = false;     // the store watch ended (for good)
    std::thread m_thread;
};

}  // namespace peertrust::service
