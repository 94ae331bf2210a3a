// One scenario per reason code and per rule of DESIGN.md's decision order, each checking the
// verdict, the reason and the explanation a person reads.
#include <gtest/gtest.h>

#include "crypto/Digest.h"
#include "policy/AnchorScope.h"
#include "policy/ProtocolRegistry.h"
#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

using policy::kPurposeClientAuth;
using policy::kPurposeServerAuth;

std::string fingerprint(const Issued& cert) {
    return crypto::sha256Fingerprint(crypto::sha256(cert.spkiDer));
}

AnchorScope scope(std::vector<std::string> protocols, std::vector<std::string> permit = {}) {
    AnchorScope s;
    s.protocols = std::move(protocols);
    for (const auto& p : permit) {
        s.permitted.push_back(*policy::parseNameSubtree(p));
    }
    return s;
}

// The explanation of a chain rejected at the anchor step.
std::string rejectedBy(const std::string& anchorId, const std::string& detail,
                       const std::string& peer = "www.example.com") {
    return "Rejected: the chain for " + peer + " leads to the anchor \"Test Root\" (id " +
           anchorId + "), but " + detail +
           ". A chain that reaches an anchor and fails its checks is never pinned on first use.";
}

class VerifyScenarioTest : public EngineFixture {
protected:
    void SetUp() override {
        root = selfSigned(caSpec("Test Root"));
        intermediate = issue(caSpec("Test Intermediate"), root);
        leaf = issue(serverSpec("www.example.com"), intermediate);
    }
    Issued root, intermediate, leaf;
};

TEST_F(VerifyScenarioTest, NationalRootScopedToBrAcceptsGovBr) {
    Issued br = selfSigned(caSpec("Brazil Root"));
    Issued gov = issue(serverSpec("www.gov.br"), br);
    std::string id = addAnchor(system(), br, scope({}, {".br"}), "Brazil Root");
    Verdict v = verifyChain("https", "www.gov.br", {&gov});
    EXPECT_EQ(v.kind, VerdictKind::Accepted);
    EXPECT_EQ(v.reason, "anchor");
    EXPECT_EQ(v.details.anchorId, id);
    EXPECT_EQ(v.explanation,
              "Accepted: the chain for www.gov.br leads to the anchor \"Brazil Root\" (id " + id +
                  "), whose scope admits https and www.gov.br; the certificate names the peer, is "
                  "valid for the protocol's key purpose and every certificate is within its "
                  "validity period.");
}

TEST_F(VerifyScenarioTest, NationalRootScopedToBrRejectsExampleAr) {
    Issued br = selfSigned(caSpec("Brazil Root"));
    Issued ar = issue(serverSpec("example.ar"), br);
    std::string id = addAnchor(system(), br, scope({}, {".br"}), "Brazil Root");
    Verdict v = verifyChain("https", "example.ar", {&ar});
    EXPECT_EQ(v.kind, VerdictKind::Rejected);
    EXPECT_EQ(v.reason, "out-of-scope");
    EXPECT_EQ(v.explanation,
              "Rejected: the chain for example.ar leads to the anchor \"Brazil Root\" (id " + id +
                  "), but its scope does not admit the name example.ar (permit .br). A chain that "
                  "reaches an anchor and fails its checks is never pinned on first use.");
}

TEST_F(VerifyScenarioTest, LeafNamingSomethingOutsideTheScopeIsOutOfScope) {
    Issued br = selfSigned(caSpec("Brazil Root"));
    CertSpec spec = serverSpec("www.gov.br");
    spec.dnsNames.push_back("www.example.ar");
    Issued both = issue(spec, br);
    addAnchor(system(), br, scope({}, {".br"}));
    Verdict v = verifyChain("https", "www.gov.br", {&both});
    EXPECT_EQ(v.reason, "out-of-scope");
}

TEST_F(VerifyScenarioTest, RootScopedToSmtpRejectsHttps) {
    std::string id = addAnchor(system(), root, scope({"smtp"}), "Mail Root");
    Verdict v = verifyChain("https", "www.example.com", {&leaf, &intermediate});
    EXPECT_EQ(v.reason, "out-of-scope");
    EXPECT_EQ(v.explanation,
              "Rejected: the chain for www.example.com leads to the anchor \"Mail Root\" (id " +
                  id +
                  "), but its scope does not admit the protocol https (it is limited to smtp). A "
                  "chain that reaches an anchor and fails its checks is never pinned on first "
                  "use.");
    EXPECT_EQ(verifyChain("smtp", "www.example.com", {&leaf, &intermediate}).reason, "anchor");
}

