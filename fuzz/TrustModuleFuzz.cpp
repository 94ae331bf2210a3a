// libFuzzer target: the trust module driven through its function list with random call
// sequences, handles, attribute templates and buffer sizes, as an unknown program might. The
// stores hold an unscoped, a name-scoped, an smtp-only and a distrusted anchor and a pin.
// Checked besides memory safety: every return code is one PKCS#11 allows for the call, lengths
// never exceed the buffers given, a search returns at most what was asked, no template creates
// an anchor, and after any sequence the only certificates marked CKA_TRUSTED are the two
// anchors GnuTLS may be given.
#include <fuzzer/FuzzedDataProvider.h>
#include <gnutls/gnutls.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/pkcs11x.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "FuzzChecks.h"
#include "Pkcs11Entry.h"
#include "VendorDefinitions.h"
#include "policy/AnchorScope.h"
#include "policy/PolicyEngine.h"
#include "store/TrustStore.h"
#include "support/CertFactory.h"

namespace {

using namespace peertrust;
using namespace peertrust::trustmodule;
using peertrust::fuzzing::check;
using peertrust::fuzzing::expectCode;

struct Fixture {
    std::filesystem::path dir;
    CK_FUNCTION_LIST_PTR f = nullptr;
    std::vector<Bytes> certificates;  // every certificate in the stores, for templates
    std::set<Bytes> exportableAnchors;
};
Fixture* fixture = nullptr;

std::unique_ptr<policy::PolicyEngine> openEngine(const store::StoreConfig& config) {
    auto store = store::TrustStore::open(config);
    check(store.ok(), "cannot open a fuzz store");
    policy::EngineOptions options{true, 64, std::chrono::milliseconds(0)};
    auto engine = policy::PolicyEngine::create(std::move(store).value(), options);
    check(engine.ok(), "cannot create the fuzz engine");
    return std::move(engine).value();
}

AnchorScope scope(std::vector<std::string> protocols, const char* permitted) {
    AnchorScope s;
    s.protocols = std::move(protocols);
    if (permitted != nullptr) {
        s.permitted.push_back(*policy::parseNameSubtree(permitted));
    }
    return s;
}

void buildFixture() {
    using testing::caSpec;
    using testing::issue;
    using testing::selfSigned;
    using testing::serverSpec;
    static Fixture instance;
    fixture = &instance;
    char pattern[] = "/tmp/peertrust-trust-fuzz-XXXXXX";
    check(::mkdtemp(pattern) != nullptr, "mkdtemp");
    instance.dir = pattern;
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(fixture->dir, ignored);
    });
    const auto systemPath = instance.dir / "system.db";
    const auto userPath = instance.dir / "user.db";

    auto open = selfSigned(caSpec("Open Root"));
    auto brazil = selfSigned(caSpec("Brazil Root"));
    auto mail = selfSigned(caSpec("Mail Root"));
    auto bad = selfSigned(caSpec("Bad Root"));
    auto leaf = issue(serverSpec("www.example.com"), open);
    {
        auto system = openEngine({systemPath, true, std::nullopt});
        check(system->addAnchor({open.der, {}, "Open Root"}).ok(), "add Open Root");
        check(system->addAnchor({brazil.der, scope({}, ".br"), "Brazil Root"}).ok(), "add br");
        check(system->addAnchor({mail.der, scope({"smtp"}, nullptr), "Mail Root"}).ok(), "add");
        check(system->addAnchor({bad.der, {}, "Bad Root"}).ok(), "add Bad Root");
        check(system->addDistrust({DistrustKind::Certificate, bad.der, "Bad Root"}).ok(),
              "distrust Bad Root");
    }
    {
        auto user = openEngine({systemPath, false, userPath});
        PinAddRequest pin{"tls", "www.example.com", KeyFormat::X509Chain, leaf.der,
                          false, PinOrigin::Manual};
        check(user->addPin(pin).ok(), "add pin");
    }
    instance.certificates = {open.der, brazil.der, mail.der, bad.der, leaf.der};
    instance.exportableAnchors = {open.der, brazil.der};
    ::setenv("PEERTRUST_SYSTEM_DB", systemPath.c_str(), 1);
    ::setenv("PEERTRUST_USER_DB", userPath.c_str(), 1);
    check(functionListOf(&instance.f) == CKR_OK, "C_GetFunctionList");
}

