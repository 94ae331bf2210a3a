// The PEM bundle for programs that read files: only anchors such a file can carry without
// trusting more than the daemon, and a header that says what was left out and why.
#include <gtest/gtest.h>

#include "peertrust/DisplayText.h"
#include "policy/AnchorScope.h"
#include "policy/PemBundle.h"
#include "support/CrlFactory.h"
#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

AnchorScope scopeOf(std::vector<std::string> protocols, std::vector<std::string> permit = {}) {
    AnchorScope s;
    s.protocols = std::move(protocols);
    for (const auto& p : permit) {
        s.permitted.push_back(*policy::parseNameSubtree(p));
    }
    return s;
}

class PemBundleTest : public EngineFixture {
protected:
    void SetUp() override {
        open = selfSigned(caSpec("Open Root"));
        web = selfSigned(caSpec("Web Root"));
        addAnchor(system(), open, {}, "Open Root");
        addAnchor(system(), web, scopeOf({"tls"}), "Web Root");
        addAnchor(system(), selfSigned(caSpec("Brazil Root")), scopeOf({}, {".br"}), "Brazil Root");
        addAnchor(system(), selfSigned(caSpec("Mail Root")), scopeOf({"smtp"}), "Mail Root");
        AnchorScope late;
        late.notAfter = kNow + 86400;
        addAnchor(system(), selfSigned(caSpec("Late Root")), late, "Late Root");
        Issued bad = selfSigned(caSpec("Bad Root"));
        addAnchor(system(), bad, {}, "Bad Root");
        EXPECT_TRUE(system().addDistrust({DistrustKind::Certificate, bad.der, "Bad Root"}).ok());
    }
    policy::PemBundle bundle(const std::optional<std::string>& purpose) {
        auto trust = system().trustExport();
        EXPECT_TRUE(trust.ok());
        return policy::pemBundle(**trust, purpose, kNow);
    }
    static std::size_t blocks(const std::string& text) {
        std::size_t n = 0;
        for (auto at = text.find("-----BEGIN CERTIFICATE-----"); at != std::string::npos;
             at = text.find("-----BEGIN CERTIFICATE-----", at + 1)) {
            ++n;
        }
        return n;
    }

    static std::string anchorIdOf(const Issued& cert) {
        return crypto::toHex(crypto::sha256(cert.der)).substr(0, 16);
    }

    Issued open;
    Issued web;
};

TEST_F(PemBundleTest, AFileForEveryUseHoldsOnlyAnchorsForEveryUse) {
    auto b = bundle(std::nullopt);
    EXPECT_EQ(b.included, 1u);
    EXPECT_EQ(b.leftOut, 5u);
    EXPECT_EQ(blocks(b.text), 1u);
    EXPECT_NE(b.text.find(open.pem), std::string::npos) << b.text;
    EXPECT_EQ(b.text.find(web.pem), std::string::npos)
        << "a tls-only anchor in a file for every use";
    EXPECT_NE(b.text.find("# For every use."), std::string::npos);
    for (const char* reason : {"Brazil Root", "name-scoped", "Mail Root", "Late Root", "not-after",
                               "Bad Root", "distrusted", "Web Root"}) {
        EXPECT_NE(b.text.find(reason), std::string::npos) << reason << " missing from\n" << b.text;
    }
}

TEST_F(PemBundleTest, AServerAuthFileAlsoHoldsAnchorsForTheWholeTlsFamily) {
    auto purpose = policy::purposeForBundle("server-auth");
    ASSERT_TRUE(purpose.ok());
    auto b = bundle(*purpose);
    EXPECT_EQ(b.included, 2u);
    EXPECT_NE(b.text.find(open.pem), std::string::npos);
    EXPECT_NE(b.text.find(web.pem), std::string::npos);
    EXPECT_NE(b.text.find("# Only for server-auth"), std::string::npos) << b.text;
    EXPECT_EQ(policy::purposeForBundle("world-domination").error().category(),
              ErrorCategory::InvalidInput);
}