// A CA re-keyed under the same name, both keys anchors with different scopes, and leaves that
// name their issuer only by subject (no AKI): the key that signed decides which anchor's
// scope applies, whichever of the two the store lists first.
TEST_F(VerifyScenarioTest, ReKeyedAnchorsOfOneNameEachAnswerForWhatTheirKeySigned) {
    Issued oldRoot = selfSigned(caSpec("Re-keyed Root"));
    Issued newRoot = selfSigned(caSpec("Re-keyed Root"));
    CertSpec spec = serverSpec("www.example.com");
    spec.authorityKeyId = false;
    Issued byOld = issue(spec, oldRoot);
    Issued byNew = issue(spec, newRoot);
    std::string oldId = addAnchor(system(), oldRoot, scope({"smtp"}), "Old Root");
    std::string newId = addAnchor(system(), newRoot, {}, "New Root");
    Verdict fromNew = verifyChain("https", "www.example.com", {&byNew});
    EXPECT_EQ(fromNew.reason, "anchor");
    EXPECT_EQ(fromNew.details.anchorId, newId);
    Verdict fromOld = verifyChain("https", "www.example.com", {&byOld});
    EXPECT_EQ(fromOld.reason, "out-of-scope");
    EXPECT_EQ(fromOld.details.anchorId, oldId);
    EXPECT_EQ(verifyChain("smtp", "www.example.com", {&byOld}).reason, "anchor");
    // A leaf neither key signed is a bad signature, not another anchor's verdict.
    Issued forged = byNew;
    forged.der[forged.der.size() - 5] ^= 0x01;
    EXPECT_EQ(verifyChain("https", "www.example.com", {&forged}).reason, "bad-signature");
}

// A chain may present a certificate of the intermediate's name (and key) that leads nowhere
// before the one that leads to the anchor: the path through the second still decides, so a
// scope is not escaped by a decoy (first-use on a TOFU protocol) nor a good chain refused.
TEST_F(VerifyScenarioTest, ADeadEndCertificateOfTheIssuersNameDoesNotHideThePath) {
    Issued stranger = selfSigned(caSpec("Stranger Root"));
    Issued decoy = issueFor(caSpec("Test Intermediate"), intermediate.spkiDerPem, stranger);
    std::string id = addAnchor(system(), root, scope({}, {".br"}), "Test Root");
    Issued brLeaf = issue(serverSpec("www.example.br"), intermediate);
    Verdict accepted = verifyChain("https", "www.example.br", {&brLeaf, &decoy, &intermediate});
    EXPECT_EQ(accepted.reason, "anchor") << accepted.explanation;
    EXPECT_EQ(accepted.details.anchorId, id);
    Verdict escaped = verifyChain("tls", "www.example.com", {&leaf, &decoy, &intermediate});
    EXPECT_EQ(escaped.kind, VerdictKind::Rejected) << escaped.explanation;
    EXPECT_EQ(escaped.reason, "out-of-scope") << escaped.explanation;
}

// One CA key in two anchor certificates with different scopes (re-issued, or added again by
// the user without the machine's limit): each vouches for what it admits, whichever is listed
// first, and a chain neither admits names the first.
TEST_F(VerifyScenarioTest, AnchorsSharingAKeyEachAnswerForTheirOwnScope) {
    CertSpec reissued = caSpec("Test Root");
    reissued.notBefore = 1710000000;
    Issued again = issueFor(reissued, root.spkiDerPem, root);  // self-signed, the same key
    std::string scoped = addAnchor(system(), root, scope({"smtp"}), "Test Root");
    std::string wide = addAnchor(user(), again, scope({"https"}), "Test Root again");
    Verdict https = verifyChain("https", "www.example.com", {&leaf, &intermediate});
    EXPECT_EQ(https.reason, "anchor") << https.explanation;
    EXPECT_EQ(https.details.anchorId, wide);
    Verdict smtp = verifyChain("smtp", "www.example.com", {&leaf, &intermediate});
    EXPECT_EQ(smtp.reason, "anchor") << smtp.explanation;
    EXPECT_EQ(smtp.details.anchorId, scoped);
    Verdict imap = verifyChain("imap", "www.example.com", {&leaf, &intermediate});
    EXPECT_EQ(imap.reason, "out-of-scope") << imap.explanation;
}

TEST_F(VerifyScenarioTest, FamilyScopeAdmitsEveryMember) {
    addAnchor(system(), root, scope({"tls"}));
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &intermediate}).reason, "anchor");
    EXPECT_EQ(verifyChain("imap", "www.example.com:993", {&leaf, &intermediate}).reason, "anchor");
}

TEST_F(VerifyScenarioTest, RealNameConstraintsRejectEvilOrg) {
    CertSpec constrained = caSpec("Example Constrained CA");
    constrained.permittedDns = {"example.com"};
    Issued ca = issue(constrained, root);
    Issued evil = issue(serverSpec("evil.org"), ca);
    std::string id = addAnchor(system(), root, {}, "Test Root");
    Verdict v = verifyChain("https", "evil.org", {&evil, &ca});
    EXPECT_EQ(v.reason, "name-constraint");
    EXPECT_EQ(v.explanation,
              "Rejected: the chain for evil.org leads to the anchor \"Test Root\" (id " + id +
                  "), but the certificate names something its issuer's name constraints do not "
                  "permit. A chain that reaches an anchor and fails its checks is never pinned on "
                  "first use.");
    Issued good = issue(serverSpec("www.example.com"), ca);
    EXPECT_EQ(verifyChain("https", "www.example.com", {&good, &ca}).reason, "anchor");
}