// An attribute with its own storage: pValue points into `value` (exactly its size, so ASan
// sees any overrun), or is null with a length of the fuzzer's choice.
struct OwnedAttribute {
    CK_ATTRIBUTE_TYPE type = 0;
    Bytes value;
    bool nullValue = false;
    CK_ULONG nullLength = 0;
};

constexpr std::array<CK_ATTRIBUTE_TYPE, 22> kTypes = {CKA_CLASS,
                                                      CKA_TOKEN,
                                                      CKA_PRIVATE,
                                                      CKA_LABEL,
                                                      CKA_VALUE,
                                                      CKA_ID,
                                                      CKA_ISSUER,
                                                      CKA_SERIAL_NUMBER,
                                                      CKA_SUBJECT,
                                                      CKA_TRUSTED,
                                                      CKA_CERTIFICATE_TYPE,
                                                      CKA_CERTIFICATE_CATEGORY,
                                                      CKA_PUBLIC_KEY_INFO,
                                                      CKA_OBJECT_ID,
                                                      CKA_MODIFIABLE,
                                                      CKA_X_DISTRUSTED,
                                                      CKA_TRUST_SERVER_AUTH,
                                                      CKA_CERT_SHA1_HASH,
                                                      kAttrAssertionType,
                                                      kAttrCertificateValue,
                                                      kAttrPurpose,
                                                      kAttrPeer};

constexpr std::array<CK_ULONG, 8> kClasses = {CKO_CERTIFICATE,
                                              CKO_NSS_TRUST,
                                              CKO_X_CERTIFICATE_EXTENSION,
                                              kClassTrustAssertion,
                                              CKO_PUBLIC_KEY,
                                              CKO_DATA,
                                              CKO_PRIVATE_KEY,
                                              CKO_NSS_BUILTIN_ROOT_LIST};

Bytes ulongBytes(CK_ULONG v) {
    Bytes out(sizeof v);
    std::memcpy(out.data(), &v, sizeof v);
    return out;
}

Bytes textBytes(const std::string& s) {
    return Bytes(s.begin(), s.end());
}

OwnedAttribute randomAttribute(FuzzedDataProvider& in) {
    OwnedAttribute a;
    a.type = in.ConsumeBool() ? in.PickValueInArray(kTypes) : in.ConsumeIntegral<CK_ULONG>();
    switch (in.ConsumeIntegralInRange(0, 6)) {
        case 0:
            a.value = ulongBytes(in.PickValueInArray(kClasses));
            break;
        case 1:
            a.value = ulongBytes(in.ConsumeIntegralInRange<CK_ULONG>(0, 4));  // assertion types
            break;
        case 2:
            a.value = in.PickValueInArray({fixture->certificates[0], fixture->certificates[1],
                                           fixture->certificates[2], fixture->certificates[3],
                                           fixture->certificates[4]});
            break;
        case 3:
            a.value = textBytes(in.PickValueInArray<std::string>(
                {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.2", "www.example.com",
                 "www.gov.br", "Open Root", "WWW.Example.COM.", "[::1]:443"}));
            break;
        case 4:
            a.nullValue = true;
            a.nullLength = in.ConsumeBool() ? in.ConsumeIntegralInRange<CK_ULONG>(0, 64)
                                            : in.ConsumeIntegral<CK_ULONG>();
            break;
        case 5:
            a.value = Bytes{static_cast<std::uint8_t>(in.ConsumeBool() ? CK_TRUE : CK_FALSE)};
            break;
        default:
            a.value = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange(0, 80));
            break;
    }
    return a;
}

struct Template {
    std::vector<OwnedAttribute> owned;
    std::vector<CK_ATTRIBUTE> raw;

    void seal() {
        raw.clear();
        for (auto& a : owned) {
            CK_ULONG length = a.nullValue ? a.nullLength : a.value.size();
            raw.push_back({a.type, a.nullValue ? nullptr : a.value.data(), length});
        }
    }
    CK_ATTRIBUTE_PTR data() { return raw.empty() ? nullptr : raw.data(); }
};

