#include "keys/KeyBackend.h"

#include <gnutls/crypto.h>

#include <array>
#include <cstring>

#include "crypto/GnutlsHandles.h"

namespace peertrust::keys {
namespace {

constexpr std::size_t kMaxSessions = 8;
constexpr std::size_t kBackendIdBytes = 16;

// namedCurve OIDs, DER: prime256v1 and secp384r1.
constexpr std::array<CK_BYTE, 10> kP256Params = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                                 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::array<CK_BYTE, 7> kP384Params = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

Result<Bytes> attributeBytes(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE session,
                             CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    CK_RV rv = f->C_GetAttributeValue(session, object, &a, 1);
    if (rv != CKR_OK) {
        return backendError("cannot read a public key attribute", rv);
    }
    Bytes value(a.ulValueLen);
    a.pValue = value.data();
    rv = f->C_GetAttributeValue(session, object, &a, 1);
    if (rv != CKR_OK) {
        return backendError("cannot read a public key attribute", rv);
    }
    value.resize(a.ulValueLen);
    return value;
}

}  // namespace

// A backend session for one caller; back to the pool when it goes.
class KeyBackend::LentSession {
public:
    LentSession(KeyBackend& owner, CK_SESSION_HANDLE session)
        : m_owner(&owner), m_session(session) {}
    LentSession(LentSession&& other) noexcept
        : m_owner(std::exchange(other.m_owner, nullptr)), m_session(other.m_session) {}
    LentSession(const LentSession&) = delete;
    LentSession& operator=(const LentSession&) = delete;
    LentSession& operator=(LentSession&&) = delete;
    ~LentSession() {
        if (m_owner != nullptr) {
            m_owner->giveBack(m_session);
        }
    }
    CK_SESSION_HANDLE handle() const { return m_session; }

private:
    KeyBackend* m_owner;
    CK_SESSION_HANDLE m_session;
};

Result<std::unique_ptr<KeyBackend>> KeyBackend::open(const BackendConfig& config) {
    PEERTRUST_TRY_ASSIGN(auto module, Pkcs11Module::load(config.module));
    CK_ULONG count = 0;
    CK_RV rv = (*module)->C_GetSlotList(CK_TRUE, nullptr, &count);
    std::vector<CK_SLOT_ID> slots(count);
    if (rv == CKR_OK) {
        rv = (*module)->C_GetSlotList(CK_TRUE, slots.data(), &count);
    }
    if (rv != CKR_OK) {
        return backendError("cannot list the key backend's slots", rv);
    }
    slots.resize(count);
    for (CK_SLOT_ID slot : slots) {
        CK_TOKEN_INFO info;
        if ((*module)->C_GetTokenInfo(slot, &info) != CKR_OK) {
            continue;
        }
        std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);
        label.erase(label.find_last_not_of(' ') + 1);
        if (label != config.tokenLabel) {
            continue;
        }
        auto backend = std::make_unique<KeyBackend>(std::move(module), slot);
        PEERTRUST_TRY_ASSIGN(LentSession session, backend->lend());
        std::string pin = config.userPin;
        rv = (*backend->m_module)
                 ->C_Login(session.handle(), CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()),
                           pin.size());
        if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
            return backendError(
                "cannot log in to the key backend token '" + config.tokenLabel + "'", rv);
        }
        return backend;
    }
    return unavailable("the key backend module " + config.module.string() +
                       " has no token labelled '" + config.tokenLabel + "'");
}

KeyBackend::KeyBackend(std::unique_ptr<Pkcs11Module> module, CK_SLOT_ID slot)
    : m_module(std::move(module)), m_slot(slot) {}

KeyBackend::~KeyBackend() {
    (*m_module)->C_CloseAllSessions(m_slot);
}

Result<KeyBackend::LentSession> KeyBackend::lend() {
    std::unique_lock lock(m_lock);
    while (m_idle.empty()) {
        if (m_open < kMaxSessions) {
            CK_SESSION_HANDLE session = 0;
            CK_RV rv = (*m_module)->C_OpenSession(m_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
                                                  nullptr, nullptr, &session);
            if (rv != CKR_OK) {
                return backendError("cannot open a session on the key backend", rv);
            }
            ++m_open;
            return LentSession(*this, session);
        }
        m_returned.wait(lock);
    }
    CK_SESSION_HANDLE session = m_idle.back();
    m_idle.pop_back();
    return LentSession(*this, session);
}

void KeyBackend::giveBack(CK_SESSION_HANDLE session) {
    {
        std::lock_guard lock(m_lock);
        m_idle.push_back(session);
    }
    m_returned.notify_one();
}

