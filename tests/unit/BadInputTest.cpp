// Malformed input at every entry of the engine: a typed error with a message, never a
// verdict, and the store files byte-identical before and after.
#include <gtest/gtest.h>

#include <string_view>

#include "peertrust/TextExcerpt.h"
#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

class BadInputTest : public EngineFixture {
protected:
    Bytes storeBytes() {
        Bytes all = readFile(userPath());
        Bytes wal = readFile(userPath().string() + "-wal");
        all.insert(all.end(), wal.begin(), wal.end());
        return all;
    }

    void expectError(const Error& error, ErrorCategory category) {
        EXPECT_EQ(error.category(), category) << error.message();
        EXPECT_FALSE(error.message().empty());
    }
};

TEST_F(BadInputTest, EveryMalformedRequestIsAnErrorAndTheStoreIsUntouched) {
    CertSpec ca;
    ca.isCa = true;
    Issued root = selfSigned(ca);
    addAnchor(user(), root);
    ASSERT_OK(user().addPin({"ssh", "known.example", KeyFormat::Spki, root.spkiDer}));
    Bytes before = storeBytes();

    Bytes truncated(root.der.begin(), root.der.begin() + 40);
    std::vector<const Issued*> seventeen(17, &root);
    struct Case {
        const char* what;
        VerifyRequest request;
    };
    auto req = [](std::string protocol, std::string peer, KeyFormat format, Bytes key) {
        return VerifyRequest{std::move(protocol), std::move(peer), format,
                             std::move(key),      std::nullopt,    true};
    };
    std::vector<Case> cases = {
        {"truncated DER", req("https", "www.example.com", KeyFormat::X509Chain, truncated)},
        {"garbage PEM",
         req("https", "www.example.com", KeyFormat::X509Chain,
             bytesOf("-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n"))},
        {"17 certificates",
         req("https", "www.example.com", KeyFormat::X509Chain, concat(seventeen))},
        {"oversize", req("https", "www.example.com", KeyFormat::X509Chain, Bytes(1 << 20, 0x30))},
        {"bad OpenSSH line",
         req("ssh", "host.example", KeyFormat::OpenSsh, bytesOf("ssh-ed25519 AAAA"))},
        {"empty peer", req("https", "", KeyFormat::X509Chain, root.der)},
        {"malformed peer", req("https", "bad..name", KeyFormat::X509Chain, root.der)},
        {"unknown protocol", req("gopher", "www.example.com", KeyFormat::X509Chain, root.der)},
    };
    for (auto& c : cases) {
        // Each request may pin on first use: even so, nothing may be written.
        auto verdict = user().verify(c.request);
        ASSERT_FALSE(verdict.ok()) << c.what << " gave a verdict";
        expectError(verdict.error(), ErrorCategory::InvalidInput);
    }

    // Management calls with bad input.
    expectError(user().addPin({"ssh", "host.example", KeyFormat::OpenSsh, bytesOf("nope")}).error(),
                ErrorCategory::InvalidInput);
    expectError(user().addPin({"nope", "host.example", KeyFormat::Spki, root.spkiDer}).error(),
                ErrorCategory::InvalidInput);
    expectError(user().addAnchor({truncated, {}, ""}).error(), ErrorCategory::InvalidInput);
    AnchorScope unknownProtocol;
    unknownProtocol.protocols = {"gopher"};
    expectError(user().addAnchor({root.der, unknownProtocol, ""}).error(),
                ErrorCategory::InvalidInput);
    AnchorScope badSubtree;
    badSubtree.permitted = {{NameSubtree::Type::Ip, "192.0.2.1/24"}};
    expectError(user().addAnchor({root.der, badSubtree, ""}).error(), ErrorCategory::InvalidInput);
    expectError(user().addAnchor({root.der, {}, std::string("bad\nlabel")}).error(),
                ErrorCategory::InvalidInput);
    expectError(user().addDistrust({DistrustKind::Spki, bytesOf("junk"), ""}).error(),
                ErrorCategory::InvalidInput);
    expectError(user().importSystemAnchors(bytesOf("not a bundle")).error(),
                ErrorCategory::InvalidInput);
    expectError(user().addProtocol({"Bad Name", "tls", ProtocolPolicy::Tofu}).error(),
                ErrorCategory::InvalidInput);
    expectError(user().addProtocol({"gopher", "nofamily", ProtocolPolicy::Tofu}).error(),
                ErrorCategory::InvalidInput);
    expectError(user().removePin("zz-not-hex").error(), ErrorCategory::InvalidInput);
    expectError(user().removePin("ffffffffffffffff").error(), ErrorCategory::NotFound);
    expectError(user().removeAnchor("0123456789abcdef").error(), ErrorCategory::NotFound);
    expectError(user().forgetPins({}).error(), ErrorCategory::InvalidInput);
    expectError(user().forgetPins({std::string("bad..peer"), std::nullopt}).error(),
                ErrorCategory::InvalidInput);

    EXPECT_EQ(storeBytes(), before);
}

