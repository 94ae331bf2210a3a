// Verifying a 3-certificate chain for https://www.example.com against the Debian bundle plus
// two test roots: GnuTLS used directly, the engine without its verdict cache, and the engine
// with it. Every side starts from the same DER bytes (leaf, intermediate, root).
#include <benchmark/benchmark.h>
#include <gnutls/x509.h>

#include <array>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "BenchSummary.h"
#include "BenchSupport.h"
#include "crypto/GnutlsHandles.h"
#include "policy/ProtocolRegistry.h"
#include "support/CertFactory.h"
#include "support/TempDir.h"

namespace peertrust::bench {

namespace {

using testing::KeyType;

constexpr const char* kBundlePath = "/etc/ssl/certs/ca-certificates.crt";
constexpr const char* kHost = "www.example.com";
constexpr std::size_t kChainLength = 3;

struct TestChain {
    testing::Issued root;
    testing::Issued intermediate;
    testing::Issued leaf;
    Bytes der;  // leaf, intermediate, root: concatenated DER
};

TestChain makeChain(KeyType type, const std::string& name) {
    testing::CertSpec ca;
    ca.isCa = true;
    ca.keyType = type;
    testing::CertSpec leafSpec;
    leafSpec.commonName = kHost;
    leafSpec.dnsNames = {kHost};
    leafSpec.purposes = {policy::kPurposeServerAuth};
    leafSpec.keyType = type;

    TestChain chain;
    ca.commonName = "Bench " + name + " Root";
    chain.root = testing::selfSigned(ca);
    ca.commonName = "Bench " + name + " Intermediate";
    chain.intermediate = testing::issue(ca, chain.root);
    chain.leaf = testing::issue(leafSpec, chain.intermediate);
    chain.der = testing::concat({&chain.leaf, &chain.intermediate, &chain.root});
    return chain;
}

// Length of the DER element (tag, length, contents) at the start of `data`, or 0 when it is
// not one complete definite-length element. GnuTLS imports one DER certificate per call, so
// the bare side splits the concatenated bytes itself, as the engine does.
std::size_t derElementLength(std::span<const std::uint8_t> data) {
    if (data.size() < 2) {
        return 0;
    }
    std::size_t length = data[1];
    std::size_t header = 2;
    if (length & 0x80) {
        std::size_t octets = length & 0x7f;
        if (octets == 0 || octets > 4 || data.size() < header + octets) {
            return 0;
        }
        length = 0;
        for (std::size_t i = 0; i < octets; ++i) {
            length = (length << 8) | data[header + i];
        }
        header += octets;
    }
    if (length > data.size() - header) {
        return 0;
    }
    return header + length;
}

// The Debian bundle and the two test roots in a GnuTLS trust list, which owns them.
crypto::UniqueTrustList bareTrustList(const Bytes& bundle, const std::vector<const Bytes*>& roots,
                                      std::size_t& count) {
    crypto::UniqueTrustList list = orThrow(crypto::makeTrustList(), "trust list");
    std::vector<crypto::UniqueCrt> certs;
    gnutls_x509_crt_t* raw = nullptr;
    unsigned imported = 0;
    gnutls_datum_t datum = crypto::datumOf(bundle);
    int rc = gnutls_x509_crt_list_import2(&raw, &imported, &datum, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0) {
        throw std::runtime_error(std::string("cannot read ") + kBundlePath + ": " +
                                 gnutls_strerror(rc));
    }
    for (unsigned i = 0; i < imported; ++i) {
        certs.emplace_back(raw[i]);
    }
    gnutls_free(raw);
    for (const Bytes* root : roots) {
        crypto::UniqueCrt crt = orThrow(crypto::makeCrt(), "certificate");
        gnutls_datum_t rootDatum = crypto::datumOf(*root);
        if (gnutls_x509_crt_import(crt.get(), &rootDatum, GNUTLS_X509_FMT_DER) < 0) {
            throw std::runtime_error("cannot import a test root");
        }
        certs.push_back(std::move(crt));
    }
    std::vector<gnutls_x509_crt_t> handles;
    for (const auto& crt : certs) {
        handles.push_back(crt.get());
    }
    rc = gnutls_x509_trust_list_add_cas(list.get(), handles.data(),
                                        static_cast<unsigned>(handles.size()), 0);
    // The list now owns the first rc certificates; any others are still ours to free.
    for (int i = 0; i < rc; ++i) {
        (void)certs[static_cast<std::size_t>(i)].release();
    }
    if (rc < 0 || static_cast<std::size_t>(rc) != handles.size()) {
        throw std::runtime_error("gnutls_x509_trust_list_add_cas added " + std::to_string(rc) +
                                 " of " + std::to_string(handles.size()) + " certificates");
    }
    count = handles.size();
    return list;
}

// The chains, the bare GnuTLS trust list, and two engines (verdict cache off and on) over
// one store file holding the same anchors.
class VerifyWorld {
public:
    VerifyWorld()
        : m_ecdsa(makeChain(KeyType::EcdsaP256, "ECDSA")),
          m_rsa(makeChain(KeyType::Rsa2048, "RSA")) {
        Bytes bundle = testing::readFile(kBundlePath);
        if (bundle.empty()) {
            throw std::runtime_error(std::string("cannot read ") + kBundlePath);
        }
        std::size_t bareCount = 0;
        m_trustList = bareTrustList(bundle, {&m_ecdsa.root.der, &m_rsa.root.der}, bareCount);

        std::filesystem::path storePath = m_dir / "system.db";
        m_uncached = openEngine(storePath, false);
        ImportSummary imported =
            orThrow(m_uncached->importSystemAnchors(bundle), "import the system anchors");
        orThrow(m_uncached->addAnchor({m_ecdsa.root.der, {}, "Bench ECDSA Root"}), "add anchor");
        orThrow(m_uncached->addAnchor({m_rsa.root.der, {}, "Bench RSA Root"}), "add anchor");
        std::size_t engineCount = orThrow(m_uncached->listAnchors(), "list anchors").size();
        // Opened after the anchors are in, like a second daemon start: nothing changes later.
        m_cached = openEngine(storePath, true);

        noteSetup("chain verify: bare GnuTLS trusts " + std::to_string(bareCount) +
                  " certificates; the engine's store holds " + std::to_string(engineCount) +
                  " anchors (" + std::to_string(imported.imported) + " imported from " +
                  kBundlePath + ", " + std::to_string(imported.skipped) +
                  " skipped, + 2 test roots); chain DER " + std::to_string(m_ecdsa.der.size()) +
                  " bytes (ecdsa), " + std::to_string(m_rsa.der.size()) + " bytes (rsa)");
    }

