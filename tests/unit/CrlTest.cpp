// Certificate revocation lists an administrator or a user adds: checked against an anchor (or
// a certificate an anchor issued) when added, one per issuer, and applied by Verify to every
// certificate of the chain and the anchor, before pins and anchors.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "policy/RevocationList.h"
#include "support/CrlFactory.h"
#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

class CrlTest : public EngineFixture {
protected:
    void SetUp() override {
        root = selfSigned(caSpec("Test Root"));
        intermediate = issue(caSpec("Test Intermediate"), root);
        leaf = issue(serverSpec("www.example.com"), intermediate);
        otherLeaf = issue(serverSpec("other.example.com"), intermediate);
        rootId = addAnchor(system(), root, {}, "Test Root");
    }

    CrlSpec spec(std::vector<std::pair<const Issued*, UnixTime>> revoked = {},
                 std::optional<unsigned> number = 1) const {
        CrlSpec s;
        s.revoked = std::move(revoked);
        s.thisUpdate = m_now - 3600;
        s.nextUpdate = m_now + 7 * 86400;
        s.number = number;
        return s;
    }

    Result<AddOutcome> addCrl(policy::PolicyEngine& engine, const Bytes& crl,
                              const Bytes& issuerCertificate = {}) {
        return engine.addCrl({crl, issuerCertificate});
    }
    std::vector<CrlInfo> crls(policy::PolicyEngine& engine) {
        auto list = engine.listCrls();
        EXPECT_TRUE(list.ok()) << list.error().message();
        return list.ok() ? *list : std::vector<CrlInfo>{};
    }
    Verdict verifyLeaf() { return verifyChain("https", "www.example.com", {&leaf, &intermediate}); }

    Issued root, intermediate, leaf, otherLeaf;
    std::string rootId;
};

TEST_F(CrlTest, AnchorSignedCrlIsStoredAndListed) {
    auto added = addCrl(system(), makeCrl(root, spec({{&intermediate, m_now - 86400}}, 7)));
    ASSERT_OK(added);
    EXPECT_TRUE(added->created);
    EXPECT_EQ(added->id.size(), 16u);
    auto list = crls(user());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, added->id);
    EXPECT_EQ(list[0].issuer, "CN=Test Root");
    EXPECT_EQ(list[0].signerId, rootId);
    EXPECT_EQ(list[0].layer, StoreLayer::System);
    EXPECT_EQ(list[0].thisUpdate, m_now - 3600);
    EXPECT_EQ(list[0].nextUpdate, m_now + 7 * 86400);
    EXPECT_EQ(list[0].crlNumber, "7");
    EXPECT_EQ(list[0].entries, 1u);
    EXPECT_FALSE(list[0].stale);
    EXPECT_EQ(list[0].created, m_now);
}

TEST_F(CrlTest, PemAndDerAreOneCrlAndAddingAgainIsIdempotent) {
    CrlSpec s = spec({{&intermediate, m_now - 86400}});
    Bytes der = makeCrl(root, s);
    auto first = addCrl(system(), der);
    ASSERT_OK(first);
    auto again = addCrl(system(), der);
    ASSERT_OK(again);
    EXPECT_FALSE(again->created);
    EXPECT_EQ(again->id, first->id);
    // The same list as PEM is the same DER, so the same id.
    gnutls_datum_t in = crypto::datumOf(der);
    crypto::OwnedDatum pem;
    ASSERT_GE(gnutls_pem_base64_encode2("X509 CRL", &in, pem.out()), 0);
    auto asPem = addCrl(system(), bytesOf(pem.str()));
    ASSERT_OK(asPem);
    EXPECT_FALSE(asPem->created);
    EXPECT_EQ(asPem->id, first->id);
    // Signed again (ECDSA signatures differ), with the same number and time: another CRL that
    // is no newer, so not silently taken for the stored one.
    auto resigned = addCrl(system(), bytesOf(makeCrlPem(root, s)));
    ASSERT_FALSE(resigned.ok());
    EXPECT_EQ(resigned.error().category(), ErrorCategory::Conflict);
    EXPECT_EQ(crls(system()).size(), 1u);
}

