// libFuzzer target: a certificate revocation list as `peertrust crl add` and Trust1.AddCrl take
// it. GnuTLS does the parsing; this covers how peertrust reads what GnuTLS returns (issuer,
// times, CRL number, entries) and the signature check against a fixed issuer. With the first
// byte even, the input is laid over a valid signed CRL built at start-up, so the mutations
// reach the fields behind the outer DER.
#include <cstddef>
#include <cstdint>

#include "ValidInputOverlay.h"
#include "crypto/Certificate.h"
#include "policy/RevocationList.h"
#include "support/CrlFactory.h"

namespace {

struct Fixture {
    peertrust::testing::Issued issuer =
        peertrust::testing::selfSigned(peertrust::testing::caSpec("Fuzz Issuer"));
    peertrust::testing::Issued first =
        peertrust::testing::issue(peertrust::testing::serverSpec("www.example.com"), issuer);
    peertrust::testing::Issued second =
        peertrust::testing::issue(peertrust::testing::serverSpec("mail.example.com"), issuer);
    peertrust::crypto::Certificate issuerCert = *peertrust::crypto::parseCertificate(issuer.der);
    peertrust::crypto::Certificate firstCert = *peertrust::crypto::parseCertificate(first.der);
    peertrust::Bytes valid = [this] {
        peertrust::testing::CrlSpec spec;
        spec.revoked = {{&first, 1800000000 - 7200}, {&second, 1800000000 - 60}};
        spec.thisUpdate = 1800000000 - 3600;
        spec.nextUpdate = 1800000000 + 86400;
        spec.number = 42;
        return peertrust::testing::makeCrl(issuer, spec);
    }();
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Fixture fixture;
    if (size == 0) {
        return 0;
    }
    peertrust::Bytes input = peertrust::fuzzing::overlaidInput(data, size, fixture.valid);
    auto list = peertrust::policy::parseRevocationList(input);
    if (!list) {
        if (list.error().message().empty()) {
            __builtin_trap();  // every refusal must say why
        }
        return 0;
    }
    if (list->der.empty() || list->issuerDn.empty()) {
        __builtin_trap();  // a parsed CRL always has an encoding and an issuer to match on
    }
    // What is stored is the re-encoded DER: reading it back must give the same CRL.
    auto again = peertrust::policy::parseRevocationList(list->der);
    if (!again || again->der != list->der || again->revoked != list->revoked ||
        again->number != list->number || again->thisUpdate != list->thisUpdate) {
        __builtin_trap();
    }
    auto problem = peertrust::policy::crlSignatureProblem(*list, fixture.issuerCert);
    if (problem && problem->empty()) {
        __builtin_trap();  // a signature refusal must say why
    }
    (void)list->revoked.count(peertrust::policy::serialNumberOf(fixture.firstCert));
    return 0;
}