Template randomTemplate(FuzzedDataProvider& in) {
    Template t;
    const int count = in.ConsumeIntegralInRange(0, 6);
    for (int i = 0; i < count; ++i) {
        t.owned.push_back(randomAttribute(in));
    }
    t.seal();
    return t;
}

// Codes any session-taking call may give besides its own.
#define SESSION_CODES                                                                    \
    CKR_OK, CKR_CRYPTOKI_NOT_INITIALIZED, CKR_SESSION_HANDLE_INVALID, CKR_ARGUMENTS_BAD, \
        CKR_DEVICE_ERROR, CKR_HOST_MEMORY

class CallSequence {
public:
    explicit CallSequence(FuzzedDataProvider& in) : m_in(in), m_f(fixture->f) {}

    void run() {
        initialize();
        const int steps = m_in.ConsumeIntegralInRange(0, 48);
        for (int i = 0; i < steps && m_in.remaining_bytes() > 0; ++i) {
            step();
        }
        checkNoOverTrust();
        expectCode(m_f->C_Finalize(nullptr), {CKR_OK, CKR_CRYPTOKI_NOT_INITIALIZED}, "C_Finalize");
    }

private:
    void initialize() {
        CK_C_INITIALIZE_ARGS args{};
        args.flags = m_in.ConsumeBool() ? CKF_OS_LOCKING_OK : 0;
        // x-init-reserved words; any path stays inside the fuzz directory.
        std::string reserved = m_in.ConsumeRandomLengthString(24);
        std::erase(reserved, '/');
        if (m_in.ConsumeBool()) {
            reserved = "user-db=" + (fixture->dir / ("u-" + reserved)).string() + " verbose=yes";
        }
        args.pReserved = m_in.ConsumeBool() ? reserved.data() : nullptr;
        const CK_RV rv = m_f->C_Initialize(m_in.ConsumeBool() ? &args : nullptr);
        expectCode(rv, {CKR_OK, CKR_ARGUMENTS_BAD, CKR_DEVICE_ERROR}, "C_Initialize");
        m_initialized = rv == CKR_OK;
    }

    CK_SESSION_HANDLE session() {
        if (!m_sessions.empty() && m_in.ConsumeIntegralInRange(0, 7) != 0) {
            return m_sessions[m_in.ConsumeIntegralInRange<std::size_t>(0, m_sessions.size() - 1)];
        }
        return m_in.ConsumeIntegralInRange<CK_SESSION_HANDLE>(0, 8);
    }
    CK_OBJECT_HANDLE object() {
        if (!m_objects.empty() && m_in.ConsumeIntegralInRange(0, 7) != 0) {
            return m_objects[m_in.ConsumeIntegralInRange<std::size_t>(0, m_objects.size() - 1)];
        }
        return m_in.ConsumeIntegral<CK_OBJECT_HANDLE>();
    }
    CK_SLOT_ID slot() { return m_in.ConsumeIntegralInRange<CK_SLOT_ID>(0, 3); }

