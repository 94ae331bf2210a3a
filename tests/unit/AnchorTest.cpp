// Anchors: scopes, the Debian bundle import, and what each kind of client may be given.
#include <gtest/gtest.h>

#include "crypto/Certificate.h"
#include "policy/AnchorExportRules.h"
#include "policy/AnchorScope.h"
#include "policy/ProtocolRegistry.h"
#include "policy/TrustExport.h"
#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

using policy::kPurposeClientAuth;
using policy::kPurposeServerAuth;

AnchorScope scopeOf(std::vector<std::string> protocols, std::vector<std::string> permit = {},
                    std::vector<std::string> exclude = {}) {
    AnchorScope scope;
    scope.protocols = std::move(protocols);
    for (const auto& p : permit) {
        scope.permitted.push_back(*policy::parseNameSubtree(p));
    }
    for (const auto& e : exclude) {
        scope.excluded.push_back(*policy::parseNameSubtree(e));
    }
    return scope;
}

TEST(NameSubtreeTest, ParsesTheCliForms) {
    auto br = policy::parseNameSubtree(".BR");
    ASSERT_TRUE(br.ok());
    EXPECT_EQ(br->type, NameSubtree::Type::Dns);
    EXPECT_EQ(br->value, "br");
    EXPECT_EQ(toString(*br), ".br");
    EXPECT_EQ(policy::parseNameSubtree("example.com")->value, "example.com");
    auto net = policy::parseNameSubtree("192.0.2.0/24");
    ASSERT_TRUE(net.ok());
    EXPECT_EQ(net->type, NameSubtree::Type::Ip);
    EXPECT_EQ(policy::parseNameSubtree("2001:DB8::/32")->value, "2001:db8::/32");
    auto mail = policy::parseNameSubtree("@Example.ORG");
    ASSERT_TRUE(mail.ok());
    EXPECT_EQ(mail->type, NameSubtree::Type::Email);
    EXPECT_EQ(toString(*mail), "@example.org");
    for (const char* bad : {"", "192.0.2.1/24", "192.0.2.0/33", "10.0.0.0/x", "@", "a..b", "@a b",
                            "::ffff:0:0/96", ".0x0a000001"}) {
        EXPECT_FALSE(policy::parseNameSubtree(bad).ok()) << bad;
    }
    // An IPv4-mapped range would exclude nothing (peers at those addresses are IPv4): refused,
    // naming the IPv4 range meant.
    auto mapped = policy::parseNameSubtree("::ffff:10.0.0.0/104");
    ASSERT_FALSE(mapped.ok());
    EXPECT_NE(mapped.error().message().find("write it as 10.0.0.0/8"), std::string::npos)
        << mapped.error().message();
}

TEST(NameSubtreeTest, ScopeAdmitsNamesStrictlyByType) {
    auto peer = [](const char* name) { return *policy::parsePeerName(name, {}); };
    AnchorScope br = scopeOf({}, {".br"}, {"mil.br"});
    EXPECT_TRUE(policy::scopeAdmitsName(br, peer("www.gov.br")));
    EXPECT_TRUE(policy::scopeAdmitsName(br, peer("br")));
    EXPECT_FALSE(policy::scopeAdmitsName(br, peer("xbr")));
    EXPECT_FALSE(policy::scopeAdmitsName(br, peer("example.ar")));
    EXPECT_FALSE(policy::scopeAdmitsName(br, peer("www.mil.br")));
    // A DNS-scoped anchor does not vouch for addresses or mailboxes.
    EXPECT_FALSE(policy::scopeAdmitsName(br, peer("192.0.2.1")));
    EXPECT_FALSE(policy::scopeAdmitsName(br, peer("user@gov.br")));

    AnchorScope lan = scopeOf({}, {"192.0.2.0/24", "@example.org"});
    EXPECT_TRUE(policy::scopeAdmitsName(lan, peer("192.0.2.200")));
    EXPECT_FALSE(policy::scopeAdmitsName(lan, peer("192.0.3.1")));
    EXPECT_TRUE(policy::scopeAdmitsName(lan, peer("alice@example.org")));
    EXPECT_TRUE(policy::scopeAdmitsName(lan, peer("bob@mail.example.org")));
    EXPECT_FALSE(policy::scopeAdmitsName(lan, peer("eve@example.net")));

    AnchorScope excludeOnly = scopeOf({}, {}, {".ru"});
    EXPECT_TRUE(policy::scopeAdmitsName(excludeOnly, peer("www.example.com")));
    EXPECT_FALSE(policy::scopeAdmitsName(excludeOnly, peer("www.example.ru")));
}

