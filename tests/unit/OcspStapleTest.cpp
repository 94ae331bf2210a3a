// A stapled OCSP response (Verify option "ocsp"): checked with GnuTLS against the leaf and its
// issuer at the decision's time; revoked rejects whatever pins or anchors say, an unusable
// response is never ignored, a good one changes nothing.
#include <gtest/gtest.h>

#include "support/EngineFixture.h"
#include "support/OcspFactory.h"

namespace peertrust::testing {
namespace {

constexpr const char* kOcspSigning = "1.3.6.1.5.5.7.3.9";

class OcspStapleTest : public EngineFixture {
protected:
    void SetUp() override {
        root = selfSigned(caSpec("Test Root"));
        intermediate = issue(caSpec("Test Intermediate"), root);
        leaf = issue(serverSpec("www.example.com"), intermediate);
        anchorId = addAnchor(system(), root, {}, "Test Root");
    }

    OcspSpec fresh(OcspSpec::Status status = OcspSpec::Status::Good) const {
        OcspSpec spec;
        spec.status = status;
        spec.thisUpdate = m_now - 3600;
        spec.nextUpdate = m_now + 6 * 86400;
        spec.revokedAt = m_now - 86400;
        return spec;
    }

    Result<Verdict> verifyWith(const Bytes& ocsp, UnixTime at,
                               KeyFormat format = KeyFormat::X509Chain, Bytes key = {}) {
        VerifyRequest request;
        request.protocol = "https";
        request.peer = "www.example.com";
        request.keyFormat = format;
        request.key = key.empty() ? concat({&leaf, &intermediate}) : std::move(key);
        request.at = at;
        request.ocsp = ocsp;
        return user().verify(request);
    }
    Verdict verdictWith(const Bytes& ocsp) {
        auto v = verifyWith(ocsp, m_now);
        EXPECT_TRUE(v.ok()) << v.error().message();
        return v.ok() ? *v : Verdict{};
    }