    void step() {
        switch (m_in.ConsumeIntegralInRange(0, 13)) {
            case 0: {
                CK_ULONG count = m_in.ConsumeIntegralInRange<CK_ULONG>(0, 3);
                std::vector<CK_SLOT_ID> slots(count);
                // An empty vector's data() may be null: that is the length query.
                CK_SLOT_ID_PTR buffer = m_in.ConsumeBool() ? slots.data() : nullptr;
                CK_RV rv = m_f->C_GetSlotList(m_in.ConsumeBool(), buffer, &count);
                expectCode(rv, {CKR_OK, CKR_BUFFER_TOO_SMALL, CKR_CRYPTOKI_NOT_INITIALIZED},
                           "C_GetSlotList");
                check(buffer == nullptr || rv != CKR_OK || count <= slots.size(),
                      "slot list overrun");
                break;
            }
            case 1: {
                CK_TOKEN_INFO info;
                expectCode(m_f->C_GetTokenInfo(slot(), &info),
                           {CKR_OK, CKR_SLOT_ID_INVALID, CKR_CRYPTOKI_NOT_INITIALIZED},
                           "C_GetTokenInfo");
                break;
            }
            case 2: {
                CK_FLAGS flags = (m_in.ConsumeBool() ? CKF_SERIAL_SESSION : 0) |
                                 (m_in.ConsumeBool() ? CKF_RW_SESSION : 0);
                CK_SESSION_HANDLE handle = 0;
                CK_RV rv = m_f->C_OpenSession(slot(), flags, nullptr, nullptr, &handle);
                expectCode(rv,
                           {CKR_OK, CKR_SLOT_ID_INVALID, CKR_SESSION_PARALLEL_NOT_SUPPORTED,
                            CKR_TOKEN_WRITE_PROTECTED, CKR_CRYPTOKI_NOT_INITIALIZED},
                           "C_OpenSession");
                if (rv == CKR_OK) {
                    m_sessions.push_back(handle);
                }
                break;
            }
            case 3:
                expectCode(m_f->C_CloseSession(session()), {SESSION_CODES}, "C_CloseSession");
                break;
            case 4: {
                Template t = randomTemplate(m_in);
                expectCode(m_f->C_FindObjectsInit(session(), t.data(), t.raw.size()),
                           {SESSION_CODES, CKR_OPERATION_ACTIVE, CKR_ATTRIBUTE_VALUE_INVALID},
                           "C_FindObjectsInit");
                break;
            }
            case 5: {
                CK_ULONG max = m_in.ConsumeIntegralInRange<CK_ULONG>(0, 8);
                std::vector<CK_OBJECT_HANDLE> found(max);
                CK_ULONG count = 0;
                CK_RV rv = m_f->C_FindObjects(session(), found.data(), max, &count);
                expectCode(rv, {SESSION_CODES, CKR_OPERATION_NOT_INITIALIZED}, "C_FindObjects");
                if (rv == CKR_OK) {
                    check(count <= max, "C_FindObjects returned more than asked");
                    m_objects.insert(m_objects.end(), found.begin(), found.begin() + count);
                }
                break;
            }
            case 6:
                expectCode(m_f->C_FindObjectsFinal(session()),
                           {SESSION_CODES, CKR_OPERATION_NOT_INITIALIZED}, "C_FindObjectsFinal");
                break;
            case 7:
                getAttributes();
                break;
            case 8:
                createObject();
                break;
            case 9:
                expectCode(m_f->C_DestroyObject(session(), object()),
                           {SESSION_CODES, CKR_OBJECT_HANDLE_INVALID, CKR_ACTION_PROHIBITED,
                            CKR_SESSION_READ_ONLY, CKR_TOKEN_WRITE_PROTECTED},
                           "C_DestroyObject");
                break;
            case 10: {
                CK_ULONG size = 0;
                expectCode(m_f->C_GetObjectSize(session(), object(), &size),
                           {SESSION_CODES, CKR_OBJECT_HANDLE_INVALID}, "C_GetObjectSize");
                break;
            }
            case 11: {
                CK_SESSION_INFO info;
                expectCode(m_f->C_GetSessionInfo(session(), &info), {SESSION_CODES},
                           "C_GetSessionInfo");
                break;
            }
            case 12:
                expectCode(m_f->C_CloseAllSessions(slot()),
                           {CKR_OK, CKR_SLOT_ID_INVALID, CKR_CRYPTOKI_NOT_INITIALIZED},
                           "C_CloseAllSessions");
                break;
            default: {
                // A trust module signs nothing, whatever it is asked.
                CK_MECHANISM mechanism{CKM_ECDSA, nullptr, 0};
                expectCode(m_f->C_SignInit(session(), &mechanism, object()),
                           {CKR_FUNCTION_NOT_SUPPORTED, CKR_CRYPTOKI_NOT_INITIALIZED,
                            CKR_SESSION_HANDLE_INVALID, CKR_ARGUMENTS_BAD},
                           "C_SignInit");
                break;
            }
        }
    }

