#include "service/BundleFileWriter.h"

#include <chrono>
#include <string>

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

void BundleFileWriter::run() {
    std::unique_lock lock(m_lock);
    while (!m_stopping) {
        m_wake.wait_for(lock, std::chrono::seconds(1));
        if (m_stopping) {
            break;
        }
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
        if (!m_failing) {
            log(LogLevel::Warning,
                "cannot keep " + m_path.string() + " up to date: " + written.error().message());
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

}  // namespace peertrust::service
