// ExportAnchors over D-Bus and peertrust anchor export through the daemon: the same bundle
// the engine makes, anyone may ask, and a bad purpose is InvalidInput (exit 65).
#include <gtest/gtest.h>

#include "policy/AnchorScope.h"
#include "support/CertFactory.h"
#include "support/SessionDaemonTest.h"

namespace peertrust::testing {
namespace {

class AnchorExportTest : public SessionDaemonTest {
protected:
    void SetUp() override {
        startDaemon();
        open = selfSigned(caSpec("Open Root"));
        AnchorScope tlsOnly;
        tlsOnly.protocols = {"tls"};
        ASSERT_TRUE(client->addAnchor({open.der, {}, "Open Root"}).ok());
        ASSERT_TRUE(
            client->addAnchor({selfSigned(caSpec("Web Root")).der, tlsOnly, "Web Root"}).ok());
    }
    Issued open;
};

TEST_F(AnchorExportTest, TheBundleTravelsWithItsCounts) {
    auto everyUse = client->exportAnchors("");
    ASSERT_TRUE(everyUse.ok()) << everyUse.error().message();
    EXPECT_EQ(everyUse->included, 1u);
    EXPECT_EQ(everyUse->leftOut, 1u);
    EXPECT_NE(everyUse->pem.find(open.pem), std::string::npos);
    EXPECT_NE(everyUse->pem.find("Web Root"), std::string::npos) << "the header names it";

    auto server = client->exportAnchors("server-auth");
    ASSERT_TRUE(server.ok());
    EXPECT_EQ(server->included, 2u);

    auto bad = client->exportAnchors("everything");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(bad.error().message().find("server-auth"), std::string::npos);
}

TEST_F(AnchorExportTest, TheCliWritesTheFileOrStandardOutput) {
    auto printed = cli({"anchor", "export"});
    EXPECT_EQ(printed.exitCode, 0) << printed.errors;
    EXPECT_NE(printed.output.find(open.pem), std::string::npos);
    const std::string file = (dir / "bundle.pem").string();
    auto written = cli({"anchor", "export", "--purpose", "server-auth", "-o", file});
    EXPECT_EQ(written.exitCode, 0) << written.errors;
    EXPECT_EQ(written.output,
              "wrote 2 anchors to " + file + " (0 left out; see the file's header)\n");
    EXPECT_EQ(cli({"anchor", "export", "--purpose", "everything"}).exitCode, 65);
    EXPECT_EQ(cli({"anchor", "export", "--format", "der"}).exitCode, 64);
    EXPECT_EQ(cli({"anchor", "export", "-o", (dir / "no" / "such" / "dir.pem").string()}).exitCode,
              69);
}

}  // namespace
}  // namespace peertrust::testing
