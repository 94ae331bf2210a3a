// Every acknowledged policy write survives a SIGKILL of the writer, and the file stays sound.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "policy/PolicyEngine.h"
#include "store/Migrations.h"
#include "store/PinStore.h"
#include "support/CertFactory.h"
#include "support/TempDir.h"

namespace peertrust::testing {
namespace {

// Runs in the forked child: pins one host after another, reporting each acknowledged id.
[[noreturn]] void writePinsForever(const std::filesystem::path& path, int reportFd,
                                   const Bytes& spki) {
    auto store = store::TrustStore::open({path, true, std::nullopt});
    if (!store) {
        _exit(3);
    }
    auto engine = policy::PolicyEngine::create(std::move(store).value(),
                                               {true, 16, std::chrono::milliseconds(0)});
    if (!engine) {
        _exit(4);
    }
    for (int i = 0;; ++i) {
        std::string peer = "host" + std::to_string(i) + ".example";
        auto added = (*engine)->addPin({"ssh", peer, KeyFormat::Spki, spki});
        if (!added) {
            _exit(5);
        }
        std::string line = added->id + "\n";
        if (write(reportFd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            _exit(6);
        }
    }
}

TEST(DurabilityTest, AcknowledgedPinsSurviveSigkill) {
    TempDir dir;
    auto path = dir / "system.db";
    Issued key = selfSigned(CertSpec{});
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(fds[0]);
        writePinsForever(path, fds[1], key.spkiDer);
    }
    close(fds[1]);
    std::set<std::string> acknowledged;
    std::string buffer;
    char chunk[256];
    while (acknowledged.size() < 60) {
        ssize_t n = read(fds[0], chunk, sizeof chunk);
        ASSERT_GT(n, 0) << "the writer stopped early";
        buffer.append(chunk, static_cast<std::size_t>(n));
        std::size_t newline;
        while ((newline = buffer.find('\n')) != std::string::npos) {
            acknowledged.insert(buffer.substr(0, newline));
            buffer.erase(0, newline + 1);
        }
    }
    // Killed mid-write: whatever it acknowledged before must be there.
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status));
    close(fds[0]);

    auto db = store::openStoreForWriting(path, store::FileAccess::Public);
    ASSERT_TRUE(db.ok()) << db.error().message();
    auto check = (*db)->prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.ok());
    ASSERT_TRUE(*check->step());
    EXPECT_EQ(check->text(0), "ok");
    store::PinStore pins(**db);
    for (const std::string& id : acknowledged) {
        auto pin = pins.get(id);
        ASSERT_TRUE(pin.ok());
        EXPECT_TRUE(pin->has_value()) << "acknowledged pin " << id << " was lost";
    }
}

}  // namespace
}  // namespace peertrust::testing