TEST(AnchorExportRulesTest, NoExportedFormTrustsMoreThanTheDaemon) {
    policy::ProtocolRegistry registry;
    auto exportOf = [&](const AnchorScope& scope, bool distrusted = false) {
        return policy::computeAnchorExport(scope, distrusted, std::nullopt, registry);
    };

    AnchorExport all = exportOf({});
    EXPECT_EQ(all.gnutls.level, ExportLevel::Anchor);
    EXPECT_EQ(all.nss.level, ExportLevel::Anchor);
    EXPECT_EQ(all.pemFile.level, ExportLevel::Anchor);
    EXPECT_EQ(all.nss.purposes.size(), 4u);

    // The whole tls family: serverAuth only.
    AnchorExport tls = exportOf(scopeOf({"tls"}));
    EXPECT_EQ(tls.nss.level, ExportLevel::Anchor);
    EXPECT_EQ(tls.nss.purposes, std::vector<std::string>{kPurposeServerAuth});

    // One member of a family: nobody's anchor, since no client can tell smtp from https.
    AnchorExport smtp = exportOf(scopeOf({"smtp"}));
    EXPECT_EQ(smtp.gnutls.level, ExportLevel::None);
    EXPECT_EQ(smtp.nss.level, ExportLevel::None);
    EXPECT_EQ(smtp.pemFile.level, ExportLevel::None);

    // A name scope: stapled NameConstraints for GnuTLS, must-verify for NSS, not in a PEM file.
    AnchorExport br = exportOf(scopeOf({}, {".br"}));
    EXPECT_EQ(br.gnutls.level, ExportLevel::AnchorWithNameConstraints);
    EXPECT_EQ(br.gnutls.purposes,
              (std::vector<std::string>{kPurposeServerAuth, kPurposeClientAuth}));
    EXPECT_EQ(br.nss.level, ExportLevel::MustVerify);
    EXPECT_EQ(br.pemFile.level, ExportLevel::None);

    // Only IP ranges permitted: stapling would admit every DNS name, so not exported.
    EXPECT_EQ(exportOf(scopeOf({}, {"192.0.2.0/24"})).gnutls.level, ExportLevel::None);

    // A not-after override cannot be enforced by any client; distrust exports nothing.
    AnchorScope retiring;
    retiring.notAfter = kNow;
    AnchorExport overridden = exportOf(retiring);
    EXPECT_EQ(overridden.gnutls.level, ExportLevel::None);
    EXPECT_EQ(overridden.nss.level, ExportLevel::None);
    EXPECT_EQ(overridden.pemFile.level, ExportLevel::None);
    EXPECT_EQ(exportOf({}, true).nss.level, ExportLevel::None);
    EXPECT_FALSE(overridden.gnutls.why.empty());

    // A CRL with entries under the anchor: no exported form carries it, so nobody's anchor,
    // whatever the scope would allow.
    AnchorExport revoking =
        policy::computeAnchorExport(scopeOf({"tls"}), false, "0123456789abcdef", registry);
    for (const ClientExport* client : {&revoking.gnutls, &revoking.nss, &revoking.pemFile}) {
        EXPECT_EQ(client->level, ExportLevel::None);
        EXPECT_TRUE(client->purposes.empty());
        EXPECT_NE(client->why.find("the CRL 0123456789abcdef revokes"), std::string::npos)
            << client->why;
    }
}