TEST_F(VerifyScenarioTest, Expired) {
    CertSpec spec = serverSpec("www.example.com");
    spec.notAfter = kNow - 86400;
    Issued old = issue(spec, intermediate);
    std::string id = addAnchor(system(), root, {}, "Test Root");
    Verdict v = verifyChain("https", "www.example.com", {&old, &intermediate});
    EXPECT_EQ(v.reason, "expired");
    EXPECT_EQ(v.explanation,
              "Rejected: the chain for www.example.com leads to the anchor \"Test Root\" (id " +
                  id +
                  "), but the certificate \"CN=www.example.com\" expired on 2027-01-14T08:00:00Z. "
                  "A chain that reaches an anchor and fails its checks is never pinned on first "
                  "use.");
}

TEST_F(VerifyScenarioTest, NotYetValid) {
    CertSpec spec = serverSpec("www.example.com");
    spec.notBefore = kNow + 3600;
    Issued future = issue(spec, intermediate);
    std::string id = addAnchor(system(), root, {}, "Test Root");
    Verdict v = verifyChain("https", "www.example.com", {&future, &intermediate});
    EXPECT_EQ(v.reason, "not-yet-valid");
    EXPECT_EQ(v.explanation, rejectedBy(id,
                                        "the certificate \"CN=www.example.com\" is not valid "
                                        "before 2027-01-15T09:00:00Z"));
}

TEST_F(VerifyScenarioTest, TimeIsAnInput) {
    addAnchor(system(), root);
    VerifyRequest request{"https",
                          "www.example.com",
                          KeyFormat::X509Chain,
                          concat({&leaf, &intermediate}),
                          2100000000,
                          false};
    auto later = user().verify(request);
    ASSERT_OK(later);
    EXPECT_EQ(later->reason, "expired");
    request.at = 1600000000;
    auto earlier = user().verify(request);
    ASSERT_OK(earlier);
    EXPECT_EQ(earlier->reason, "not-yet-valid");
}

TEST_F(VerifyScenarioTest, WrongPurpose) {
    CertSpec spec = serverSpec("www.example.com");
    spec.purposes = {kPurposeClientAuth};
    Issued client = issue(spec, intermediate);
    std::string id = addAnchor(system(), root, {}, "Test Root");
    Verdict v = verifyChain("https", "www.example.com", {&client, &intermediate});
    EXPECT_EQ(v.reason, "bad-purpose");
    EXPECT_EQ(v.explanation,
              rejectedBy(id, "the certificate is not valid for the key purpose 1.3.6.1.5.5.7.3.1"));
    EXPECT_EQ(verifyChain("tls-client", "www.example.com", {&client, &intermediate}).reason,
              "anchor");
}

TEST_F(VerifyScenarioTest, WrongHostName) {
    std::string id = addAnchor(system(), root, {}, "Test Root");
    Verdict v = verifyChain("https", "mail.example.com", {&leaf, &intermediate});
    EXPECT_EQ(v.reason, "name-mismatch");
    EXPECT_EQ(v.explanation,
              rejectedBy(id, "the certificate does not name mail.example.com", "mail.example.com"));
}

TEST_F(VerifyScenarioTest, BadSignature) {
    std::string id = addAnchor(system(), root, {}, "Test Root");
    Issued tampered = leaf;
    tampered.der[tampered.der.size() - 5] ^= 0x01;
    Verdict v = verifyChain("https", "www.example.com", {&tampered, &intermediate});
    EXPECT_EQ(v.reason, "bad-signature");
    EXPECT_EQ(v.explanation, rejectedBy(id, "a signature in the chain does not verify"));
}

TEST_F(VerifyScenarioTest, InsecureAlgorithm) {
    CertSpec spec = serverSpec("www.example.com");
    spec.sha1 = true;
    Issued sha1 = issue(spec, intermediate);
    std::string id = addAnchor(system(), root, {}, "Test Root");
    Verdict v = verifyChain("https", "www.example.com", {&sha1, &intermediate});
    EXPECT_EQ(v.reason, "insecure-algorithm");
    EXPECT_EQ(v.explanation,
              rejectedBy(id,
                         "a certificate in the chain is signed with an algorithm that is no "
                         "longer considered secure"));
}