Result<GeneratedKey> KeyBackend::generate(KeyType type, KeyUse use, const std::string& label) {
    GeneratedKey out;
    out.backendId.resize(kBackendIdBytes);
    if (gnutls_rnd(GNUTLS_RND_NONCE, out.backendId.data(), out.backendId.size()) != 0) {
        return internalError("cannot make a key id: no randomness");
    }
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    CK_BBOOL sign = use == KeyUse::Sign ? CK_TRUE : CK_FALSE;
    CK_BBOOL decrypt = use == KeyUse::Decrypt ? CK_TRUE : CK_FALSE;
    CK_ULONG bits = type == KeyType::Rsa3072 ? 3072 : 2048;
    std::array<CK_BYTE, 3> exponent = {0x01, 0x00, 0x01};
    std::string labelText = label;
    CK_ATTRIBUTE common[] = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_ID, out.backendId.data(), out.backendId.size()},
        {CKA_LABEL, labelText.data(), labelText.size()},
    };
    std::vector<CK_ATTRIBUTE> publicTemplate(std::begin(common), std::end(common));
    publicTemplate.push_back({CKA_VERIFY, &sign, sizeof sign});
    publicTemplate.push_back({CKA_ENCRYPT, &decrypt, sizeof decrypt});
    publicTemplate.push_back({CKA_WRAP, &no, sizeof no});
    std::vector<CK_ATTRIBUTE> privateTemplate(std::begin(common), std::end(common));
    for (CK_ATTRIBUTE a : std::initializer_list<CK_ATTRIBUTE>{
             {CKA_PRIVATE, &yes, sizeof yes},
             {CKA_SENSITIVE, &yes, sizeof yes},
             {CKA_EXTRACTABLE, &no, sizeof no},
             {CKA_SIGN, &sign, sizeof sign},
             {CKA_DECRYPT, &decrypt, sizeof decrypt},
             {CKA_UNWRAP, &no, sizeof no},
             {CKA_DERIVE, &no, sizeof no},
             {CKA_SIGN_RECOVER, &no, sizeof no},
         }) {
        privateTemplate.push_back(a);
    }
    CK_MECHANISM mechanism{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    if (isRsa(type)) {
        mechanism.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
        publicTemplate.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
        publicTemplate.push_back({CKA_PUBLIC_EXPONENT, exponent.data(), exponent.size()});
    } else if (type == KeyType::EcP256) {
        publicTemplate.push_back(
            {CKA_EC_PARAMS, const_cast<CK_BYTE*>(kP256Params.data()), kP256Params.size()});
    } else {
        publicTemplate.push_back(
            {CKA_EC_PARAMS, const_cast<CK_BYTE*>(kP384Params.data()), kP384Params.size()});
    }
    PEERTRUST_TRY_ASSIGN(LentSession session, lend());
    CK_OBJECT_HANDLE publicKey = 0;
    CK_OBJECT_HANDLE privateKey = 0;
    CK_RV rv = (*m_module)->C_GenerateKeyPair(session.handle(), &mechanism, publicTemplate.data(),
                                              publicTemplate.size(), privateTemplate.data(),
                                              privateTemplate.size(), &publicKey, &privateKey);
    if (rv != CKR_OK) {
        return backendError("the key backend cannot make a " + std::string(toString(type)) + " key",
                            rv);
    }
    auto spki = publicKeyInfo(session.handle(), publicKey, type);
    if (!spki) {
        (*m_module)->C_DestroyObject(session.handle(), privateKey);
        (*m_module)->C_DestroyObject(session.handle(), publicKey);
        return spki.error();
    }
    out.publicKey = std::move(spki).value();
    std::lock_guard lock(m_lock);
    m_privateKeys[out.backendId] = privateKey;
    return out;
}

Result<Bytes> KeyBackend::publicKeyInfo(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE publicKey,
                                        KeyType type) {
    CK_FUNCTION_LIST* f = m_module->functions();
    PEERTRUST_TRY_ASSIGN(crypto::UniquePubkey key, crypto::makePubkey());
    int ret = 0;
    if (isRsa(type)) {
        PEERTRUST_TRY_ASSIGN(Bytes modulus, attributeBytes(f, session, publicKey, CKA_MODULUS));
        PEERTRUST_TRY_ASSIGN(Bytes exponent,
                             attributeBytes(f, session, publicKey, CKA_PUBLIC_EXPONENT));
        gnutls_datum_t m = crypto::datumOf(modulus);
        gnutls_datum_t e = crypto::datumOf(exponent);
        ret = gnutls_pubkey_import_rsa_raw(key.get(), &m, &e);
    } else {
        PEERTRUST_TRY_ASSIGN(Bytes params, attributeBytes(f, session, publicKey, CKA_EC_PARAMS));
        PEERTRUST_TRY_ASSIGN(Bytes point, attributeBytes(f, session, publicKey, CKA_EC_POINT));
        gnutls_datum_t p = crypto::datumOf(params);
        gnutls_datum_t q = crypto::datumOf(point);
        ret = gnutls_pubkey_import_ecc_x962(key.get(), &p, &q);
    }
    if (ret < 0) {
        return crypto::gnutlsError(ErrorCategory::Unavailable,
                                   "the key backend returned a public key GnuTLS cannot read", ret);
    }
    crypto::OwnedDatum der;
    ret = gnutls_pubkey_export2(key.get(), GNUTLS_X509_FMT_DER, der.out());
    if (ret < 0) {
        return crypto::gnutlsError(ErrorCategory::Internal, "cannot encode the public key", ret);
    }
    return Bytes(der.bytes().begin(), der.bytes().end());
}