// What the anchor certificate limits itself is kept: a stapled EKU or NameConstraints would
// replace the certificate's own in GnuTLS, so they are narrowed by it, or not stapled.
TEST(AnchorExportRulesTest, TheCertificatesOwnLimitsNarrowWhatIsExported) {
    policy::ProtocolRegistry registry;
    CertSpec mailOnly = caSpec("Mail Only Root");
    mailOnly.purposes = {policy::kPurposeEmailProtection};
    const Issued mail = selfSigned(mailOnly);
    auto parsed = crypto::parseCertificate(mail.der);
    ASSERT_TRUE(parsed.ok());
    const policy::CertificateOwnLimits mailLimits = policy::ownLimitsOf(*parsed);
    ASSERT_TRUE(mailLimits.keyPurposes.has_value());
    AnchorExport unscoped =
        policy::computeAnchorExport({}, false, std::nullopt, registry, std::nullopt, mailLimits);
    EXPECT_EQ(unscoped.gnutls.purposes, std::vector<std::string>{policy::kPurposeEmailProtection});
    EXPECT_EQ(unscoped.nss.purposes, std::vector<std::string>{policy::kPurposeEmailProtection});
    AnchorExport tlsOnly = policy::computeAnchorExport(scopeOf({"tls"}), false, std::nullopt,
                                                       registry, std::nullopt, mailLimits);
    EXPECT_EQ(tlsOnly.gnutls.level, ExportLevel::None);
    EXPECT_EQ(tlsOnly.nss.level, ExportLevel::None);
    EXPECT_NE(tlsOnly.gnutls.why.find("own key purposes"), std::string::npos) << tlsOnly.gnutls.why;

    CertSpec constrained = caSpec("Constrained Root");
    constrained.permittedDns = {"example.com"};
    auto constrainedCert = crypto::parseCertificate(selfSigned(constrained).der);
    ASSERT_TRUE(constrainedCert.ok());
    const policy::CertificateOwnLimits ncLimits = policy::ownLimitsOf(*constrainedCert);
    EXPECT_TRUE(ncLimits.nameConstraints);
    AnchorExport br = policy::computeAnchorExport(scopeOf({}, {".br"}), false, std::nullopt,
                                                  registry, std::nullopt, ncLimits);
    EXPECT_EQ(br.gnutls.level, ExportLevel::None) << "stapled .br would replace example.com";
    // Without a name scope nothing is stapled over them: GnuTLS applies the certificate's own.
    AnchorExport plain =
        policy::computeAnchorExport({}, false, std::nullopt, registry, std::nullopt, ncLimits);
    EXPECT_EQ(plain.gnutls.level, ExportLevel::Anchor);

    auto openCert = crypto::parseCertificate(selfSigned(caSpec("Open Root")).der);
    ASSERT_TRUE(openCert.ok());
    const policy::CertificateOwnLimits none = policy::ownLimitsOf(*openCert);
    EXPECT_FALSE(none.keyPurposes.has_value());
    EXPECT_FALSE(none.nameConstraints);
}

