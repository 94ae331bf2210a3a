// Keys in every form peertrust accepts, checked against real tools: ssh-keygen's own
// fingerprints and PKCS#8 export, and GnuTLS-made certificates.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "crypto/Digest.h"
#include "policy/PresentedKey.h"
#include "support/CertFactory.h"
#include "support/TempDir.h"

namespace peertrust::testing {
namespace {

std::string run(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    std::string out;
    char buffer[512];
    while (pipe && fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
        out += buffer;
    }
    return out;
}

Result<policy::PresentedKey> parse(KeyFormat format, const Bytes& data) {
    return policy::parsePresentedKey(format, data);
}

class SshKeyTest : public ::testing::TestWithParam<std::string> {};

// ssh-keygen -t TYPE [-b BITS]: every OpenSSH key type we accept, fingerprint as ssh-keygen -l.
TEST_P(SshKeyTest, FingerprintIsExactlyWhatSshKeygenPrints) {
    TempDir dir;
    std::string path = (dir / "key").string();
    ASSERT_EQ(std::system(("ssh-keygen -q -N '' " + GetParam() + " -f " + path).c_str()), 0);
    Bytes line = readFile(path + ".pub");
    auto key = parse(KeyFormat::OpenSsh, line);
    ASSERT_TRUE(key.ok()) << key.error().message();
    std::string printed = run("ssh-keygen -l -E sha256 -f " + path + ".pub");
    // "256 SHA256:abc... comment (ED25519)"
    std::string expected = printed.substr(printed.find(' ') + 1);
    expected = expected.substr(0, expected.find(' '));
    EXPECT_EQ(key->fingerprint, expected);
    EXPECT_EQ(key->spkiSha256, crypto::sha256(key->spkiDer));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, SshKeyTest,
                         ::testing::Values("-t ed25519", "-t ecdsa -b 256", "-t ecdsa -b 384",
                                           "-t ecdsa -b 521", "-t rsa -b 2048"));

TEST(KeyInputTest, SshKeyAndItsPkcs8ExportAreOneIdentity) {
    for (std::string type : {"-t ecdsa -b 256", "-t rsa -b 2048"}) {
        TempDir dir;
        std::string path = (dir / "key").string();
        ASSERT_EQ(std::system(("ssh-keygen -q -N '' " + type + " -f " + path).c_str()), 0);
        std::string pem = run("ssh-keygen -e -m PKCS8 -f " + path + ".pub");
        auto ssh = parse(KeyFormat::OpenSsh, readFile(path + ".pub"));
        auto spki = parse(KeyFormat::Spki, bytesOf(pem));
        ASSERT_TRUE(ssh.ok()) << ssh.error().message();
        ASSERT_TRUE(spki.ok()) << spki.error().message();
        EXPECT_EQ(ssh->spkiSha256, spki->spkiSha256) << type;
        EXPECT_EQ(ssh->spkiDer, spki->spkiDer);
    }
}

TEST(KeyInputTest, Ed25519FromGnutlsKeyMatchesItsCertificate) {
    CertSpec spec;
    spec.keyType = KeyType::Ed25519;
    Issued cert = selfSigned(spec);
    auto ssh = parse(KeyFormat::OpenSsh, bytesOf(openSshLine(cert.key.get())));
    auto chain = parse(KeyFormat::X509Chain, cert.der);
    ASSERT_TRUE(ssh.ok()) << ssh.error().message();
    ASSERT_TRUE(chain.ok()) << chain.error().message();
    EXPECT_EQ(ssh->spkiSha256, chain->spkiSha256);
    // The X.509 and raw forms print the SPKI fingerprint; the SSH form ssh-keygen's.
    EXPECT_EQ(chain->fingerprint, crypto::sha256Fingerprint(chain->spkiSha256));
    EXPECT_NE(ssh->fingerprint, chain->fingerprint);
}

TEST(KeyInputTest, ChainInDerPemAndBundleForms) {
    CertSpec ca;
    ca.isCa = true;
    Issued root = selfSigned(ca);
    Issued leaf = issue(CertSpec{}, root);
    auto der = parse(KeyFormat::X509Chain, concat({&leaf, &root}));
    auto pem = parse(KeyFormat::X509Chain, bytesOf(pemChain({&leaf, &root})));
    auto single = parse(KeyFormat::X509Chain, leaf.der);
    ASSERT_TRUE(der.ok()) << der.error().message();
    ASSERT_TRUE(pem.ok()) << pem.error().message();
    ASSERT_TRUE(single.ok());
    EXPECT_EQ(der->chain.size(), 2u);
    EXPECT_EQ(pem->chain.size(), 2u);
    EXPECT_EQ(der->spkiSha256, pem->spkiSha256);
    EXPECT_EQ(der->spkiSha256, crypto::sha256(leaf.spkiDer));
    EXPECT_EQ(der->storedForm, leaf.der);
    auto spkiPem = parse(KeyFormat::Spki, bytesOf(leaf.spkiDerPem));
    auto spkiDer = parse(KeyFormat::Spki, leaf.spkiDer);
    ASSERT_TRUE(spkiPem.ok());
    ASSERT_TRUE(spkiDer.ok());
    EXPECT_EQ(spkiPem->spkiSha256, der->spkiSha256);
    EXPECT_EQ(spkiDer->spkiSha256, der->spkiSha256);
}

void expectInvalid(KeyFormat format, const Bytes& data, const std::string& messagePart) {
    auto key = parse(format, data);
    ASSERT_FALSE(key.ok()) << "accepted: " << messagePart;
    EXPECT_EQ(key.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(key.error().message().find(messagePart), std::string::npos) << key.error().message();
}

TEST(KeyInputTest, BadInputIsATypedErrorWithAMessage) {
    CertSpec ca;
    ca.isCa = true;
    Issued root = selfSigned(ca);
    Bytes truncated(root.der.begin(), root.der.begin() + root.der.size() / 2);
    expectInvalid(KeyFormat::X509Chain, truncated, "not complete DER");
    expectInvalid(KeyFormat::X509Chain, {}, "empty");
    expectInvalid(KeyFormat::X509Chain,
                  bytesOf("-----BEGIN CERTIFICATE-----\nnot base64!\n"
                          "-----END CERTIFICATE-----\n"),
                  "PEM");
    expectInvalid(KeyFormat::X509Chain, bytesOf("garbage"), "not complete DER");

    std::vector<const Issued*> seventeen(17, &root);
    expectInvalid(KeyFormat::X509Chain, concat(seventeen), "more than 16 certificates");
    expectInvalid(KeyFormat::X509Chain, bytesOf(pemChain(seventeen)), "more than 16 certificates");
    Bytes huge(70 * 1024, 0x30);
    expectInvalid(KeyFormat::X509Chain, huge, "the limit is 65536");

    expectInvalid(KeyFormat::Spki, truncated, "SubjectPublicKeyInfo");
    expectInvalid(KeyFormat::Spki, Bytes(20000, 1), "limit");

    expectInvalid(KeyFormat::OpenSsh, bytesOf("ssh-ed25519"), "TYPE BASE64");
    expectInvalid(KeyFormat::OpenSsh, bytesOf("ssh-ed25519 !!!notbase64"), "base64");
    expectInvalid(KeyFormat::OpenSsh, bytesOf("ssh-dss AAAAB3NzaC1kc3M= x"), "unsupported");
    // A blob whose type disagrees with the line's.
    auto key = generateKey(KeyType::Ed25519);
    std::string line = openSshLine(key.get());
    std::string lying = "ssh-rsa" + line.substr(line.find(' '));
    expectInvalid(KeyFormat::OpenSsh, bytesOf(lying), "says \"ssh-rsa\"");
    // Truncated blob: cut the base64 short.
    std::string cut = line.substr(0, line.find(' ') + 30);
    EXPECT_FALSE(parse(KeyFormat::OpenSsh, bytesOf(cut)).ok());
    expectInvalid(KeyFormat::OpenSsh, bytesOf(line + line), "one line");
}

}  // namespace
}  // namespace peertrust::testing