// Strict UTF-8, as sd-bus wants every string it sends (an error message included).
bool validUtf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = lead < 0x80   ? 1
                             : lead < 0xc2 ? 0
                             : lead < 0xe0 ? 2
                             : lead < 0xf0 ? 3
                                           : 4;
        if (length == 0 || lead > 0xf4 || i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

TEST(TextExcerptTest, CutsBetweenCharactersNeverThroughOne) {
    const std::string as(39, 'a');
    // \u00e9 is bytes 39-40, the euro sign 41-43, U+1D11E 44-47.
    const std::string text = as + "\u00e9\u20ac\U0001d11e";
    EXPECT_EQ(textExcerpt(text, 39), as);
    EXPECT_EQ(textExcerpt(text, 40), as);
    EXPECT_EQ(textExcerpt(text, 41), as + "\u00e9");
    EXPECT_EQ(textExcerpt(text, 42), as + "\u00e9");
    EXPECT_EQ(textExcerpt(text, 44), as + "\u00e9\u20ac");
    EXPECT_EQ(textExcerpt(text, 47), as + "\u00e9\u20ac");
    EXPECT_EQ(textExcerpt(text, 48), text);
    EXPECT_EQ(textExcerpt(text, 1000), text);
    EXPECT_EQ(textExcerpt("", 0), "");
}

// Found by DbusWireFuzz: a message quoting the first N bytes of a caller's text cut a character
// in two, and the daemon then could not send the error back (the caller saw
// org.freedesktop.DBus.Error.InvalidArgs "Failed to create method error reply" instead).
TEST_F(BadInputTest, MessagesQuotingTheInputAreValidUtf8) {
    CertSpec ca;
    ca.isCa = true;
    Issued root = selfSigned(ca);
    // Each has "\u00e9" across the byte where its message stops quoting.
    const std::string at40 = std::string(39, 'x') + "\u00e9";
    const std::string at64 = std::string(63, 'x') + "\u00e9";
    const std::string at80 = std::string(79, 'x') + "\u00e9 y";
    auto verify = [&](std::string protocol, std::string peer) {
        return user().verify(VerifyRequest{std::move(protocol), std::move(peer),
                                           KeyFormat::X509Chain, root.der, std::nullopt, false});
    };
    std::vector<std::pair<const char*, Error>> errors = {
        {"key format", parseKeyFormat(at40).error()},
        {"pin origin", parsePinOrigin(at40).error()},
        {"protocol policy", parseProtocolPolicy(at40).error()},
        {"pin id", user().removePin(at40).error()},
        {"protocol", verify(at64, "www.example.com").error()},
        {"peer name", verify("https", at80).error()},
    };
    for (const auto& [what, error] : errors) {
        EXPECT_EQ(error.category(), ErrorCategory::InvalidInput) << what;
        EXPECT_TRUE(validUtf8(error.message())) << what << ": " << error.message();
        EXPECT_NE(error.message().find(std::string(39, 'x')), std::string::npos)
            << what << ": " << error.message();
    }
}

}  // namespace
}  // namespace peertrust::testing