// GnuTLS trusts a certificate it finds in the trust token as itself when a peer presents it,
// with its own names and EKU, and applies no stapled extension to it: an anchor whose own
// certificate would so admit more than its scope is not a GnuTLS anchor. NSS enforces the
// purposes by its own trust bits, and gets no name scope anyway.
TEST(AnchorExportRulesTest, AnAnchorTrustedAsItselfGetsNoMoreThanItsScope) {
    policy::ProtocolRegistry registry;
    auto limitsOf = [](const CertSpec& spec) {
        auto cert = crypto::parseCertificate(selfSigned(spec).der);
        EXPECT_TRUE(cert.ok());
        return policy::ownLimitsOf(*cert);
    };
    auto gnutls = [&](const AnchorScope& scope, const policy::CertificateOwnLimits& own) {
        return policy::computeAnchorExport(scope, false, std::nullopt, registry, std::nullopt, own)
            .gnutls;
    };
    CertSpec nas;  // a device's own certificate: no key purposes of its own
    nas.commonName = "nas.lan";
    nas.dnsNames = {"nas.lan"};
    const policy::CertificateOwnLimits device = limitsOf(nas);
    EXPECT_FALSE(device.ca);
    EXPECT_EQ(device.hostNames, std::vector<std::string>{"nas.lan"});

    // Limited to TLS servers, it could still be presented as a TLS client.
    ClientExport tlsOnly = gnutls(scopeOf({"tls"}), device);
    EXPECT_EQ(tlsOnly.level, ExportLevel::None);
    EXPECT_NE(tlsOnly.why.find("a TLS client"), std::string::npos) << tlsOnly.why;
    EXPECT_EQ(policy::computeAnchorExport(scopeOf({"tls"}), false, std::nullopt, registry,
                                          std::nullopt, device)
                  .nss.purposes,
              std::vector<std::string>{policy::kPurposeServerAuth});
    // Scoped to names its own name is outside of.
    ClientExport elsewhere = gnutls(scopeOf({}, {".example"}), device);
    EXPECT_EQ(elsewhere.level, ExportLevel::None);
    EXPECT_NE(elsewhere.why.find("nas.lan"), std::string::npos) << elsewhere.why;
    // Inside its scope, or unscoped, nothing is admitted that the scope does not.
    EXPECT_EQ(gnutls(scopeOf({}, {".lan"}), device).level, ExportLevel::AnchorWithNameConstraints);
    EXPECT_EQ(gnutls({}, device).level, ExportLevel::Anchor);

    // A self-signed device certificate that says CA:TRUE (openssl req -x509 makes those) is
    // judged by its names just the same.
    CertSpec caDevice = caSpec("nas.lan");
    caDevice.dnsNames = {"nas.lan"};
    const policy::CertificateOwnLimits caNamed = limitsOf(caDevice);
    EXPECT_TRUE(caNamed.ca);
    EXPECT_EQ(gnutls(scopeOf({"tls"}), caNamed).level, ExportLevel::None);
    EXPECT_EQ(gnutls(scopeOf({}, {".example"}), caNamed).level, ExportLevel::None);

    // A CA's root, which only the CA could present as itself, keeps its scope in stapled form;
    // also one whose CN reads like a host name.
    EXPECT_EQ(gnutls(scopeOf({"tls"}), limitsOf(caSpec("Lan Root"))).level, ExportLevel::Anchor);
    EXPECT_EQ(gnutls(scopeOf({"tls"}), limitsOf(caSpec("izenpe.com"))).level, ExportLevel::Anchor);
}

TEST(AnchorExportRulesTest, StapledConstraintsExcludeAddressesADnsScopeDoesNotPermit) {
    AnchorScope br = scopeOf({}, {".br"});
    auto nc = policy::scopeConstraints(br, true);
    ASSERT_TRUE(nc.ok());
    unsigned char ip[4] = {192, 0, 2, 1};
    gnutls_datum_t address{ip, 4};
    EXPECT_EQ(gnutls_x509_name_constraints_check(nc->get(), GNUTLS_SAN_IPADDRESS, &address), 0u);
    std::string host = "www.gov.br";
    gnutls_datum_t name{reinterpret_cast<unsigned char*>(host.data()),
                        static_cast<unsigned>(host.size())};
    EXPECT_NE(gnutls_x509_name_constraints_check(nc->get(), GNUTLS_SAN_DNSNAME, &name), 0u);
}

class AnchorTest : public EngineFixture {};