TEST_F(CrlTest, NewerCrlOfTheSameIssuerReplacesTheOlder) {
    auto older = addCrl(system(), makeCrl(root, spec({}, 1)));
    ASSERT_OK(older);
    auto newer = addCrl(system(), makeCrl(root, spec({{&intermediate, m_now - 60}}, 2)));
    ASSERT_OK(newer);
    EXPECT_TRUE(newer->created);
    EXPECT_EQ(older->replacedId, "");
    EXPECT_EQ(newer->replacedId, older->id);
    auto list = crls(system());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, newer->id);
    EXPECT_EQ(list[0].crlNumber, "2");
}

TEST_F(CrlTest, WithoutCrlNumbersTheLaterThisUpdateIsNewer) {
    CrlSpec first = spec({}, std::nullopt);
    CrlSpec second = spec({{&intermediate, m_now - 60}}, std::nullopt);
    second.thisUpdate = first.thisUpdate + 600;
    ASSERT_OK(addCrl(system(), makeCrl(root, first)));
    auto newer = addCrl(system(), makeCrl(root, second));
    ASSERT_OK(newer);
    auto list = crls(system());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, newer->id);
    EXPECT_EQ(list[0].crlNumber, "");
}

TEST_F(CrlTest, OlderCrlIsAConflictNamingTheStoredOne) {
    auto stored = addCrl(system(), makeCrl(root, spec({{&intermediate, m_now - 60}}, 5)));
    ASSERT_OK(stored);
    // A higher thisUpdate does not make a lower CRL number newer.
    CrlSpec older = spec({}, 4);
    older.thisUpdate = m_now - 60;
    auto refused = addCrl(system(), makeCrl(root, older));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().category(), ErrorCategory::Conflict);
    EXPECT_NE(refused.error().message().find(stored->id), std::string::npos)
        << refused.error().message();
    EXPECT_NE(refused.error().message().find("CRL number 0x5"), std::string::npos);
    auto list = crls(system());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, stored->id);
}

TEST_F(CrlTest, BadInputIsInvalidInputAndLeavesTheStoreUntouched) {
    auto stored = addCrl(system(), makeCrl(root, spec()));
    ASSERT_OK(stored);
    Bytes good = makeCrl(root, spec({}, 9));
    Bytes truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2));
    Bytes tooLarge(policy::kMaxCrlBytes + 1, 0x30);
    for (const Bytes& bad :
         {Bytes{}, bytesOf("not a CRL at all"), truncated, tooLarge, bytesOf(root.pem), root.der}) {
        auto refused = addCrl(system(), bad);
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().category(), ErrorCategory::InvalidInput);
        EXPECT_FALSE(refused.error().message().empty());
    }
    auto badIssuer = addCrl(system(), good, bytesOf("garbage"));
    ASSERT_FALSE(badIssuer.ok());
    EXPECT_EQ(badIssuer.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(badIssuer.error().message().find("the issuer certificate"), std::string::npos);
    auto list = crls(system());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, stored->id);
}

