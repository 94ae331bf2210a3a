// libFuzzer target: a stapled OCSP response as Verify takes it (option "ocsp"). GnuTLS does the
// parsing; this covers how peertrust reads what GnuTLS returns (statuses, times, several
// single responses, signer checks) against a fixed leaf and issuer. With the first byte even,
// the input is laid over a valid signed response built at start-up, so the mutations reach
// the checks behind the signature instead of stopping at the outer DER.
#include <cstddef>
#include <cstdint>

#include "ValidInputOverlay.h"
#include "crypto/Certificate.h"
#include "policy/OcspStaple.h"
#include "support/OcspFactory.h"

namespace {

struct Fixture {
    peertrust::testing::Issued issuer =
        peertrust::testing::selfSigned(peertrust::testing::caSpec("Fuzz Issuer"));
    peertrust::testing::Issued leafIssued =
        peertrust::testing::issue(peertrust::testing::serverSpec("www.example.com"), issuer);
    peertrust::crypto::Certificate leaf = *peertrust::crypto::parseCertificate(leafIssued.der);
    peertrust::crypto::Certificate issuerCert = *peertrust::crypto::parseCertificate(issuer.der);
    peertrust::Bytes valid = [this] {
        peertrust::testing::OcspSpec spec;
        spec.status = peertrust::testing::OcspSpec::Status::Revoked;
        spec.thisUpdate = 1800000000 - 3600;
        spec.nextUpdate = 1800000000 + 86400;
        spec.revokedAt = 1800000000 - 7200;
        return peertrust::testing::makeOcspResponse(leafIssued, issuer, spec);
    }();
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Fixture fixture;
    if (size == 0) {
        return 0;
    }
    peertrust::Bytes input = peertrust::fuzzing::overlaidInput(data, size, fixture.valid);
    auto staple = peertrust::policy::parseOcspStaple(input);
    if (!staple) {
        return 0;
    }
    const peertrust::crypto::Certificate* issuer = (data[0] & 2) ? &fixture.issuerCert : nullptr;
    auto check = peertrust::policy::checkOcspStaple(*staple, fixture.leaf, issuer, 1800000000);
    if (check.outcome != peertrust::policy::OcspCheck::Outcome::Good && check.detail.empty()) {
        __builtin_trap();  // every rejection must say why
    }
    return 0;
}