TEST_F(AnchorTest, ImportSystemBundleIsTlsScopedAndIdempotent) {
    Bytes bundle = readFile("/etc/ssl/certs/ca-certificates.crt");
    ASSERT_FALSE(bundle.empty()) << "the ca-certificates package is needed";
    auto first = system().importSystemAnchors(bundle);
    ASSERT_OK(first);
    EXPECT_GT(first->imported, 100u);
    EXPECT_EQ(first->alreadyPresent, 0u);
    auto again = system().importSystemAnchors(bundle);
    ASSERT_OK(again);
    EXPECT_EQ(again->imported, 0u);
    EXPECT_EQ(again->alreadyPresent, first->imported);

    auto anchors = user().listAnchors();
    ASSERT_OK(anchors);
    ASSERT_EQ(anchors->size(), first->imported);
    for (const AnchorInfo& anchor : *anchors) {
        EXPECT_EQ(anchor.source, "system");
        EXPECT_EQ(anchor.layer, StoreLayer::System);
        EXPECT_EQ(anchor.scope.protocols, std::vector<std::string>{"tls"});
        EXPECT_EQ(anchor.exports.nss.purposes, std::vector<std::string>{kPurposeServerAuth});
        EXPECT_FALSE(anchor.label.empty());
    }
}

TEST_F(AnchorTest, ImportSkipsDistrustedRoots) {
    Bytes bundle = readFile("/etc/ssl/certs/ca-certificates.crt");
    // The first certificate of the bundle, distrusted before the import.
    std::string text(bundle.begin(), bundle.end());
    std::string firstPem = text.substr(0, text.find("-----END CERTIFICATE-----") + 25);
    ASSERT_OK(system().addDistrust({DistrustKind::Certificate, bytesOf(firstPem), ""}));
    auto summary = system().importSystemAnchors(bundle);
    ASSERT_OK(summary);
    EXPECT_EQ(summary->skipped, 1u);
    EXPECT_EQ(summary->skippedReasons.at(0).rfind("distrusted: ", 0), 0u);
}

TEST_F(AnchorTest, ScopeCanBeChangedAndTheAnchorRemoved) {
    CertSpec ca;
    ca.isCa = true;
    ca.commonName = "Scoped Root";
    Issued root = selfSigned(ca);
    CertSpec leafSpec;
    leafSpec.dnsNames = {"www.gov.br"};
    leafSpec.purposes = {kPurposeServerAuth};
    Issued leaf = issue(leafSpec, root);
    std::string id = addAnchor(user(), root);
    auto added = user().addAnchor({root.der, {}, ""});
    ASSERT_OK(added);
    EXPECT_FALSE(added->created);
    // The same certificate with another scope is not "already there": it conflicts.
    auto rescoped = user().addAnchor({root.der, scopeOf({"smtp"}), ""});
    ASSERT_FALSE(rescoped.ok());
    EXPECT_EQ(rescoped.error().category(), ErrorCategory::Conflict);
    EXPECT_NE(rescoped.error().message().find("peertrust anchor scope"), std::string::npos);
    EXPECT_EQ(verifyChain("https", "www.gov.br", {&leaf}).reason, "anchor");

    ASSERT_OK(user().setAnchorScope(id.substr(0, 8), scopeOf({"smtp"})));
    EXPECT_EQ(verifyChain("https", "www.gov.br", {&leaf}).reason, "out-of-scope");
    auto anchors = user().listAnchors();
    ASSERT_EQ(anchors->size(), 1u);
    EXPECT_EQ(anchors->front().label, "Scoped Root");
    EXPECT_EQ(anchors->front().scope.protocols, std::vector<std::string>{"smtp"});
    EXPECT_EQ(anchors->front().exports.nss.level, ExportLevel::None);

    ASSERT_OK(user().removeAnchor(id));
    EXPECT_EQ(verifyChain("https", "www.gov.br", {&leaf}).reason, "untrusted-issuer");
    EXPECT_EQ(user().removeAnchor(id).error().category(), ErrorCategory::NotFound);
}