Bytes crlFixture(const std::string& name) {
    std::ifstream in(std::string(PEERTRUST_FIXTURES_DIR) + "/crl/" + name, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

// A delta CRL lists only the changes since its base; in the base's place (one CRL per issuer)
// it would lift every revocation it does not repeat. GnuTLS cannot make one: a fixture.
TEST_F(CrlTest, ADeltaCrlIsRefusedAndLeavesTheStoreUntouched) {
    auto fixture = crlFixture;
    Bytes deltaRoot = fixture("delta-root.pem");
    Bytes delta = fixture("delta.crl");
    ASSERT_FALSE(deltaRoot.empty());
    ASSERT_FALSE(delta.empty());
    ASSERT_OK(system().addAnchor({deltaRoot, {}, "Delta CRL Test Root"}));
    auto added = addCrl(system(), delta);
    ASSERT_FALSE(added.ok());
    EXPECT_EQ(added.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(added.error().message().find("delta CRL"), std::string::npos)
        << added.error().message();
    EXPECT_TRUE(crls(system()).empty());
}

// Partitioned CRLs (issuingDistributionPoint): one issuer, several lists, each for part of
// its certificates. One in the place of another would lift the other's revocations.
TEST_F(CrlTest, APartitionNeverReplacesAnotherPartitionOfTheSameIssuer) {
    Bytes partitionedRoot = crlFixture("partitioned-root.pem");
    Bytes first = crlFixture("partition1.crl");
    Bytes second = crlFixture("partition2.crl");
    Bytes firstNewer = crlFixture("partition1-newer.crl");
    ASSERT_FALSE(partitionedRoot.empty() || first.empty() || second.empty() || firstNewer.empty());
    ASSERT_OK(system().addAnchor({partitionedRoot, {}, "Partitioned CRL Test Root"}));
    auto added = addCrl(system(), first);
    ASSERT_OK(added);
    auto refused = addCrl(system(), second);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(refused.error().message().find("cannot replace the CRL " + added->id),
              std::string::npos)
        << refused.error().message();
    EXPECT_NE(refused.error().message().find("partitioned"), std::string::npos);
    auto list = crls(system());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, added->id);
    EXPECT_EQ(list[0].crlNumber, "1");
    // A newer list of the same partition replaces it as usual.
    auto newer = addCrl(system(), firstNewer);
    ASSERT_OK(newer);
    list = crls(system());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].id, newer->id);
    EXPECT_EQ(list[0].crlNumber, "3");
    // An older list of the other partition is no older list of this one: not a Conflict,
    // whose advice (remove the stored CRL first) would lift this partition's revocations.
    auto older = addCrl(system(), second);
    ASSERT_FALSE(older.ok());
    EXPECT_EQ(older.error().category(), ErrorCategory::InvalidInput) << older.error().message();
    EXPECT_NE(older.error().message().find("partitioned"), std::string::npos);
}

TEST_F(CrlTest, CrlNotSignedByTheNamedAnchorIsRefused) {
    // Same name, another key: an impostor of the anchor.
    Issued impostor = selfSigned(caSpec("Test Root"));
    auto refused = addCrl(system(), makeCrl(impostor, spec({{&intermediate, m_now - 60}})));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(refused.error().message().find("no anchor of that name can be its signer"),
              std::string::npos)
        << refused.error().message();
    EXPECT_NE(refused.error().message().find(rootId), std::string::npos);
    EXPECT_TRUE(crls(system()).empty());
    EXPECT_EQ(verifyLeaf().reason, "anchor");
}

TEST_F(CrlTest, CrlOfAnIssuerThatIsNoAnchorNeedsItsCertificate) {
    Bytes crl = makeCrl(intermediate, spec({{&leaf, m_now - 60}}));
    auto refused = addCrl(system(), crl);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(refused.error().message().find("--issuer"), std::string::npos);
    EXPECT_TRUE(crls(system()).empty());

    auto added = addCrl(system(), crl, bytesOf(intermediate.pem));
    ASSERT_OK(added);
    auto list = crls(system());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].issuer, "CN=Test Intermediate");
    Verdict v = verifyLeaf();
    EXPECT_EQ(v.reason, "revoked");
    EXPECT_EQ(verifyChain("https", "other.example.com", {&otherLeaf, &intermediate}).reason,
              "anchor");
}