    const TestChain& chain(KeyType type) const {
        return type == KeyType::Rsa2048 ? m_rsa : m_ecdsa;
    }
    gnutls_x509_trust_list_t trustList() const { return m_trustList.get(); }
    policy::PolicyEngine& engine(bool cached) { return cached ? *m_cached : *m_uncached; }

private:
    testing::TempDir m_dir;
    TestChain m_ecdsa;
    TestChain m_rsa;
    crypto::UniqueTrustList m_trustList;
    std::unique_ptr<policy::PolicyEngine> m_uncached;
    std::unique_ptr<policy::PolicyEngine> m_cached;
};

VerifyWorld* verifyWorld(benchmark::State& state) {
    static BuiltOnce<VerifyWorld> world;
    return world.get(state);
}

// What a program using GnuTLS directly does per connection: import the three certificates
// and verify them for the host name and the server-authentication purpose. The verification
// status, or nothing when the bytes do not parse or GnuTLS fails.
std::optional<unsigned> verifyWithGnutls(gnutls_x509_trust_list_t list,
                                         std::span<const std::uint8_t> der,
                                         std::array<gnutls_typed_vdata_st, 2>& data) {
    std::array<crypto::UniqueCrt, kChainLength> owned;
    std::array<gnutls_x509_crt_t, kChainLength> certs{};
    for (std::size_t i = 0; i < kChainLength; ++i) {
        std::size_t length = derElementLength(der);
        if (length == 0) {
            return std::nullopt;
        }
        gnutls_datum_t datum = crypto::datumOf(der.first(length));
        unsigned count = 1;
        if (gnutls_x509_crt_list_import(&certs[i], &count, &datum, GNUTLS_X509_FMT_DER, 0) < 0) {
            return std::nullopt;
        }
        owned[i].reset(certs[i]);
        der = der.subspan(length);
    }
    unsigned status = 0;
    if (gnutls_x509_trust_list_verify_crt2(list, certs.data(), kChainLength, data.data(),
                                           data.size(), 0, &status, nullptr) < 0) {
        return std::nullopt;
    }
    return status;
}

void BM_GnutlsBare(benchmark::State& state, KeyType type) {
    VerifyWorld* world = verifyWorld(state);
    if (world == nullptr) {
        return;
    }
    const Bytes& der = world->chain(type).der;
    std::string host = kHost;
    std::string purpose = policy::kPurposeServerAuth;
    std::array<gnutls_typed_vdata_st, 2> data{{
        {GNUTLS_DT_DNS_HOSTNAME, reinterpret_cast<unsigned char*>(host.data()), 0},
        {GNUTLS_DT_KEY_PURPOSE_OID, reinterpret_cast<unsigned char*>(purpose.data()), 0},
    }};
    for (auto _ : state) {
        std::optional<unsigned> status = verifyWithGnutls(world->trustList(), der, data);
        if (status != 0u) {
            state.SkipWithError(status ? ("GnuTLS status " + std::to_string(*status)).c_str()
                                       : "GnuTLS could not import or verify the chain");
            break;
        }
    }
}

void runEngineVerify(benchmark::State& state, KeyType type, bool cached) {
    VerifyWorld* world = verifyWorld(state);
    if (world == nullptr) {
        return;
    }
    policy::PolicyEngine& engine = world->engine(cached);
    VerifyRequest request;
    request.protocol = "https";
    request.peer = kHost;
    request.keyFormat = KeyFormat::X509Chain;
    request.key = world->chain(type).der;
    // Once before timing: with the cache on, this fills it.
    (void)engine.verify(request);
    for (auto _ : state) {
        Result<Verdict> verdict = engine.verify(request);
        if (!verdict || verdict->reason != reason::Anchor) {
            state.SkipWithError((verdict
                                     ? "verdict " + verdict->reason + ": " + verdict->explanation
                                     : "verify failed: " + verdict.error().message())
                                    .c_str());
            break;
        }
    }
}

void BM_EngineVerifyUncached(benchmark::State& state, KeyType type) {
    runEngineVerify(state, type, false);
}

void BM_EngineVerifyCached(benchmark::State& state, KeyType type) {
    runEngineVerify(state, type, true);
}

// The summary finds these by name: BM_<side>/ecdsa and BM_<side>/rsa.
BENCHMARK_CAPTURE(BM_GnutlsBare, ecdsa, KeyType::EcdsaP256)->Apply(timingOptions);
BENCHMARK_CAPTURE(BM_EngineVerifyUncached, ecdsa, KeyType::EcdsaP256)->Apply(timingOptions);
BENCHMARK_CAPTURE(BM_EngineVerifyCached, ecdsa, KeyType::EcdsaP256)->Apply(timingOptions);
BENCHMARK_CAPTURE(BM_GnutlsBare, rsa, KeyType::Rsa2048)->Apply(timingOptions);
BENCHMARK_CAPTURE(BM_EngineVerifyUncached, rsa, KeyType::Rsa2048)->Apply(timingOptions);
BENCHMARK_CAPTURE(BM_EngineVerifyCached, rsa, KeyType::Rsa2048)->Apply(timingOptions);

}  // namespace

}  // namespace peertrust::bench