// Two anchors of one token with one key: GnuTLS would apply the stapled extensions of each to
// both (a tls-client anchor would gain the other's serverAuth). Unless they staple the same,
// neither is a GnuTLS anchor, and the listing says why.
TEST_F(AnchorTest, AnchorsSharingAKeyInOneTokenStapleAlikeOrNotAtAll) {
    const Issued first = selfSigned(caSpec("Client Root"));
    const Issued sameKey = issueFor(caSpec("Other Name Root"), first.spkiDerPem, first);
    const std::string clientId = addAnchor(system(), first, scopeOf({"tls-client"}));
    const std::string brId = addAnchor(system(), sameKey, scopeOf({"tls"}, {".br"}));
    auto anchors = system().listAnchors();
    ASSERT_OK(anchors);
    ASSERT_EQ(anchors->size(), 2u);
    for (const AnchorInfo& anchor : *anchors) {
        EXPECT_EQ(anchor.exports.gnutls.level, ExportLevel::None) << anchor.id;
        EXPECT_NE(anchor.exports.gnutls.why.find("shares its key with the anchor " +
                                                 (anchor.id == clientId ? brId : clientId)),
                  std::string::npos)
            << anchor.exports.gnutls.why;
    }
    auto exported = system().trustExport();
    ASSERT_OK(exported);
    for (const auto& anchor : (*exported)->anchors) {
        EXPECT_EQ(anchor.exports.gnutls.level, ExportLevel::None) << anchor.id;
    }
    // Stapling the same, they stay anchors.
    ASSERT_OK(system().setAnchorScope(clientId, scopeOf({"tls"}, {".br"})));
    anchors = system().listAnchors();
    ASSERT_OK(anchors);
    for (const AnchorInfo& anchor : *anchors) {
        EXPECT_EQ(anchor.exports.gnutls.level, ExportLevel::AnchorWithNameConstraints)
            << anchor.exports.gnutls.why;
    }
}

TEST_F(AnchorTest, SystemAnchorsAreReadOnlyForAUser) {
    CertSpec ca;
    ca.isCa = true;
    Issued root = selfSigned(ca);
    std::string id = addAnchor(system(), root);
    EXPECT_EQ(user().removeAnchor(id).error().category(), ErrorCategory::NotAuthorized);
    EXPECT_EQ(user().setAnchorScope(id, {}).error().category(), ErrorCategory::NotAuthorized);
}

TEST_F(AnchorTest, ProtocolsCanBeAddedAndTheirPolicyChanged) {
    auto protocols = user().listProtocols();
    ASSERT_OK(protocols);
    EXPECT_EQ(protocols->size(), 11u);
    auto https = std::find_if(protocols->begin(), protocols->end(),
                              [](const ProtocolInfo& p) { return p.name == "https"; });
    ASSERT_NE(https, protocols->end());
    EXPECT_EQ(https->policy, ProtocolPolicy::CaOnly);
    EXPECT_EQ(https->family, "tls");

    ASSERT_OK(system().addProtocol({"irc", "tls", ProtocolPolicy::Tofu}));
    CertSpec self;
    self.dnsNames = {"irc.example"};
    Issued key = selfSigned(self);
    EXPECT_EQ(verifyChain("irc", "irc.example", {&key}).reason, "first-use");
    EXPECT_EQ(user().addProtocol({"irc", "ssh", ProtocolPolicy::Tofu}).error().category(),
              ErrorCategory::Conflict);

    // A user may make https trust-on-first-use for herself.
    EXPECT_EQ(verifyChain("https", "irc.example", {&key}).reason, "untrusted-issuer");
    auto changed = user().addProtocol({"https", "tls", ProtocolPolicy::Tofu});
    ASSERT_OK(changed);
    EXPECT_TRUE(changed->created);
    EXPECT_EQ(verifyChain("https", "irc.example", {&key}).reason, "first-use");
    EXPECT_FALSE(user().addProtocol({"https", "tls", ProtocolPolicy::Tofu})->created);
}

}  // namespace
}  // namespace peertrust::testing
