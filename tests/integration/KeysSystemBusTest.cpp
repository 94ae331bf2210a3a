// org.peertrust.Keys1 on the system bus with a real second Unix user: root administers keys;
// the other user lists only what it was granted (and only its own grants), and every
// administrative call answers NotAuthorized (exit 77) with the reason.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "peertrust/KeysClient.h"
#include "support/SystemDaemonTest.h"

namespace peertrust::testing {
namespace {

class KeysSystemBusTest : public SystemDaemonTest {
protected:
    void SetUp() override {
        SystemDaemonTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        auto connected = KeysClient::connect(Bus::System);
        ASSERT_TRUE(connected.ok()) << connected.error().message();
        root = std::move(connected).value();
    }

    ProgramResult asUser(std::vector<std::string> args) {
        args.insert(args.begin(), "keys");
        return cliAsUser(std::move(args));
    }

    std::unique_ptr<KeysClient> root;

private:
    std::vector<std::string> extraDaemonArgs() const override {
        return {"--keys-socket", (dir / "keys.sock").string(), "--keys-dir",
                (dir / "keys").string()};
    }
};

TEST_F(KeysSystemBusTest, OthersListWhatTheyMayUseAndAdministerNothing) {
    auto mine = root->create({"ec-p256", "sign", "user-key", "user"});
    ASSERT_TRUE(mine.ok()) << mine.error().message();
    auto hidden = root->create({"ec-p256", "sign", "root-key", "root-only"});
    ASSERT_TRUE(hidden.ok()) << hidden.error().message();
    ASSERT_TRUE(root->grant("user", uid, std::nullopt).ok());
    ASSERT_TRUE(root->grant("user", 4242, std::nullopt).ok());  // someone else's grant
    ASSERT_TRUE(root->grant("root-only", 0, std::nullopt).ok());

    auto listed = asUser({"list", "--json"});
    ASSERT_EQ(listed.exitCode, 0) << listed.errors;
    EXPECT_NE(listed.output.find(mine->id), std::string::npos) << listed.output;
    EXPECT_EQ(listed.output.find(hidden->id), std::string::npos) << listed.output;
    // As a grant's uid, not any "4242" (a hex id or a key may hold those digits).
    EXPECT_EQ(listed.output.find("\"uid\":4242"), std::string::npos)
        << "another uid's grant is shown: " << listed.output;
    EXPECT_NE(listed.output.find("\"uid\":" + std::to_string(uid)), std::string::npos)
        << listed.output;
    // Root sees everything, every grant.
    auto all = root->list();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 2u);

    writeFile(dir / "cert.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    ::chmod((dir / "cert.pem").c_str(), 0644);
    const std::string u = std::to_string(uid);
    std::vector<std::vector<std::string>> writes = {
        {"create", "--type", "ec-p256", "--use", "sign", "--label", "mine-now"},
        {"import-cert", "user-key", (dir / "cert.pem").string()},
        {"grant", "root-only", "--uid", u},
        {"revoke", "user", "--uid", u},
        {"dispose", "user-key"},
        {"audit"},
    };
    for (const auto& write : writes) {
        auto result = asUser(write);
        EXPECT_EQ(result.exitCode, 77) << write[0] << ": " << result.errors;
        EXPECT_NE(result.errors.find("uid " + u +
                                     " may not administer the machine's keys: "
                                     "only root and members of the group "
                                     "\"peertrust-test-admins\" may"),
                  std::string::npos)
            << write[0] << ": " << result.errors;
    }
    // Nothing changed.
    all = root->list();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 2u);
    EXPECT_TRUE(root->revoke("user", uid).ok()) << "the user's grant should still be there";
}

}  // namespace
}  // namespace peertrust::testing
