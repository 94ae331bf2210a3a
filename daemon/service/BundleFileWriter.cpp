#include "service/BundleFileWriter.h"

#include <chrono>
#include <fstream>
#include <string>
#include <system_error>

#include "service/DaemonLog.h"
#include "store/AtomicFile.h"

namespace peertrust::service {

BundleFileWriter::BundleFileWriter(policy::PolicyEngine& engine, std::filesystem::path path,
                                   std::string purpose)
    : m_engine(engine), m_path(std::move(path)), m_purpose(std::move(purpose)) {
    writeIfChanged();  // the file is right before the daemon serves anyone
    m_thread = std::thread([this] { run(); });
}

BundleFileWriter::~BundleFileWriter() {
    {
        std::lock_guard lock(m_lock);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
}

void BundleFileWriter::storeWritten() {
    {
        std::lock_guard lock(m_lock);
        m_storeWritten = true;
    }
    m_wake.notify_one();
}

void BundleFileWriter::followStoreWatch() {
    {
        std::lock_guard lock(m_lock);
        m_polling = m_watchLost;  // the watch may have ended before it was followed
        m_storeWritten = true;    // a write before the watch began is looked at once
    }
    m_wake.notify_one();
}

void BundleFileWriter::storeWatchLost() {
    {
        std::lock_guard lock(m_lock);
        m_watchLost = true;
        m_polling = true;
        m_storeWritten = true;
    }
    m_wake.notify_one();
}

void BundleFileWriter::run() {
    std::unique_lock lock(m_lock);
    while (!m_stopping) {
        auto told = [&] { return m_stopping || m_storeWritten; };
        // Without a watch, and after a failure (a full disk, a read-only remount), it looks
        // every second: the withdrawn file comes back without waiting for the next change.
        if (m_polling || m_failing) {
            m_wake.wait_for(lock, std::chrono::seconds(1), told);
        } else {
            m_wake.wait(lock, told);
        }
        if (m_stopping) {
            break;
        }
        m_storeWritten = false;
        lock.unlock();
        writeIfChanged();
        lock.lock();
    }
}

void BundleFileWriter::writeIfChanged() {
    // trustExport() notices writes by other processes (PRAGMA data_version).
    auto trust = m_engine.trustExport();
    if (trust && (*trust)->generation == m_written) {
        return;
    }
    auto bundle = m_engine.exportAnchors(m_purpose);
    Result<void> written =
        bundle ? store::writeFileAtomically(m_path, bundle->pem) : Result<void>(bundle.error());
    if (!written) {
        const std::string withdrawn = withdraw();
        if (!m_failing) {
            log(LogLevel::Error, "cannot keep " + m_path.string() + " up to date: " +
                                     written.error().message() + "; " + withdrawn);
        }
        m_failing = true;
        return;
    }
    if (m_failing) {
        log(LogLevel::Info, m_path.string() + " is up to date again");
    }
    m_failing = false;
    m_written = trust ? (*trust)->generation : 0;
}

std::string BundleFileWriter::withdraw() {
    std::error_code ec;
    if (!std::filesystem::exists(m_path, ec)) {
        return "there is no old file to withdraw";
    }
    if (std::filesystem::remove(m_path, ec)) {
        return "removed the old file, which may trust what has since changed";
    }
    const std::string whyNotRemoved = ec.message();
    // A directory the daemon may not write to can still hold a file it may truncate.
    std::ofstream out(m_path, std::ios::trunc);
    out << "# peertrust: this file could not be kept up to date and holds no anchors until it\n"
           "# can; see peertrustd's log.\n";
    out.flush();
    if (out) {
        return "could not remove the old file (" + whyNotRemoved + "), so emptied it of anchors";
    }
    return "could neither remove nor empty the old file (" + whyNotRemoved +
           "): its readers may trust what has since changed";
}

}  // namespace peertrust::service
