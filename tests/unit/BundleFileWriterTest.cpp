// The PEM bundle file peertrustd keeps (pem_bundle): written at start, then brought up to date
// when the store watch says a store file was written, and, while there is no watch or once the
// watch is lost, by looking every second. The changes here come from another connection to the
// store, as an administrator's `peertrust --system` would make them.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "service/BundleFileWriter.h"
#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

using Clock = std::chrono::steady_clock;

class BundleFileWriterTest : public EngineFixture {
protected:
    std::filesystem::path bundlePath() const { return m_dir / "bundle.pem"; }

    // Whether the bundle holds `cert` (its first line of base64, which names it well enough).
    bool bundleHolds(const Issued& cert) const {
        std::ifstream in(bundlePath());
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        const auto start = cert.pem.find('\n') + 1;
        return text.find(cert.pem.substr(start, cert.pem.find('\n', start) - start)) !=
               std::string::npos;
    }

    // Whether the bundle holds `cert` within `limit`, looking as often as a reader might.
    bool bundleHoldsWithin(const Issued& cert, std::chrono::milliseconds limit) const {
        const auto deadline = Clock::now() + limit;
        while (Clock::now() < deadline) {
            if (bundleHolds(cert)) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return bundleHolds(cert);
    }

    Issued newAnchor(const std::string& name) {
        Issued cert = selfSigned(caSpec(name));
        addAnchor(system(), cert, {}, name);
        return cert;
    }
};

TEST_F(BundleFileWriterTest, FollowsTheWatchAndLooksEverySecondOnceItIsLost) {
    const Issued first = newAnchor("First Root");
    service::BundleFileWriter writer(user(), bundlePath(), "");
    EXPECT_TRUE(bundleHolds(first)) << "the file is written before the daemon serves anyone";

    // Following the watch, the writer sleeps until told: a write it is not told of waits.
    writer.followStoreWatch();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // its one look is done
    const Issued second = newAnchor("Second Root");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_FALSE(bundleHolds(second)) << "the writer looked without being told";
    writer.storeWritten();
    EXPECT_TRUE(bundleHoldsWithin(second, std::chrono::seconds(5)));

    // The watch is lost (its directory went away): the writer looks at once, and then every
    // second again, so that a later write reaches the file with nobody to tell of it.
    writer.storeWatchLost();
    const Issued third = newAnchor("Third Root");
    EXPECT_TRUE(bundleHoldsWithin(third, std::chrono::seconds(5)))
        << "no look after the watch was lost";
}

TEST_F(BundleFileWriterTest, AWatchLostBeforeItWasFollowedLeavesTheWriterLooking) {
    service::BundleFileWriter writer(user(), bundlePath(), "");
    // The watch ends before the daemon gets to follow it: following it then changes nothing.
    writer.storeWatchLost();
    writer.followStoreWatch();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // both looks are done
    const Issued later = newAnchor("Later Root");
    EXPECT_TRUE(bundleHoldsWithin(later, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace peertrust::testing