TEST_F(VerifyScenarioTest, IssuerThatIsNotACa) {
    CertSpec notCa = serverSpec("not-a-ca.example.com");
    Issued fake = issue(notCa, root);
    Issued child = issue(serverSpec("www.example.com"), fake);
    std::string id = addAnchor(system(), root, {}, "Test Root");
    Verdict v = verifyChain("https", "www.example.com", {&child, &fake});
    EXPECT_EQ(v.reason, "bad-issuer");
    EXPECT_EQ(v.explanation,
              rejectedBy(id,
                         "a certificate in the chain was issued by a certificate that is not a "
                         "certificate authority"));
}

TEST_F(VerifyScenarioTest, DistrustedIntermediate) {
    addAnchor(system(), root);
    auto distrust = system().addDistrust({DistrustKind::Certificate, intermediate.der, ""});
    ASSERT_OK(distrust);
    Verdict v = verifyChain("https", "www.example.com", {&leaf, &intermediate});
    EXPECT_EQ(v.reason, "distrusted");
    EXPECT_EQ(v.explanation,
              "Rejected: the certificate \"CN=Test Intermediate\" in the chain is distrusted "
              "(system distrust entry " +
                  distrust->id +
                  ", \"Test Intermediate\"). Distrust overrides every pin and anchor.");
}

TEST_F(VerifyScenarioTest, DistrustedRootThatThePeerDidNotSend) {
    std::string id = addAnchor(system(), root, {}, "Test Root");
    auto distrust =
        system().addDistrust({DistrustKind::Spki, bytesOf(root.spkiDerPem), "bad root"});
    ASSERT_OK(distrust);
    Verdict v = verifyChain("https", "www.example.com", {&leaf, &intermediate});
    EXPECT_EQ(v.reason, "distrusted");
    EXPECT_EQ(v.explanation, "Rejected: the anchor \"Test Root\" (id " + id +
                                 ") is distrusted (system distrust entry " + distrust->id +
                                 ", \"bad root\"). Distrust overrides every pin and anchor.");
}

TEST_F(VerifyScenarioTest, DistrustBeatsAPin) {
    auto pin = user().addPin({"https", "www.example.com", KeyFormat::X509Chain, leaf.der});
    ASSERT_OK(pin);
    ASSERT_OK(system().addDistrust({DistrustKind::Spki, leaf.spkiDer, ""}));
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf}).reason, "distrusted");
}

TEST_F(VerifyScenarioTest, NotAfterOverride) {
    AnchorScope s;
    s.notAfter = kNow - 1;
    std::string id = addAnchor(system(), root, s, "Retiring Root");
    Verdict v = verifyChain("https", "www.example.com", {&leaf, &intermediate});
    EXPECT_EQ(v.reason, "expired");
    EXPECT_EQ(v.explanation,
              "Rejected: the chain for www.example.com leads to the anchor \"Retiring Root\" (id " +
                  id +
                  "), but the anchor's not-after override ended its trust on "
                  "2027-01-15T07:59:59Z. A chain that reaches an anchor and fails its checks is "
                  "never pinned on first use.");
    m_now = kNow - 10;
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &intermediate}).reason, "anchor");
}

TEST_F(VerifyScenarioTest, ScopeFailureOnTofuProtocolIsNeverPinned) {
    Issued br = selfSigned(caSpec("Brazil Root"));
    Issued ar = issue(serverSpec("example.ar"), br);
    addAnchor(system(), br, scope({}, {".br"}));
    Verdict v = verifyChain("tls", "example.ar", {&ar}, /*pinOnFirstUse=*/true);
    EXPECT_EQ(v.kind, VerdictKind::Rejected);
    EXPECT_EQ(v.reason, "out-of-scope");
    auto pins = user().listPins();
    ASSERT_OK(pins);
    EXPECT_TRUE(pins->empty());
}

TEST_F(VerifyScenarioTest, UntrustedIssuerOnCaOnlyProtocol) {
    Verdict v = verifyChain("https", "www.example.com", {&leaf, &intermediate});
    EXPECT_EQ(v.reason, "untrusted-issuer");
    EXPECT_EQ(v.explanation,
              "Rejected: no anchor vouches for the chain of www.example.com, no key is pinned for "
              "www.example.com over https, and https accepts only keys that an anchor vouches for "
              "(its policy is ca-only).");
}

TEST_F(VerifyScenarioTest, RawKeyOnCaOnlyProtocolIsUntrustedIssuer) {
    Verdict v = verify(user(), "https", "www.example.com", KeyFormat::Spki, leaf.spkiDer);
    EXPECT_EQ(v.reason, "untrusted-issuer");
}