Result<void> KeyBackend::destroy(const Bytes& backendId) {
    PEERTRUST_TRY_ASSIGN(LentSession session, lend());
    CK_FUNCTION_LIST* f = m_module->functions();
    CK_ATTRIBUTE query{CKA_ID, const_cast<std::uint8_t*>(backendId.data()), backendId.size()};
    CK_RV rv = f->C_FindObjectsInit(session.handle(), &query, 1);
    std::vector<CK_OBJECT_HANDLE> found(8);
    CK_ULONG count = 0;
    if (rv == CKR_OK) {
        rv = f->C_FindObjects(session.handle(), found.data(), found.size(), &count);
        f->C_FindObjectsFinal(session.handle());
    }
    if (rv != CKR_OK) {
        return backendError("cannot find the key in the backend", rv);
    }
    for (CK_ULONG i = 0; i < count; ++i) {
        rv = f->C_DestroyObject(session.handle(), found[i]);
        if (rv != CKR_OK) {
            return backendError("the key backend cannot destroy the key", rv);
        }
    }
    std::lock_guard lock(m_lock);
    m_privateKeys.erase(backendId);
    return {};
}

Result<CK_OBJECT_HANDLE> KeyBackend::privateKey(CK_SESSION_HANDLE session, const Bytes& backendId) {
    {
        std::lock_guard lock(m_lock);
        auto known = m_privateKeys.find(backendId);
        if (known != m_privateKeys.end()) {
            return known->second;
        }
    }
    CK_FUNCTION_LIST* f = m_module->functions();
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE query[] = {
        {CKA_CLASS, &cls, sizeof cls},
        {CKA_ID, const_cast<std::uint8_t*>(backendId.data()), backendId.size()},
    };
    CK_OBJECT_HANDLE handle = 0;
    CK_ULONG count = 0;
    CK_RV rv = f->C_FindObjectsInit(session, query, 2);
    if (rv == CKR_OK) {
        rv = f->C_FindObjects(session, &handle, 1, &count);
        f->C_FindObjectsFinal(session);
    }
    if (rv != CKR_OK) {
        return backendError("cannot find the private key in the backend", rv);
    }
    if (count == 0) {
        return notFound("the key backend no longer has this private key");
    }
    std::lock_guard lock(m_lock);
    m_privateKeys[backendId] = handle;
    return handle;
}

KeyBackend::Outcome KeyBackend::run(KeyUse use, const Bytes& backendId,
                                    const CK_MECHANISM& mechanism, const Bytes& input) {
    auto session = lend();
    if (!session) {
        return {CKR_DEVICE_ERROR, {}};
    }
    auto key = privateKey(session->handle(), backendId);
    if (!key) {
        return {CKR_KEY_HANDLE_INVALID, {}};
    }
    CK_FUNCTION_LIST* f = m_module->functions();
    const CK_SESSION_HANDLE h = session->handle();
    CK_MECHANISM m = mechanism;
    CK_BYTE_PTR data = const_cast<CK_BYTE_PTR>(input.data());
    CK_RV rv = use == KeyUse::Sign ? f->C_SignInit(h, &m, *key) : f->C_DecryptInit(h, &m, *key);
    if (rv != CKR_OK) {
        return {rv, {}};
    }
    // One call with a buffer large enough for any of our keys (RSA-3072: 384 bytes) ends the
    // operation either way, so the session goes back clean.
    Bytes output(1024);
    CK_ULONG length = output.size();
    rv = use == KeyUse::Sign ? f->C_Sign(h, data, input.size(), output.data(), &length)
                             : f->C_Decrypt(h, data, input.size(), output.data(), &length);
    if (rv != CKR_OK) {
        return {rv, {}};
    }
    output.resize(length);
    return {CKR_OK, std::move(output)};
}

Result<std::vector<CK_MECHANISM_TYPE>> KeyBackend::mechanisms() {
    CK_ULONG count = 0;
    CK_RV rv = (*m_module)->C_GetMechanismList(m_slot, nullptr, &count);
    std::vector<CK_MECHANISM_TYPE> list(count);
    if (rv == CKR_OK) {
        rv = (*m_module)->C_GetMechanismList(m_slot, list.data(), &count);
    }
    if (rv != CKR_OK) {
        return backendError("cannot list the key backend's mechanisms", rv);
    }
    list.resize(count);
    return list;
}

}  // namespace peertrust::keys