TEST_F(CrlTest, IssuerCertificateMustChainToAnAnchor) {
    Issued strangerRoot = selfSigned(caSpec("Stranger Root"));
    Issued strangerCa = issue(caSpec("Test Intermediate"), strangerRoot);
    Bytes crl = makeCrl(strangerCa, spec({{&leaf, m_now - 60}}));
    auto refused = addCrl(system(), crl, strangerCa.der);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(refused.error().message().find("neither an anchor nor issued by one"),
              std::string::npos)
        << refused.error().message();
    // An issuer certificate under an anchor that did not sign this CRL.
    auto wrongSigner = addCrl(system(), crl, intermediate.der);
    ASSERT_FALSE(wrongSigner.ok());
    EXPECT_EQ(wrongSigner.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(wrongSigner.error().message().find("is not signed by the given issuer certificate"),
              std::string::npos)
        << wrongSigner.error().message();
    // Issued by the anchor, but not a CA: it may not speak for revocations.
    Issued notCa = issue(serverSpec("www.example.org"), root);
    auto byLeaf = addCrl(system(), makeCrl(notCa, spec({{&leaf, m_now - 60}})), notCa.der);
    ASSERT_FALSE(byLeaf.ok());
    EXPECT_EQ(byLeaf.error().category(), ErrorCategory::InvalidInput);
    EXPECT_TRUE(crls(system()).empty());
}

TEST_F(CrlTest, RevokedLeafUnderAnAnchorIsRejectedNamingCrlSerialAndDate) {
    ASSERT_OK(
        addCrl(system(), makeCrl(intermediate, spec({{&leaf, m_now - 86400}})), intermediate.der));
    std::string crlId = crls(system()).at(0).id;
    std::string serial = policy::formatSerialNumber(
        policy::serialNumberOf(std::move(crypto::parseCertificate(leaf.der)).value()));
    Verdict v = verifyLeaf();
    EXPECT_EQ(v.kind, VerdictKind::Rejected);
    EXPECT_EQ(v.reason, "revoked");
    EXPECT_EQ(v.details.failures, std::vector<std::string>{"revoked"});
    EXPECT_EQ(v.explanation, "Rejected: the certificate \"CN=www.example.com\" (serial " + serial +
                                 ") in the chain of www.example.com was revoked on "
                                 "2027-01-14T08:00:00Z, says the CRL " +
                                 crlId +
                                 " (system store) of \"CN=Test Intermediate\" issued "
                                 "2027-01-15T07:00:00Z. A revoked certificate is rejected "
                                 "whatever pins or anchors say.");
}

TEST_F(CrlTest, RevokedPinnedLeafIsRejected) {
    Issued issuedLeaf = issue(serverSpec("pinned.example.com"), root);
    PinAddRequest pin;
    pin.protocol = "https";
    pin.peer = "pinned.example.com";
    pin.key = issuedLeaf.der;
    ASSERT_OK(user().addPin(pin));
    EXPECT_EQ(verifyChain("https", "pinned.example.com", {&issuedLeaf}).reason, "pinned");
    ASSERT_OK(addCrl(system(), makeCrl(root, spec({{&issuedLeaf, m_now - 60}}))));
    Verdict v = verifyChain("https", "pinned.example.com", {&issuedLeaf});
    EXPECT_EQ(v.kind, VerdictKind::Rejected);
    EXPECT_EQ(v.reason, "revoked");
}

TEST_F(CrlTest, RevokedIntermediateRejectsEveryLeafBelowIt) {
    ASSERT_OK(addCrl(system(), makeCrl(root, spec({{&intermediate, m_now - 60}}))));
    Verdict v = verifyLeaf();
    EXPECT_EQ(v.reason, "revoked");
    EXPECT_NE(v.explanation.find("\"CN=Test Intermediate\" (serial"), std::string::npos)
        << v.explanation;
    EXPECT_EQ(verifyChain("https", "other.example.com", {&otherLeaf, &intermediate}).reason,
              "revoked");
}

TEST_F(CrlTest, ACrlFromARekeyedCasNewKeyRevokesWhatItsOldKeyIssued) {
    // One CA, two keys, one name, both certified by the same anchor: RFC 5280 (6.3.3)
    // lets the new key sign the CRL for certificates the old key issued.
    Issued oldCa = issue(caSpec("Test Issuing CA"), root);
    Issued newCa = issue(caSpec("Test Issuing CA"), root);
    Issued oldLeaf = issue(serverSpec("old.example.com"), oldCa);
    ASSERT_EQ(verifyChain("https", "old.example.com", {&oldLeaf, &oldCa}).reason, "anchor");
    ASSERT_OK(addCrl(system(), makeCrl(newCa, spec({{&oldLeaf, m_now - 60}})), newCa.der));
    Verdict v = verifyChain("https", "old.example.com", {&oldLeaf, &oldCa});
    EXPECT_EQ(v.kind, VerdictKind::Rejected);
    EXPECT_EQ(v.reason, "revoked");
    EXPECT_NE(v.explanation.find("\"CN=old.example.com\" (serial"), std::string::npos)
        << v.explanation;
}

// The old CA certificate anchored beside the root: a path that ends at it reaches the root
// too, and no client outside the daemon, which cannot apply the CRL, gets it as an anchor.
TEST_F(CrlTest, ARekeyedCasCrlAppliesUnderItsOldCertificateAnchoredBesideTheRoot) {
    Issued oldCa = issue(caSpec("Test Issuing CA"), root);
    Issued newCa = issue(caSpec("Test Issuing CA"), root);
    Issued oldLeaf = issue(serverSpec("old.example.com"), oldCa);
    std::string oldCaId = addAnchor(system(), oldCa, {}, "Old Issuing CA");
    ASSERT_EQ(verifyChain("https", "old.example.com", {&oldLeaf}).reason, "anchor");
    auto added = addCrl(system(), makeCrl(newCa, spec({{&oldLeaf, m_now - 60}})), newCa.der);
    ASSERT_OK(added);
    EXPECT_EQ(verifyChain("https", "old.example.com", {&oldLeaf}).reason, "revoked");
    auto anchors = system().listAnchors();
    ASSERT_OK(anchors);
    std::size_t checked = 0;
    for (const AnchorInfo& anchor : *anchors) {
        if (anchor.id != oldCaId) {
            continue;
        }
        for (const ClientExport* client :
             {&anchor.exports.gnutls, &anchor.exports.nss, &anchor.exports.pemFile}) {
            EXPECT_EQ(client->level, ExportLevel::None);
            EXPECT_NE(client->why.find("CRL " + added->id), std::string::npos) << client->why;
            ++checked;
        }
    }
    EXPECT_EQ(checked, 3u);
}

TEST_F(CrlTest, ACrlOfASameNamedCaUnderAnotherAnchorRevokesNothingHere) {
    Issued ourCa = issue(caSpec("Test Issuing CA"), root);
    Issued ourLeaf = issue(serverSpec("ours.example.com"), ourCa);
    Issued strangerRoot = selfSigned(caSpec("Stranger Root"));
    addAnchor(system(), strangerRoot, {}, "Stranger Root");
    Issued strangerCa = issue(caSpec("Test Issuing CA"), strangerRoot);
    // The stranger's CRL lists our leaf's serial number: a name and a serial are not enough.
    ASSERT_OK(
        addCrl(system(), makeCrl(strangerCa, spec({{&ourLeaf, m_now - 60}})), strangerCa.der));
    EXPECT_EQ(verifyChain("https", "ours.example.com", {&ourLeaf, &ourCa}).reason, "anchor");
}

TEST_F(CrlTest, DistrustStillComesFirst) {
    ASSERT_OK(addCrl(system(), makeCrl(root, spec({{&intermediate, m_now - 60}}))));
    ASSERT_OK(system().addDistrust({DistrustKind::Certificate, leaf.der, ""}));
    EXPECT_EQ(verifyLeaf().reason, "distrusted");
}

TEST_F(CrlTest, EmptyCrlChangesNothing) {
    ASSERT_OK(addCrl(system(), makeCrl(root, spec())));
    EXPECT_EQ(verifyLeaf().reason, "anchor");
    auto anchors = user().listAnchors();
    ASSERT_OK(anchors);
    ASSERT_EQ(anchors->size(), 1u);
    EXPECT_EQ((*anchors)[0].exports.nss.level, ExportLevel::Anchor);
    EXPECT_EQ((*anchors)[0].exports.gnutls.level, ExportLevel::Anchor);
    EXPECT_EQ((*anchors)[0].exports.pemFile.level, ExportLevel::Anchor);
}

TEST_F(CrlTest, StaleCrlIsStillAppliedAndListedAsStale) {
    CrlSpec old = spec({{&intermediate, m_now - 40 * 86400}});
    old.thisUpdate = m_now - 30 * 86400;
    old.nextUpdate = m_now - 23 * 86400;
    ASSERT_OK(addCrl(system(), makeCrl(root, old)));
    auto list = crls(system());
    ASSERT_EQ(list.size(), 1u);
    EXPECT_TRUE(list[0].stale);
    EXPECT_EQ(verifyLeaf().reason, "revoked");
}

TEST_F(CrlTest, RevocationDatedAfterTheDecisionIsNotYetARevocation) {
    ASSERT_OK(addCrl(system(), makeCrl(root, spec({{&intermediate, m_now + 3600}}))));
    EXPECT_EQ(verifyLeaf().reason, "anchor");
    m_now += 7200;  // the cached verdict must not outlive the revocation date
    EXPECT_EQ(verifyLeaf().reason, "revoked");
}

TEST_F(CrlTest, ARevokedVerdictIsNotReusedForATimeBeforeTheRevocation) {
    ASSERT_OK(addCrl(system(), makeCrl(root, spec({{&intermediate, m_now - 3600}}))));
    EXPECT_EQ(verifyLeaf().reason, "revoked");  // cached
    VerifyRequest before;
    before.protocol = "https";
    before.peer = "www.example.com";
    before.key = concat({&leaf, &intermediate});
    before.at = m_now - 7200;
    auto earlier = user().verify(before);
    ASSERT_OK(earlier);
    EXPECT_EQ(earlier->reason, "anchor");
}

TEST_F(CrlTest, CachedVerdictsAreDroppedWhenCrlsChange) {
    EXPECT_EQ(verifyLeaf().reason, "anchor");  // cached in the user's engine
    // Written by another engine (another process's connection): seen through data_version.
    auto added = addCrl(system(), makeCrl(root, spec({{&intermediate, m_now - 60}})));
    ASSERT_OK(added);
    EXPECT_EQ(verifyLeaf().reason, "revoked");
    ASSERT_OK(system().removeCrl(added->id.substr(0, 6)));  // a unique prefix
    EXPECT_EQ(verifyLeaf().reason, "anchor");
    // Written by the same engine: the user's own CRL in the user store.
    auto own = addCrl(user(), makeCrl(root, spec({{&intermediate, m_now - 60}})));
    ASSERT_OK(own);
    EXPECT_EQ(verifyLeaf().reason, "revoked");
    ASSERT_EQ(crls(user()).size(), 1u);
    EXPECT_EQ(crls(user())[0].layer, StoreLayer::User);
    ASSERT_OK(user().removeCrl(own->id));
    EXPECT_EQ(verifyLeaf().reason, "anchor");
}

TEST_F(CrlTest, UserCannotRemoveTheAdministratorsCrlButBothLayersApply) {
    auto systemCrl = addCrl(system(), makeCrl(root, spec({{&intermediate, m_now - 60}})));
    ASSERT_OK(systemCrl);
    auto removed = user().removeCrl(systemCrl->id);
    ASSERT_FALSE(removed.ok());
    EXPECT_EQ(removed.error().category(), ErrorCategory::NotAuthorized);
    auto missing = system().removeCrl("0123456789abcdef");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().category(), ErrorCategory::NotFound);
    auto notAnId = system().removeCrl("not-an-id");
    ASSERT_FALSE(notAnId.ok());
    EXPECT_EQ(notAnId.error().category(), ErrorCategory::InvalidInput);
    // The user's own, older list of the same issuer does not lift the administrator's.
    ASSERT_OK(addCrl(user(), makeCrl(root, spec({}, 0))));
    EXPECT_EQ(crls(user()).size(), 2u);
    EXPECT_EQ(verifyLeaf().reason, "revoked");
}