TEST_F(VerifyScenarioTest, FirstUseThenTofuNew) {
    Issued self = selfSigned(serverSpec("printer.local"));
    Verdict first = verifyChain("tls", "printer.local", {&self});
    EXPECT_EQ(first.kind, VerdictKind::Unknown);
    EXPECT_EQ(first.reason, "first-use");
    EXPECT_EQ(first.explanation,
              "Unknown: no anchor vouches for the chain of printer.local, and no key is pinned for "
              "printer.local over tls. This is the first use of the key " +
                  fingerprint(self) +
                  ": pin it (peertrust pin add, or verify with --pin-on-first-use) if you trust "
                  "it.");
    Verdict pinned = verifyChain("tls", "printer.local", {&self}, true);
    EXPECT_EQ(pinned.kind, VerdictKind::Accepted);
    EXPECT_EQ(pinned.reason, "tofu-new");
    ASSERT_EQ(pinned.details.pins.size(), 1u);
    EXPECT_EQ(verifyChain("tls", "printer.local", {&self}).reason, "pinned");
    auto pins = user().listPins();
    ASSERT_OK(pins);
    ASSERT_EQ(pins->size(), 1u);
    EXPECT_EQ(pins->front().origin, PinOrigin::Tofu);
    EXPECT_EQ(pins->front().firstSeen, kNow);
}

TEST_F(VerifyScenarioTest, PinMatchAndMismatch) {
    Issued self = selfSigned(serverSpec("nas.example.net"));
    Issued other = selfSigned(serverSpec("nas.example.net"));
    auto pin = user().addPin({"tls", "nas.example.net", KeyFormat::X509Chain, self.der});
    ASSERT_OK(pin);
    Verdict match = verifyChain("tls", "nas.example.net", {&self});
    EXPECT_EQ(match.reason, "pinned");
    EXPECT_EQ(match.explanation, "Accepted: the key " + fingerprint(self) +
                                     " is pinned for nas.example.net over tls (pin " + pin->id +
                                     ", first seen 2027-01-15T08:00:00Z).");
    Verdict mismatch = verifyChain("tls", "nas.example.net", {&other});
    EXPECT_EQ(mismatch.reason, "pin-mismatch");
    EXPECT_EQ(mismatch.explanation,
              "Rejected: nas.example.net presented the key " + fingerprint(other) +
                  ", but the keys pinned for it over tls are: " + fingerprint(self) + " (pin " +
                  pin->id +
                  " for tls, first seen 2027-01-15T08:00:00Z). A pinned key is replaced only "
                  "explicitly (peertrust pin add --replace), or another key added with peertrust "
                  "pin add.");
    ASSERT_EQ(mismatch.details.pins.size(), 1u);
    EXPECT_EQ(mismatch.details.pins[0].spkiSha256, self.spkiSha256Hex());
    EXPECT_EQ(mismatch.details.spkiSha256, other.spkiSha256Hex());
}

TEST_F(VerifyScenarioTest, PinOverridesAnchorVerdict) {
    // A pin set decides before anchors: a CA-valid chain with another key is a mismatch.
    addAnchor(system(), root);
    Issued self = selfSigned(serverSpec("www.example.com"));
    ASSERT_OK(user().addPin({"https", "www.example.com", KeyFormat::X509Chain, self.der}));
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &intermediate}).reason,
              "pin-mismatch");
}

TEST_F(VerifyScenarioTest, TlsFamilyPinCoversHttpsButMemberPinDoesNotCoverFamily) {
    Issued self = selfSigned(serverSpec("router.lan"));
    ASSERT_OK(user().addPin({"tls", "router.lan", KeyFormat::X509Chain, self.der}));
    EXPECT_EQ(verifyChain("https", "router.lan", {&self}).reason, "pinned");
    EXPECT_EQ(verifyChain("imap", "router.lan:993", {&self}).reason, "pinned");

    Issued web = selfSigned(serverSpec("web.lan"));
    ASSERT_OK(user().addPin({"https", "web.lan", KeyFormat::X509Chain, web.der}));
    EXPECT_EQ(verifyChain("https", "web.lan", {&web}).reason, "pinned");
    EXPECT_EQ(verifyChain("tls", "web.lan", {&web}).reason, "first-use");
}

