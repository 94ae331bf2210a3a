// Malformed input at every entry of the engine: a typed error with a message, never a
// verdict, and the store files byte-identical before and after.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace peertrust::testing