TEST_F(CrlTest, AUsersOwnAnchorVouchesForCrlsInTheUserStoreOnly) {
    Issued userRoot = selfSigned(caSpec("User Root"));
    Issued userLeaf = issue(serverSpec("nas.example.com"), userRoot);
    addAnchor(user(), userRoot, {}, "User Root");
    Bytes crl = makeCrl(userRoot, spec({{&userLeaf, m_now - 60}}));
    auto bySystem = addCrl(system(), crl);  // the administrator's store knows no such anchor
    ASSERT_FALSE(bySystem.ok());
    EXPECT_EQ(bySystem.error().category(), ErrorCategory::InvalidInput);
    auto byUser = addCrl(user(), crl);
    ASSERT_OK(byUser);
    EXPECT_EQ(verifyChain("https", "nas.example.com", {&userLeaf}).reason, "revoked");
    EXPECT_EQ(verifyLeaf().reason, "anchor");
}

// An anchor that its issuer's CRL revokes: the daemon refuses every chain through it, so no
// client may be given it either.
TEST_F(CrlTest, AnAnchorItsIssuersCrlRevokesIsExportedToNoClient) {
    std::string intermediateId = addAnchor(user(), intermediate, {}, "Test Intermediate");
    auto added = addCrl(system(), makeCrl(root, spec({{&intermediate, m_now - 60}})));
    ASSERT_OK(added);
    EXPECT_EQ(verifyLeaf().reason, "revoked");
    auto anchors = user().listAnchors();
    ASSERT_OK(anchors);
    auto trust = user().trustExport();
    ASSERT_OK(trust);
    std::size_t seen = 0;
    for (const AnchorExport* exports : std::vector<const AnchorExport*>{
             &anchors->back().exports, &(*trust)->anchors.back().exports}) {
        for (const ClientExport* client : {&exports->gnutls, &exports->nss, &exports->pemFile}) {
            EXPECT_EQ(client->level, ExportLevel::None);
            EXPECT_NE(client->why.find("CRL " + added->id), std::string::npos) << client->why;
            ++seen;
        }
    }
    EXPECT_EQ(anchors->back().id, intermediateId);
    EXPECT_EQ((*trust)->anchors.back().id, intermediateId);
    EXPECT_EQ(seen, 6u);
    auto bundle = user().exportAnchors("");
    ASSERT_OK(bundle);
    EXPECT_EQ(bundle->included, 0u);
}