// https's bare "host" is host:443 exactly, so a tls pin on "host:443" answers it, as it
// answers tls on that endpoint. smtp's bare "host" is any of three ports (25, 465, 587; a
// default port given is dropped in the canonical name), so a pin on one of them answers no
// smtp peer: less trust than it might carry, never more.
TEST_F(VerifyScenarioTest, TlsPinOnPort443AnswersHttpsOnThatPortOnly) {
    Issued self = selfSigned(serverSpec("router.lan"));
    auto pin = user().addPin({"tls", "router.lan:443", KeyFormat::X509Chain, self.der});
    ASSERT_OK(pin);
    Verdict pinned = verifyChain("https", "router.lan", {&self});
    EXPECT_EQ(pinned.reason, "pinned");
    ASSERT_EQ(pinned.details.pins.size(), 1u);
    EXPECT_EQ(pinned.details.pins[0].pinId, pin->id);
    EXPECT_EQ(verifyChain("https", "router.lan:443", {&self}).reason, "pinned");
    EXPECT_EQ(verifyChain("tls", "router.lan:443", {&self}).reason, "pinned");
    // Another key on that endpoint is a mismatch, not a CA question.
    Issued other = selfSigned(serverSpec("router.lan"));
    EXPECT_EQ(verifyChain("https", "router.lan", {&other}).reason, "pin-mismatch");
    // Elsewhere the pin says nothing.
    EXPECT_EQ(verifyChain("https", "router.lan:8443", {&self}).reason, "untrusted-issuer");
    EXPECT_EQ(verifyChain("tls", "router.lan", {&self}).reason, "first-use");
    // A program that compares keys itself is told the same keys as Verify accepts.
    auto known = user().pinnedKeys("https", "router.lan");
    ASSERT_OK(known);
    ASSERT_EQ(known->size(), 1u);
    EXPECT_EQ(known->front().protocol, "tls");

    // An e-mail address has no port: its pins are found once, not again as "on port 443".
    ASSERT_OK(user().addPin({"tls", "admin@router.lan", KeyFormat::X509Chain, self.der}));
    auto byAddress = user().pinnedKeys("https", "admin@router.lan");
    ASSERT_OK(byAddress);
    EXPECT_EQ(byAddress->size(), 1u);

    Issued mail = selfSigned(serverSpec("mail.lan"));
    ASSERT_OK(user().addPin({"tls", "mail.lan:25", KeyFormat::X509Chain, mail.der}));
    EXPECT_EQ(verifyChain("smtp", "mail.lan", {&mail}).reason, "untrusted-issuer");
    EXPECT_EQ(verifyChain("smtp", "mail.lan:25", {&mail}).reason, "untrusted-issuer");
    EXPECT_EQ(verifyChain("tls", "mail.lan:25", {&mail}).reason, "pinned");
}

TEST_F(VerifyScenarioTest, PortIsPartOfThePeer) {
    Issued self = selfSigned(serverSpec("host.example"));
    ASSERT_OK(user().addPin({"https", "host.example", KeyFormat::X509Chain, self.der}));
    EXPECT_EQ(verifyChain("https", "host.example:443", {&self}).reason, "pinned");
    EXPECT_EQ(verifyChain("https", "host.example:8443", {&self}).reason, "untrusted-issuer");
}

TEST_F(VerifyScenarioTest, SshFirstUsePinnedThenChanged) {
    auto key = generateKey(KeyType::Ed25519);
    auto changed = generateKey(KeyType::Ed25519);
    Bytes line = bytesOf(openSshLine(key.get()));
    EXPECT_EQ(verify(user(), "ssh", "git.example.org", KeyFormat::OpenSsh, line).reason,
              "first-use");
    EXPECT_EQ(verify(user(), "ssh", "git.example.org", KeyFormat::OpenSsh, line, true).reason,
              "tofu-new");
    EXPECT_EQ(verify(user(), "ssh", "git.example.org", KeyFormat::OpenSsh, line).reason, "pinned");
    Verdict v = verify(user(), "ssh", "git.example.org", KeyFormat::OpenSsh,
                       bytesOf(openSshLine(changed.get())));
    EXPECT_EQ(v.reason, "pin-mismatch");
    EXPECT_EQ(v.kind, VerdictKind::Rejected);
    EXPECT_EQ(v.explanation.rfind("Rejected: git.example.org presented the key SHA256:", 0), 0u);
}

TEST_F(VerifyScenarioTest, TwoPinnedKeysForOneSshHostAreBothAccepted) {
    auto ed = generateKey(KeyType::Ed25519);
    auto ecdsa = generateKey(KeyType::EcdsaP256);
    Bytes edLine = bytesOf(openSshLine(ed.get()));
    Bytes ecLine = bytesOf(openSshLine(ecdsa.get()));
    auto first = user().addPin({"ssh", "host.example.org", KeyFormat::OpenSsh, edLine});
    auto second = user().addPin({"ssh", "host.example.org", KeyFormat::OpenSsh, ecLine});
    ASSERT_OK(first);
    ASSERT_OK(second);
    EXPECT_TRUE(second->created);
    EXPECT_EQ(verify(user(), "ssh", "host.example.org", KeyFormat::OpenSsh, edLine).reason,
              "pinned");
    EXPECT_EQ(verify(user(), "ssh", "host.example.org", KeyFormat::OpenSsh, ecLine).reason,
              "pinned");

    // --replace keeps only the key given.
    auto replaced = user().addPin({"ssh", "host.example.org", KeyFormat::OpenSsh, ecLine, true});
    ASSERT_OK(replaced);
    EXPECT_EQ(verify(user(), "ssh", "host.example.org", KeyFormat::OpenSsh, edLine).reason,
              "pin-mismatch");
}

