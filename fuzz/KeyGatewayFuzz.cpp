// libFuzzer target: one key-gateway connection driven with random call sequences, handles,
// templates, mechanisms and buffer sizes, for a caller of the fuzzer's choice, over a real
// SoftHSM2 backend. Checked besides memory safety: every code is one PKCS#11 allows for the
// call; no secret attribute of a private key is ever handed out; a caller only ever sees the
// keys granted to it; only the key's own use with a gateway mechanism ever succeeds.
#include <fuzzer/FuzzedDataProvider.h>
#include <gnutls/gnutls.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "FuzzChecks.h"
#include "keys/AuditLog.h"
#include "keys/GatewayConnection.h"
#include "keys/KeyAdministration.h"
#include "keys/KeyBackend.h"
#include "keys/KeyRegistry.h"
#include "keys/SoftHsmToken.h"

namespace {

using namespace peertrust;
using namespace peertrust::keys;
using peertrust::fuzzing::check;
using peertrust::fuzzing::expectCode;

constexpr uid_t kAlice = 1000;
constexpr uid_t kBob = 1001;

struct Fixture {
    std::filesystem::path dir;
    std::unique_ptr<KeyBackend> backend;
    std::unique_ptr<KeyRegistry> registry;
    std::unique_ptr<AuditLog> audit;
    // CKA_ID bytes of the keys each uid may use, and the use of each key.
    std::map<uid_t, std::set<Bytes>> granted;
};
Fixture* fixture = nullptr;

Bytes idBytes(const std::string& hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

void buildFixture() {
    static Fixture instance;
    fixture = &instance;
    char pattern[] = "/tmp/peertrust-gateway-fuzz-XXXXXX";
    check(::mkdtemp(pattern) != nullptr, "mkdtemp");
    instance.dir = pattern;
    std::atexit([] {
        fixture->audit.reset();
        fixture->registry.reset();
        fixture->backend.reset();
        std::error_code ignored;
        std::filesystem::remove_all(fixture->dir, ignored);
    });
    auto config = provisionSoftHsm(instance.dir / "softhsm");
    check(config.ok(), "provision SoftHSM");
    auto backend = KeyBackend::open(*config);
    check(backend.ok(), "open the backend");
    instance.backend = std::move(backend).value();
    auto registry = KeyRegistry::open(instance.dir / "keys.db");
    check(registry.ok(), "open keys.db");
    instance.registry = std::move(registry).value();
    instance.audit = std::make_unique<AuditLog>(*instance.registry);
    KeyAdministration admin(*instance.registry, *instance.backend, *instance.audit);
    auto signer = admin.create({KeyType::EcP256, KeyUse::Sign, "alice-signer", "alice"}, 1);
    auto decrypter = admin.create({KeyType::Rsa2048, KeyUse::Decrypt, "alice-decrypt", "alice"}, 1);
    auto other = admin.create({KeyType::EcP256, KeyUse::Sign, "bob-signer", "bob"}, 1);
    check(signer.ok() && decrypter.ok() && other.ok(), "create keys");
    check(admin.grant("alice", kAlice, std::nullopt).ok(), "grant alice");
    check(admin.grant("bob-signer", kBob, std::nullopt).ok(), "grant bob");
    instance.granted[kAlice] = {idBytes(signer->id), idBytes(decrypter->id)};
    instance.granted[kBob] = {idBytes(other->id)};
}

bool isSecret(CK_ATTRIBUTE_TYPE type) {
    return type == CKA_VALUE || type == CKA_PRIVATE_EXPONENT || type == CKA_PRIME_1 ||
           type == CKA_PRIME_2 || type == CKA_EXPONENT_1 || type == CKA_EXPONENT_2 ||
           type == CKA_COEFFICIENT;
}

constexpr std::array<CK_ATTRIBUTE_TYPE, 16> kTypes = {
    CKA_CLASS,          CKA_ID,        CKA_LABEL,     CKA_KEY_TYPE,         CKA_VALUE,
    CKA_SIGN,           CKA_DECRYPT,   CKA_SENSITIVE, CKA_EXTRACTABLE,      CKA_MODULUS,
    CKA_EC_POINT,       CKA_EC_PARAMS, CKA_PRIME_1,   CKA_PRIVATE_EXPONENT, CKA_TOKEN,
    CKA_PUBLIC_KEY_INFO};
constexpr std::array<CK_MECHANISM_TYPE, 8> kMechanisms = {
    CKM_ECDSA,        CKM_ECDSA_SHA256,    CKM_RSA_PKCS, CKM_RSA_PKCS_OAEP,
    CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS, CKM_EDDSA,    CKM_AES_CBC};
constexpr std::array<CK_OBJECT_CLASS, 4> kClasses = {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY,
                                                     CKO_CERTIFICATE, CKO_SECRET_KEY};

#define SESSION_CODES                                                                    \
    CKR_OK, CKR_CRYPTOKI_NOT_INITIALIZED, CKR_SESSION_HANDLE_INVALID, CKR_ARGUMENTS_BAD, \
        CKR_DEVICE_ERROR

class CallSequence {
public:
    CallSequence(FuzzedDataProvider& in, uid_t uid)
        : m_in(in),
          m_uid(uid),
          m_connection({*fixture->registry, *fixture->backend, *fixture->audit},
                       Caller{uid, 4242}) {}

    void run() {
        if (m_in.ConsumeIntegralInRange(0, 15) != 0) {
            expectCode(m_connection.initialize(), {CKR_OK}, "initialize");
        }
        const int steps = m_in.ConsumeIntegralInRange(0, 40);
        for (int i = 0; i < steps && m_in.remaining_bytes() > 0; ++i) {
            step();
        }
        m_connection.finalize();
    }

private:
    CK_SESSION_HANDLE session() {
        if (!m_sessions.empty() && m_in.ConsumeIntegralInRange(0, 7) != 0) {
            return m_sessions[m_in.ConsumeIntegralInRange<std::size_t>(0, m_sessions.size() - 1)];
        }
        return m_in.ConsumeIntegralInRange<CK_SESSION_HANDLE>(0, 6);
    }
    CK_OBJECT_HANDLE object() {
        if (!m_objects.empty() && m_in.ConsumeIntegralInRange(0, 7) != 0) {
            return m_objects[m_in.ConsumeIntegralInRange<std::size_t>(0, m_objects.size() - 1)];
        }
        return m_in.ConsumeIntegralInRange<CK_OBJECT_HANDLE>(0, 12);
    }

    void step() {
        switch (m_in.ConsumeIntegralInRange(0, 9)) {
            case 0: {
                std::array<CK_SLOT_ID, 4> slots{};
                CK_ULONG count = m_in.ConsumeIntegralInRange<CK_ULONG>(0, 4);
                const bool query = m_in.ConsumeBool();
                CK_RV rv =
                    m_connection.getSlotList(CK_TRUE, query ? nullptr : slots.data(), &count);
                expectCode(rv, {CKR_OK, CKR_BUFFER_TOO_SMALL, CKR_CRYPTOKI_NOT_INITIALIZED},
                           "getSlotList");
                if (rv == CKR_OK && !query) {
                    m_slots.assign(slots.begin(), slots.begin() + count);
                }
                break;
            }
            case 1: {
                CK_SLOT_ID slot =
                    m_slots.empty() || m_in.ConsumeBool()
                        ? m_in.ConsumeIntegralInRange<CK_SLOT_ID>(0, 4)
                        : m_slots[m_in.ConsumeIntegralInRange<std::size_t>(0, m_slots.size() - 1)];
                CK_SESSION_HANDLE h = 0;
                CK_RV rv = m_connection.openSession(slot, CKF_SERIAL_SESSION, &h);
                expectCode(rv,
                           {CKR_OK, CKR_SLOT_ID_INVALID, CKR_CRYPTOKI_NOT_INITIALIZED,
                            CKR_SESSION_COUNT},  // at most 16 sessions per connection
                           "openSession");
                if (rv == CKR_OK) {
                    m_sessions.push_back(h);
                }
                break;
            }
            case 2: {
                CK_OBJECT_CLASS cls = m_in.PickValueInArray(kClasses);
                CK_ATTRIBUTE query{CKA_CLASS, &cls, sizeof cls};
                const bool withTemplate = m_in.ConsumeBool();
                CK_SESSION_HANDLE h = session();
                CK_RV rv = m_connection.findObjectsInit(h, withTemplate ? &query : nullptr,
                                                        withTemplate ? 1 : 0);
                expectCode(rv, {SESSION_CODES, CKR_OPERATION_ACTIVE}, "findObjectsInit");
                if (rv == CKR_OK) {
                    std::array<CK_OBJECT_HANDLE, 8> found{};
                    CK_ULONG count = 0;
                    expectCode(m_connection.findObjects(h, found.data(), found.size(), &count),
                               {CKR_OK}, "findObjects");
                    m_objects.insert(m_objects.end(), found.begin(), found.begin() + count);
                    expectCode(m_connection.findObjectsFinal(h), {CKR_OK}, "findObjectsFinal");
                    for (CK_ULONG i = 0; i < count; ++i) {
                        checkGranted(h, found[i]);
                    }
                }
                break;
            }
            case 3:
                getAttributes();
                break;
            case 4:
            case 5:
                operation(m_in.ConsumeBool() ? KeyUse::Sign : KeyUse::Decrypt);
                break;
            case 6:
                expectCode(m_connection.closeSession(session()), {SESSION_CODES}, "closeSession");
                break;
            case 7: {
                CK_SESSION_INFO info;
                expectCode(m_connection.getSessionInfo(session(), &info), {SESSION_CODES},
                           "getSessionInfo");
                break;
            }
            case 8: {
                CK_TOKEN_INFO info;
                expectCode(
                    m_connection.getTokenInfo(m_in.ConsumeIntegralInRange<CK_SLOT_ID>(0, 4), &info),
                    {CKR_OK, CKR_SLOT_ID_INVALID, CKR_CRYPTOKI_NOT_INITIALIZED}, "getTokenInfo");
                break;
            }
            default:
                expectCode(m_connection.refuse(session(), CKR_KEY_UNEXTRACTABLE),
                           {CKR_KEY_UNEXTRACTABLE, CKR_CRYPTOKI_NOT_INITIALIZED,
                            CKR_SESSION_HANDLE_INVALID},
                           "wrap");
                break;
        }
    }

    // Every object a caller can find belongs to a key granted to it.
    void checkGranted(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object) {
        std::array<std::uint8_t, 64> id{};
        CK_ATTRIBUTE a{CKA_ID, id.data(), id.size()};
        check(m_connection.getAttributeValue(h, object, &a, 1) == CKR_OK,
              "CKA_ID of a found object");
        Bytes value(id.begin(), id.begin() + a.ulValueLen);
        check(fixture->granted[m_uid].count(value) == 1, "a caller found another uid's key");
    }

    void getAttributes() {
        const int count = m_in.ConsumeIntegralInRange(0, 5);
        std::vector<CK_ATTRIBUTE_TYPE> types;
        std::vector<std::vector<std::uint8_t>> buffers;
        std::vector<CK_ATTRIBUTE> attributes;
        for (int i = 0; i < count; ++i) {
            types.push_back(m_in.ConsumeBool() ? m_in.PickValueInArray(kTypes)
                                               : m_in.ConsumeIntegral<CK_ATTRIBUTE_TYPE>());
            buffers.emplace_back(m_in.ConsumeIntegralInRange<std::size_t>(0, 600));
        }
        for (int i = 0; i < count; ++i) {
            const bool query = m_in.ConsumeBool();
            attributes.push_back(
                {types[i], query ? nullptr : buffers[i].data(), query ? 0 : buffers[i].size()});
        }
        CK_SESSION_HANDLE h = session();
        CK_OBJECT_HANDLE o = object();
        CK_RV rv = m_connection.getAttributeValue(
            h, o, attributes.empty() ? nullptr : attributes.data(), attributes.size());
        expectCode(rv,
                   {SESSION_CODES, CKR_OBJECT_HANDLE_INVALID, CKR_ATTRIBUTE_TYPE_INVALID,
                    CKR_ATTRIBUTE_SENSITIVE, CKR_BUFFER_TOO_SMALL},
                   "getAttributeValue");
        if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID ||
            rv == CKR_CRYPTOKI_NOT_INITIALIZED || rv == CKR_ARGUMENTS_BAD) {
            return;
        }
        CK_OBJECT_CLASS cls = 0;
        CK_ATTRIBUTE classAttribute{CKA_CLASS, &cls, sizeof cls};
        check(m_connection.getAttributeValue(h, o, &classAttribute, 1) == CKR_OK, "CKA_CLASS");
        for (int i = 0; i < count; ++i) {
            if (cls == CKO_PRIVATE_KEY && isSecret(types[i])) {
                check(attributes[i].ulValueLen == CK_UNAVAILABLE_INFORMATION,
                      "a secret attribute of a private key was handed out");
            }
            if (attributes[i].pValue != nullptr &&
                attributes[i].ulValueLen != CK_UNAVAILABLE_INFORMATION) {
                check(attributes[i].ulValueLen <= buffers[i].size(), "length over the buffer");
            }
        }
    }

    void operation(KeyUse use) {
        CK_MECHANISM_TYPE type = m_in.ConsumeBool() ? m_in.PickValueInArray(kMechanisms)
                                                    : m_in.ConsumeIntegral<CK_MECHANISM_TYPE>();
        Bytes parameter = m_in.ConsumeBytes<std::uint8_t>(m_in.ConsumeIntegralInRange(0, 48));
        CK_MECHANISM mechanism{type, parameter.empty() ? nullptr : parameter.data(),
                               parameter.size()};
        CK_SESSION_HANDLE h = session();
        CK_OBJECT_HANDLE key = object();
        CK_RV rv = m_connection.operationInit(use, h, &mechanism, key);
        expectCode(
            rv,
            {SESSION_CODES, CKR_OPERATION_ACTIVE, CKR_KEY_HANDLE_INVALID, CKR_KEY_TYPE_INCONSISTENT,
             CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID},
            "operationInit");
        if (rv != CKR_OK) {
            return;
        }
        check(type != CKM_EDDSA && type != CKM_AES_CBC, "a mechanism outside the list began");
        Bytes input = m_in.ConsumeBytes<std::uint8_t>(m_in.ConsumeIntegralInRange(0, 300));
        CK_ULONG length = m_in.ConsumeIntegralInRange<CK_ULONG>(0, 600);
        Bytes output(length);
        // An empty vector's data() may be null, which is the length query too.
        const bool query = m_in.ConsumeBool() || output.empty();
        rv = m_connection.operation(use, h, input.empty() ? nullptr : input.data(), input.size(),
                                    query ? nullptr : output.data(), &length);
        // Whatever the backend answers is handed on; only the checks around it are ours.
        if (rv == CKR_OK && !query) {
            check(length <= output.size(), "output over the buffer");
        }
    }

    FuzzedDataProvider& m_in;
    uid_t m_uid;
    GatewayConnection m_connection;
    std::vector<CK_SLOT_ID> m_slots;
    std::vector<CK_SESSION_HANDLE> m_sessions;
    std::vector<CK_OBJECT_HANDLE> m_objects;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    gnutls_global_init();
    buildFixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const uid_t uid = in.PickValueInArray<uid_t>({kAlice, kBob, 0, 4242});
    CallSequence(in, uid).run();
    return 0;
}