    void getAttributes() {
        Template t = randomTemplate(m_in);
        std::vector<CK_ULONG> given;
        for (const auto& a : t.raw) {
            given.push_back(a.ulValueLen);
        }
        CK_RV rv = m_f->C_GetAttributeValue(session(), object(), t.data(), t.raw.size());
        expectCode(rv,
                   {SESSION_CODES, CKR_OBJECT_HANDLE_INVALID, CKR_ATTRIBUTE_TYPE_INVALID,
                    CKR_BUFFER_TOO_SMALL, CKR_ATTRIBUTE_SENSITIVE},
                   "C_GetAttributeValue");
        if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_BUFFER_TOO_SMALL) {
            return;
        }
        for (std::size_t i = 0; i < t.raw.size(); ++i) {
            const CK_ATTRIBUTE& a = t.raw[i];
            if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.pValue == nullptr) {
                continue;
            }
            check(a.ulValueLen <= given[i], "a value longer than its buffer was reported");
        }
        check(rv != CKR_OK || std::none_of(t.raw.begin(), t.raw.end(),
                                           [](const CK_ATTRIBUTE& a) {
                                               return a.ulValueLen == CK_UNAVAILABLE_INFORMATION;
                                           }),
              "CKR_OK with an unavailable attribute");
    }

    void createObject() {
        Template t = randomTemplate(m_in);
        CK_OBJECT_HANDLE created = 0;
        CK_RV rv = m_f->C_CreateObject(session(), t.data(), t.raw.size(), &created);
        expectCode(rv,
                   {SESSION_CODES, CKR_ACTION_PROHIBITED, CKR_ATTRIBUTE_VALUE_INVALID,
                    CKR_TEMPLATE_INCOMPLETE, CKR_TEMPLATE_INCONSISTENT, CKR_SESSION_READ_ONLY,
                    CKR_TOKEN_WRITE_PROTECTED, CKR_ATTRIBUTE_TYPE_INVALID},
                   "C_CreateObject");
        if (rv != CKR_OK) {
            return;
        }
        // Only a pinned-certificate assertion may be created: a pin, never an anchor.
        bool pinned = false;
        for (const auto& a : t.owned) {
            if (a.type == kAttrAssertionType && !a.nullValue &&
                a.value.size() == sizeof(CK_ULONG)) {
                CK_ULONG type = 0;
                std::memcpy(&type, a.value.data(), sizeof type);
                pinned = type == kAssertionPinned;
            }
        }
        check(pinned, "C_CreateObject accepted something other than a pinned assertion");
        m_objects.push_back(created);
    }

    // Whatever happened, GnuTLS is offered exactly the anchors it may be given.
    void checkNoOverTrust() {
        if (!m_initialized) {
            return;
        }
        for (CK_SLOT_ID s : {CK_SLOT_ID{1}, CK_SLOT_ID{2}}) {
            CK_SESSION_HANDLE h = 0;
            if (m_f->C_OpenSession(s, CKF_SERIAL_SESSION, nullptr, nullptr, &h) != CKR_OK) {
                continue;  // a finalised module, or all sessions closed by the sequence
            }
            CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
            CK_BBOOL yes = CK_TRUE;
            CK_ATTRIBUTE query[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_TRUSTED, &yes, sizeof yes}};
            check(m_f->C_FindObjectsInit(h, query, 2) == CKR_OK, "find trusted certificates");
            std::array<CK_OBJECT_HANDLE, 16> found{};
            CK_ULONG count = 0;
            check(m_f->C_FindObjects(h, found.data(), found.size(), &count) == CKR_OK,
                  "find trusted certificates");
            m_f->C_FindObjectsFinal(h);
            for (CK_ULONG i = 0; i < count; ++i) {
                std::array<std::uint8_t, 4096> value{};
                CK_ATTRIBUTE a{CKA_VALUE, value.data(), value.size()};
                check(m_f->C_GetAttributeValue(h, found[i], &a, 1) == CKR_OK, "CKA_VALUE");
                Bytes der(value.begin(), value.begin() + a.ulValueLen);
                check(fixture->exportableAnchors.count(der) == 1,
                      "a certificate that is no exportable anchor is CKA_TRUSTED");
            }
            m_f->C_CloseSession(h);
        }
    }

    FuzzedDataProvider& m_in;
    CK_FUNCTION_LIST_PTR m_f;
    bool m_initialized = false;
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
    CallSequence(in).run();
    return 0;
}