TEST_F(VerifyScenarioTest, OneKeyAsSshAndAsRawSpkiIsOneIdentity) {
    auto key = generateKey(KeyType::EcdsaP256);
    CertSpec spec = serverSpec("box.example");
    Bytes line = bytesOf(openSshLine(key.get()));
    ASSERT_OK(user().addPin({"ssh", "box.example", KeyFormat::OpenSsh, line}));
    // The same key as a bare SubjectPublicKeyInfo, exported by GnuTLS from the private key.
    gnutls_pubkey_t pub = nullptr;
    ASSERT_EQ(gnutls_pubkey_init(&pub), 0);
    crypto::UniquePubkey owner(pub);
    gnutls_privkey_t priv = nullptr;
    ASSERT_EQ(gnutls_privkey_init(&priv), 0);
    ASSERT_EQ(gnutls_privkey_import_x509(priv, key.get(), 0), 0);
    ASSERT_EQ(gnutls_pubkey_import_privkey(pub, priv, 0, 0), 0);
    gnutls_privkey_deinit(priv);
    crypto::OwnedDatum spki;
    ASSERT_EQ(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, spki.out()), 0);
    Bytes raw(spki.bytes().begin(), spki.bytes().end());
    Verdict v = verify(user(), "ssh", "box.example", KeyFormat::Spki, raw);
    EXPECT_EQ(v.reason, "pinned");
    Verdict sshVerdict = verify(user(), "ssh", "box.example", KeyFormat::OpenSsh, line);
    EXPECT_EQ(sshVerdict.details.spkiSha256, v.details.spkiSha256);
}

TEST_F(VerifyScenarioTest, KeyPinnedFromCertificateMatchesAsRawKey) {
    Issued self = selfSigned(serverSpec("device.example"));
    ASSERT_OK(user().addPin({"tls", "device.example", KeyFormat::X509Chain, self.der}));
    EXPECT_EQ(verify(user(), "tls", "device.example", KeyFormat::Spki, self.spkiDer).reason,
              "pinned");
}

TEST_F(VerifyScenarioTest, SpellingsOfOnePeerAreOnePeer) {
    Issued self = selfSigned(serverSpec("www.example.com"));
    ASSERT_OK(user().addPin({"tls", "WWW.Example.COM.", KeyFormat::X509Chain, self.der}));
    EXPECT_EQ(verifyChain("tls", "www.example.com", {&self}).reason, "pinned");

    Issued idn = selfSigned(serverSpec("xn--bcher-kva.de"));
    ASSERT_OK(user().addPin({"tls", "bücher.de", KeyFormat::X509Chain, idn.der}));
    EXPECT_EQ(verifyChain("tls", "xn--bcher-kva.de", {&idn}).reason, "pinned");
    EXPECT_EQ(verifyChain("tls", "BÜCHER.de", {&idn}).reason, "pinned");

    Issued ip = selfSigned(serverSpec("ip"));
    ASSERT_OK(user().addPin({"tls", "::ffff:192.0.2.1", KeyFormat::X509Chain, ip.der}));
    EXPECT_EQ(verifyChain("tls", "192.0.2.1", {&ip}).reason, "pinned");
    Verdict v = verifyChain("tls", "[::ffff:192.0.2.1]:443", {&ip});
    EXPECT_EQ(v.details.peer, "192.0.2.1:443");
}

TEST_F(VerifyScenarioTest, IpAndEmailPeersMatchTheirCertificateNames) {
    addAnchor(system(), root);
    CertSpec ipSpec = serverSpec("ignored");
    ipSpec.dnsNames.clear();
    ipSpec.ipAddresses = {"2001:db8::1"};
    Issued ipLeaf = issue(ipSpec, intermediate);
    EXPECT_EQ(verifyChain("https", "[2001:DB8:0::1]:443", {&ipLeaf, &intermediate}).reason,
              "anchor");

    CertSpec mailSpec = serverSpec("alice");
    mailSpec.dnsNames.clear();
    mailSpec.emails = {"alice@example.org"};
    mailSpec.purposes = {policy::kPurposeEmailProtection};
    Issued mail = issue(mailSpec, intermediate);
    EXPECT_EQ(verifyChain("email", "alice@EXAMPLE.org", {&mail, &intermediate}).reason, "anchor");
    EXPECT_EQ(verifyChain("email", "bob@example.org", {&mail, &intermediate}).reason,
              "name-mismatch");
}

TEST_F(VerifyScenarioTest, UserLayerCannotLiftSystemDistrust) {
    auto distrust = system().addDistrust({DistrustKind::Certificate, root.der, ""});
    ASSERT_OK(distrust);
    // A user can neither anchor it, nor pin its key, nor remove the administrator's entry.
    auto anchored = user().addAnchor({root.der, {}, ""});
    ASSERT_FALSE(anchored.ok());
    EXPECT_EQ(anchored.error().category(), ErrorCategory::InvalidInput);
    auto pinned = user().addPin({"tls", "root.example", KeyFormat::Spki, root.spkiDer});
    ASSERT_FALSE(pinned.ok());
    EXPECT_EQ(pinned.error().category(), ErrorCategory::InvalidInput);
    auto removed = user().removeDistrust(distrust->id);
    ASSERT_FALSE(removed.ok());
    EXPECT_EQ(removed.error().category(), ErrorCategory::NotAuthorized);
    // The user's own anchor of the intermediate still leads through the distrusted root? No:
    // the intermediate is anchored by the user, the root is not on that path.
    addAnchor(user(), intermediate);
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &intermediate}).reason, "anchor");
    // Pins made before the distrust do not lift it either.
    ASSERT_OK(system().addDistrust({DistrustKind::Certificate, intermediate.der, ""}));
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &intermediate}).reason, "distrusted");
}