// A certificate's names are its maker's choice: a label taken from them cannot add a line
// (here a whole CERTIFICATE block) to the file, nor PEM armour to a comment (GnuTLS looks for
// it anywhere), nor bytes that are not UTF-8 to a listing.
TEST_F(PemBundleTest, ACertificatesNamesCannotAddLinesToTheFile) {
    const std::string smuggled = "Evil\n-----BEGIN CERTIFICATE-----\n" +
                                 open.pem.substr(open.pem.find('\n') + 1) + "\xff\xfe";
    Issued evil = selfSigned(caSpec(smuggled));
    // The DER holds PEM armour: what is anchored is still this certificate, not the one inside.
    EXPECT_EQ(addAnchor(system(), evil, scopeOf({}, {".br"}), ""), anchorIdOf(evil));
    const std::string text = bundle(std::nullopt).text;
    EXPECT_EQ(blocks(text), 1u) << text;
    EXPECT_EQ(text.find("\xff"), std::string::npos);
    EXPECT_NE(text.find("Evil\xef\xbf\xbd---BEGIN CERTIFICATE---\xef\xbf\xbd"), std::string::npos)
        << text;
    auto anchors = system().listAnchors();
    ASSERT_OK(anchors);
    for (const AnchorInfo& anchor : *anchors) {
        EXPECT_TRUE(isValidUtf8(anchor.label)) << anchor.label;
        EXPECT_TRUE(isValidUtf8(anchor.subject)) << anchor.subject;
    }
    // A label a person gives is checked, not mended.
    AnchorAddRequest request{selfSigned(caSpec("Labelled Root")).der, {}, "caf\xe9"};
    auto refused = system().addAnchor(request);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message().find("not valid UTF-8"), std::string::npos);
}

// The daemon rejects chains through a distrusted sub-CA; a file that can only list anchors
// cannot, so the anchor that issued it leaves the file. The trust module keeps the anchor, and
// exports the distrust beside it.
TEST_F(PemBundleTest, AnAnchorThatIssuedADistrustedCertificateIsLeftOut) {
    CertSpec subCa = caSpec("Rogue Sub-CA");
    Issued rogue = issue(subCa, open);
    ASSERT_OK(system().addDistrust({DistrustKind::Certificate, rogue.der, "rogue sub-CA"}));
    auto b = bundle(std::nullopt);
    EXPECT_EQ(b.included, 0u) << b.text;
    EXPECT_EQ(b.text.find(open.pem), std::string::npos) << b.text;
    EXPECT_NE(b.text.find("#   Open Root (" + anchorIdOf(open) + "): the distrust "),
              std::string::npos)
        << b.text;
    EXPECT_NE(b.text.find("is of a certificate it issued"), std::string::npos) << b.text;
    auto anchors = system().listAnchors();
    ASSERT_OK(anchors);
    for (const AnchorInfo& anchor : *anchors) {
        if (anchor.label == "Open Root") {
            EXPECT_EQ(anchor.exports.gnutls.level, ExportLevel::Anchor);
            EXPECT_EQ(anchor.exports.pemFile.level, ExportLevel::None);
        }
    }
}

TEST_F(PemBundleTest, AnAnchorUnderACrlWithEntriesIsLeftOutSayingWhy) {
    CrlSpec spec;
    spec.thisUpdate = kNow - 3600;
    ASSERT_TRUE(system().addCrl({makeCrl(web, spec)}).ok()) << "an empty CRL of the Web Root";
    Issued leaf = issue(serverSpec("www.example.com"), open);
    spec.revoked = {{&leaf, kNow - 60}};
    auto crl = system().addCrl({makeCrl(open, spec)});
    ASSERT_TRUE(crl.ok()) << crl.error().message();

    auto everyUse = bundle(std::nullopt);
    EXPECT_EQ(everyUse.included, 0u);
    EXPECT_EQ(everyUse.text.find(open.pem), std::string::npos) << everyUse.text;
    EXPECT_NE(everyUse.text.find("#   Open Root (" + anchorIdOf(open) + "): the CRL " + crl->id +
                                 " revokes it or certificates under it, which clients outside the "
                                 "daemon cannot check\n"),
              std::string::npos)
        << everyUse.text;
    auto server = bundle(*policy::purposeForBundle("server-auth"));
    EXPECT_EQ(server.included, 1u);
    EXPECT_NE(server.text.find(web.pem), std::string::npos) << "its CRL lists nothing";
}

}  // namespace
}  // namespace peertrust::testing