TEST_F(CrlTest, AnchorUnderANonEmptyCrlIsExportedToNoClient) {
    Issued otherRoot = selfSigned(caSpec("Other Root"));
    std::string otherId = addAnchor(system(), otherRoot, {}, "Other Root");
    // Signed by the intermediate, which the root issued: the root cannot be exported either.
    auto added =
        addCrl(system(), makeCrl(intermediate, spec({{&leaf, m_now - 60}})), intermediate.der);
    ASSERT_OK(added);
    auto anchors = user().listAnchors();
    ASSERT_OK(anchors);
    for (const AnchorInfo& anchor : *anchors) {
        if (anchor.id == rootId) {
            for (const ClientExport* client :
                 {&anchor.exports.gnutls, &anchor.exports.nss, &anchor.exports.pemFile}) {
                EXPECT_EQ(client->level, ExportLevel::None);
                EXPECT_NE(client->why.find("CRL " + added->id), std::string::npos) << client->why;
            }
        } else {
            EXPECT_EQ(anchor.id, otherId);
            EXPECT_EQ(anchor.exports.nss.level, ExportLevel::Anchor);
        }
    }
    auto bundle = user().exportAnchors("");
    ASSERT_OK(bundle);
    EXPECT_EQ(bundle->included, 1u);
    EXPECT_EQ(bundle->leftOut, 1u);
    EXPECT_NE(bundle->pem.find("Test Root (" + rootId + "): the CRL " + added->id +
                               " revokes it or certificates under it"),
              std::string::npos)
        << bundle->pem;
    ASSERT_OK(system().removeCrl(added->id));
    bundle = user().exportAnchors("");
    ASSERT_OK(bundle);
    EXPECT_EQ(bundle->included, 2u);
}

}  // namespace
}  // namespace peertrust::testing