TEST_F(VerifyScenarioTest, UserAnchorsAddToSystemAnchors) {
    Issued other = selfSigned(caSpec("User Root"));
    Issued otherLeaf = issue(serverSpec("intranet.example"), other);
    addAnchor(system(), root);
    addAnchor(user(), other, {}, "User Root");
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &intermediate}).reason, "anchor");
    EXPECT_EQ(verifyChain("https", "intranet.example", {&otherLeaf}).reason, "anchor");
    auto anchors = user().listAnchors();
    ASSERT_OK(anchors);
    ASSERT_EQ(anchors->size(), 2u);
}

TEST_F(VerifyScenarioTest, SeveralFailuresReportTheFirstByPrecedence) {
    CertSpec spec = serverSpec("www.example.com");
    spec.notAfter = kNow - 10;
    spec.purposes = {kPurposeClientAuth};
    Issued bad = issue(spec, intermediate);
    addAnchor(system(), root, scope({"smtp"}));
    Verdict v = verifyChain("https", "other.example.com", {&bad, &intermediate});
    EXPECT_EQ(v.reason, "out-of-scope");
    std::vector<std::string> expected = {"out-of-scope", "bad-purpose", "expired", "name-mismatch"};
    EXPECT_EQ(v.details.failures, expected);
}

// The cache entry of a (protocol, peer, chain) as EngineFixture::verify asks (uid 0).
policy::VerdictCacheKey cacheKeyOf(const std::string& protocol, const std::string& peer,
                                   const std::vector<const Issued*>& chain) {
    return {protocol, peer, KeyFormat::X509Chain, crypto::sha256(concat(chain)), false, 0, {}};
}

TEST_F(VerifyScenarioTest, CachedVerdictIsDroppedOnChange) {
    addAnchor(system(), root);
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &intermediate}).reason, "anchor");
    Verdict cached = verifyChain("https", "www.example.com", {&leaf, &intermediate});
    EXPECT_EQ(cached.reason, "anchor");
    const auto key = cacheKeyOf("https", "www.example.com", {&leaf, &intermediate});
    EXPECT_TRUE(user().cachedVerdictHolds(key, m_now, verdictSha256(cached)))
        << "the verdict was not cached: this test would show nothing";
    // Written by another process (the system engine), seen through PRAGMA data_version.
    ASSERT_OK(system().addDistrust({DistrustKind::Certificate, leaf.der, ""}));
    EXPECT_FALSE(user().cachedVerdictHolds(key, m_now, verdictSha256(cached)));
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &intermediate}).reason, "distrusted");
}

TEST_F(VerifyScenarioTest, ChangeByAnotherProcessIsSeenWithinTheSnapshotAge) {
    m_options.readSnapshotAge = std::chrono::milliseconds(50);
    addAnchor(system(), root);
    EXPECT_EQ(verifyChain("https", "www.example.com", {&leaf, &intermediate}).reason, "anchor");
    ASSERT_OK(system().addDistrust({DistrustKind::Certificate, leaf.der, ""}));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::string reason;
    while (std::chrono::steady_clock::now() < deadline) {
        reason = verifyChain("https", "www.example.com", {&leaf, &intermediate}).reason;
        if (reason == "distrusted") {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(reason, "distrusted");
}

TEST_F(VerifyScenarioTest, CachedVerdictRespectsValidityEdges) {
    CertSpec spec = serverSpec("www.example.com");
    spec.notAfter = kNow + 60;
    Issued shortLived = issue(spec, intermediate);
    addAnchor(system(), root);
    Verdict cached = verifyChain("https", "www.example.com", {&shortLived, &intermediate});
    EXPECT_EQ(cached.reason, "anchor");
    const auto key = cacheKeyOf("https", "www.example.com", {&shortLived, &intermediate});
    EXPECT_TRUE(user().cachedVerdictHolds(key, kNow + 60, verdictSha256(cached)));
    EXPECT_FALSE(user().cachedVerdictHolds(key, kNow + 61, verdictSha256(cached)))
        << "the cached verdict outlived the certificate";
    m_now = kNow + 61;
    EXPECT_EQ(verifyChain("https", "www.example.com", {&shortLived, &intermediate}).reason,
              "expired");
}

}  // namespace
}  // namespace peertrust::testing
