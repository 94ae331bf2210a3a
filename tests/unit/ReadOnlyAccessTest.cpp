// An unprivileged user reads the system store, with its writer running and after the writer
// closed it (DESIGN.md: readable by every user whether or not the daemon runs).
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy/PolicyEngine.h"
#include "support/CertFactory.h"
#include "support/TempDir.h"

namespace peertrust::testing {
namespace {

constexpr const char* kTestUser = "peertrust-test";

// The test user, created when missing (CI and this test run as root).
std::optional<passwd> testUser() {
    if (getpwnam(kTestUser) == nullptr) {
        std::string command =
            std::string("useradd --system --no-create-home --shell /usr/sbin/nologin ") +
            kTestUser + " 2>/dev/null";
        if (std::system(command.c_str()) != 0 && getpwnam(kTestUser) == nullptr) {
            return std::nullopt;
        }
    }
    return *getpwnam(kTestUser);
}

// Forks, drops to the test user, opens the system store read-only and counts its anchors.
// Returns the child's exit status: the anchor count, or 100+ for an error.
int countAnchorsAs(const passwd& user, const std::filesystem::path& systemPath) {
    pid_t child = fork();
    if (child == 0) {
        if (setgroups(0, nullptr) != 0 || setgid(user.pw_gid) != 0 || setuid(user.pw_uid) != 0) {
            _exit(101);
        }
        if (getuid() == 0) {
            _exit(102);
        }
        auto store = store::TrustStore::open({systemPath, false, std::nullopt});
        if (!store) {
            fprintf(stderr, "open as %s: %s\n", kTestUser, store.error().message().c_str());
            _exit(103);
        }
        auto engine = policy::PolicyEngine::create(std::move(store).value(),
                                                   {false, 16, std::chrono::milliseconds(0)});
        if (!engine) {
            fprintf(stderr, "engine: %s\n", engine.error().message().c_str());
            _exit(104);
        }
        auto anchors = (*engine)->listAnchors();
        if (!anchors) {
            fprintf(stderr, "list: %s\n", anchors.error().message().c_str());
            _exit(105);
        }
        // A reader may not write: adding must fail as not authorised.
        auto added = (*engine)->addProtocol({"gopher", "tls", ProtocolPolicy::CaOnly});
        if (added.ok() || added.error().category() != ErrorCategory::NotAuthorized) {
            _exit(106);
        }
        _exit(static_cast<int>(anchors->size()));
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

TEST(ReadOnlyAccessTest, UnprivilegedUserReadsSystemStoreWithAndWithoutWriter) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "needs root to switch to the unprivileged test user";
    }
    auto user = testUser();
    ASSERT_TRUE(user.has_value()) << "cannot create the user " << kTestUser;
    TempDir dir;
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
    auto path = dir / "system.db";

    CertSpec ca;
    ca.isCa = true;
    Issued first = selfSigned(ca);
    Issued second = selfSigned(ca);
    {
        auto store = store::TrustStore::open({path, true, std::nullopt});
        ASSERT_TRUE(store.ok()) << store.error().message();
        auto engine = policy::PolicyEngine::create(std::move(store).value(),
                                                   {false, 16, std::chrono::milliseconds(0)});
        ASSERT_TRUE(engine.ok());
        ASSERT_TRUE((*engine)->addAnchor({first.der, {}, "first"}).ok());
        // The writer is running and holds the store open.
        EXPECT_EQ(countAnchorsAs(*user, path), 1);
        ASSERT_TRUE((*engine)->addAnchor({second.der, {}, "second"}).ok());
        EXPECT_EQ(countAnchorsAs(*user, path), 2);
    }
    // The writer has closed it.
    EXPECT_EQ(countAnchorsAs(*user, path), 2);
    EXPECT_TRUE(std::filesystem::exists(dir / "system.db-wal"));
    EXPECT_TRUE(std::filesystem::exists(dir / "system.db-shm"));
}

}  // namespace
}  // namespace peertrust::testing