    Issued root, intermediate, leaf;
    std::string anchorId;
};

TEST_F(OcspStapleTest, GoodResponseChangesNothing) {
    Verdict v = verdictWith(makeOcspResponse(leaf, intermediate, fresh()));
    EXPECT_EQ(v.kind, VerdictKind::Accepted);
    EXPECT_EQ(v.reason, "anchor");
}

TEST_F(OcspStapleTest, RevokedResponseRejectsNamingCertificateAndTime) {
    Verdict v = verdictWith(makeOcspResponse(leaf, intermediate, fresh(OcspSpec::Status::Revoked)));
    EXPECT_EQ(v.kind, VerdictKind::Rejected);
    EXPECT_EQ(v.reason, "revoked");
    EXPECT_EQ(v.details.failures, std::vector<std::string>{"revoked"});
    EXPECT_EQ(v.explanation,
              "Rejected: the certificate \"CN=www.example.com\" presented by www.example.com was "
              "revoked on 2027-01-14T08:00:00Z (reason: key compromise), says the OCSP response "
              "signed for \"CN=Test Intermediate\" on 2027-01-15T07:00:00Z. A revoked certificate "
              "is rejected whatever pins or anchors say.");
}

TEST_F(OcspStapleTest, RevokedOutranksAPin) {
    PinAddRequest pin;
    pin.protocol = "https";
    pin.peer = "www.example.com";
    pin.key = leaf.der;
    ASSERT_OK(user().addPin(pin));
    EXPECT_EQ(verdictWith(makeOcspResponse(leaf, intermediate, fresh())).reason, "pinned");
    EXPECT_EQ(
        verdictWith(makeOcspResponse(leaf, intermediate, fresh(OcspSpec::Status::Revoked))).reason,
        "revoked");
}

TEST_F(OcspStapleTest, RevokedSelfSignedTofuKeyIsNotFirstUse) {
    Issued self = selfSigned(serverSpec("printer.lan"));
    VerifyRequest request;
    request.protocol = "tls";
    request.peer = "printer.lan";
    request.key = self.der;
    request.at = m_now;
    request.ocsp = makeOcspResponse(self, self, fresh(OcspSpec::Status::Revoked));
    auto v = user().verify(request);
    ASSERT_OK(v);
    EXPECT_EQ(v->reason, "revoked");
}

TEST_F(OcspStapleTest, StaleRevokedResponseStillSaysRevoked) {
    OcspSpec spec = fresh(OcspSpec::Status::Revoked);
    spec.thisUpdate = m_now - 30 * 86400;
    spec.nextUpdate = m_now - 20 * 86400;
    spec.revokedAt = m_now - 40 * 86400;
    EXPECT_EQ(verdictWith(makeOcspResponse(leaf, intermediate, spec)).reason, "revoked");
}

TEST_F(OcspStapleTest, ResponseForAnotherCertificateIsBadOcsp) {
    Issued other = issue(serverSpec("other.example.com"), intermediate);
    Verdict v =
        verdictWith(makeOcspResponse(other, intermediate, fresh(OcspSpec::Status::Revoked)));
    EXPECT_EQ(v.kind, VerdictKind::Rejected);
    EXPECT_EQ(v.reason, "bad-ocsp");
    EXPECT_EQ(v.explanation,
              "Rejected: the OCSP response given with the certificate \"CN=www.example.com\" of "
              "www.example.com cannot be relied on: it is not about this certificate (no status "
              "in it names its issuer and serial number). A stapled response that does not check "
              "out is never ignored.");
}

TEST_F(OcspStapleTest, ResponseNotSignedByTheIssuerIsBadOcsp) {
    OcspSpec spec = fresh(OcspSpec::Status::Good);
    spec.responder = &root;  // the root is not the leaf's issuer, nor delegated by it
    Verdict v = verdictWith(makeOcspResponse(leaf, intermediate, spec));
    EXPECT_EQ(v.reason, "bad-ocsp");
    EXPECT_NE(v.explanation.find("its signer is"), std::string::npos) << v.explanation;
}

TEST_F(OcspStapleTest, ForgedSignatureIsBadOcsp) {
    OcspSpec spec = fresh(OcspSpec::Status::Good);
    spec.corruptSignature = true;
    Verdict v = verdictWith(makeOcspResponse(leaf, intermediate, spec));
    EXPECT_EQ(v.reason, "bad-ocsp");
    EXPECT_NE(v.explanation.find("its signature does not verify"), std::string::npos)
        << v.explanation;
}

TEST_F(OcspStapleTest, DelegatedResponderIsAccepted) {
    CertSpec responderSpec = serverSpec("ocsp.example.com");
    responderSpec.commonName = "Intermediate OCSP Responder";
    responderSpec.purposes = {kOcspSigning};
    Issued responder = issue(responderSpec, intermediate);
    OcspSpec spec = fresh(OcspSpec::Status::Revoked);
    spec.responder = &responder;
    EXPECT_EQ(verdictWith(makeOcspResponse(leaf, intermediate, spec)).reason, "revoked");

    responderSpec.purposes = {};  // no OCSPSigning: not a responder
    Issued notResponder = issue(responderSpec, intermediate);
    spec.responder = &notResponder;
    Verdict v = verdictWith(makeOcspResponse(leaf, intermediate, spec));
    EXPECT_EQ(v.reason, "bad-ocsp");
    EXPECT_NE(v.explanation.find("OCSPSigning"), std::string::npos) << v.explanation;
}

TEST_F(OcspStapleTest, OutOfDateAndFutureResponsesAreBadOcsp) {
    OcspSpec old = fresh();
    old.thisUpdate = m_now - 10 * 86400;
    old.nextUpdate = m_now - 86400;
    Verdict v = verdictWith(makeOcspResponse(leaf, intermediate, old));
    EXPECT_EQ(v.reason, "bad-ocsp");
    EXPECT_NE(v.explanation.find("it is out of date: its next update was due on "
                                 "2027-01-14T08:00:00Z"),
              std::string::npos)
        << v.explanation;

    OcspSpec noNext = fresh();
    noNext.thisUpdate = m_now - 16 * 86400;
    noNext.nextUpdate.reset();
    EXPECT_EQ(verdictWith(makeOcspResponse(leaf, intermediate, noNext)).reason, "bad-ocsp");
    noNext.thisUpdate = m_now - 86400;
    EXPECT_EQ(verdictWith(makeOcspResponse(leaf, intermediate, noNext)).reason, "anchor");

    OcspSpec future = fresh();
    future.thisUpdate = m_now + 3600;
    v = verdictWith(makeOcspResponse(leaf, intermediate, future));
    EXPECT_EQ(v.reason, "bad-ocsp");
    EXPECT_NE(v.explanation.find("after the time of the decision"), std::string::npos)
        << v.explanation;
}

TEST_F(OcspStapleTest, UnknownStatusAndResponderErrorsAreBadOcsp) {
    Verdict v = verdictWith(makeOcspResponse(leaf, intermediate, fresh(OcspSpec::Status::Unknown)));
    EXPECT_EQ(v.reason, "bad-ocsp");
    EXPECT_NE(v.explanation.find("does not know the certificate"), std::string::npos);

    OcspSpec tryLater = fresh();
    tryLater.responseStatus = 3;
    v = verdictWith(makeOcspResponse(leaf, intermediate, tryLater));
    EXPECT_EQ(v.reason, "bad-ocsp");
    EXPECT_NE(v.explanation.find("tryLater"), std::string::npos) << v.explanation;
}

TEST_F(OcspStapleTest, IssuerNotShownIsBadOcsp) {
    // Only the leaf, and its issuer is no anchor: nobody to check the signature against.
    Issued otherRoot = selfSigned(caSpec("Unknown Root"));
    Issued stray = issue(serverSpec("www.example.com"), otherRoot);
    Verdict v = *verifyWith(makeOcspResponse(stray, otherRoot, fresh()), m_now,
                            KeyFormat::X509Chain, stray.der);
    EXPECT_EQ(v.reason, "bad-ocsp");
    EXPECT_NE(v.explanation.find("issuer is not in the chain"), std::string::npos);
}

TEST_F(OcspStapleTest, MalformedResponseOrNoCertificateIsInvalidInput) {
    auto garbage = verifyWith(bytesOf("not an OCSP response"), m_now);
    ASSERT_FALSE(garbage.ok());
    EXPECT_EQ(garbage.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(garbage.error().message().find("not a valid OCSP response"), std::string::npos);

    Bytes truncated = makeOcspResponse(leaf, intermediate, fresh());
    truncated.resize(truncated.size() / 2);
    EXPECT_EQ(verifyWith(truncated, m_now).error().category(), ErrorCategory::InvalidInput);

    Bytes huge(70 * 1024, 0x30);
    EXPECT_NE(verifyWith(huge, m_now).error().message().find("more than the"), std::string::npos);

    auto raw = verifyWith(makeOcspResponse(leaf, intermediate, fresh()), m_now, KeyFormat::Spki,
                          leaf.spkiDer);
    ASSERT_FALSE(raw.ok());
    EXPECT_EQ(raw.error().category(), ErrorCategory::InvalidInput);
    EXPECT_NE(raw.error().message().find("needs an X.509 chain"), std::string::npos);
}

TEST_F(OcspStapleTest, CacheKeepsStaplesApartAndHonoursTheUpdateWindow) {
    Bytes good = makeOcspResponse(leaf, intermediate, fresh());
    Bytes revoked = makeOcspResponse(leaf, intermediate, fresh(OcspSpec::Status::Revoked));
    EXPECT_EQ(verdictWith(good).reason, "anchor");
    EXPECT_EQ(verdictWith(revoked).reason, "revoked");
    EXPECT_EQ(verdictWith(good).reason, "anchor");  // cached, still the good one's verdict
    EXPECT_EQ(verdictWith({}).reason, "anchor");
    // Past nextUpdate the cached "anchor" verdict for the good staple no longer holds.
    EXPECT_EQ(verifyWith(good, m_now + 7 * 86400)->reason, "bad-ocsp");

    // Revoked from a time still to come: not yet revoked now ("bad-ocsp"), and revoked from
    // then on, cached verdict or not.
    OcspSpec later = fresh(OcspSpec::Status::Revoked);
    later.revokedAt = m_now + 86400;
    Bytes revokedLater = makeOcspResponse(leaf, intermediate, later);
    EXPECT_EQ(verifyWith(revokedLater, m_now)->reason, "bad-ocsp");
    EXPECT_EQ(verifyWith(revokedLater, m_now + 2 * 86400)->reason, "revoked")
        << "the verdict of before the revocation was reused after it";
}

}  // namespace
}  // namespace peertrust::testing
