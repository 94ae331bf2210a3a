#include "keys/GatewayConnection.h"

#include <gnutls/abstract.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "crypto/GnutlsHandles.h"
#include "pkcs11/CertificateFacts.h"
#include "pkcs11/TextField.h"
#include "pkcs11/VariableLengthOutput.h"

namespace peertrust::keys {
namespace {

constexpr std::size_t kMaxGatheredInput = 1 << 20;
// What one connection may hold: sessions, and input gathered for operations across them.
// Nothing signs or decrypts megabytes in one go; a client that tries only takes memory.
constexpr std::size_t kMaxSessions = 16;
constexpr std::size_t kMaxConnectionInput = 4 << 20;

// What the gateway lets through: what p11-kit 0.24.1's RPC carries (measured: it refuses
// CKM_ECDSA_SHA* and CKM_SHA*_RSA_PKCS_PSS), for the key's type and use.
bool mechanismAllowed(CK_MECHANISM_TYPE m, KeyType type, KeyUse use) {
    if (use == KeyUse::Decrypt) {
        return isRsa(type) && (m == CKM_RSA_PKCS || m == CKM_RSA_PKCS_OAEP);
    }
    if (isRsa(type)) {
        switch (m) {
            case CKM_RSA_PKCS:
            case CKM_RSA_PKCS_PSS:
            case CKM_SHA256_RSA_PKCS:
            case CKM_SHA384_RSA_PKCS:
            case CKM_SHA512_RSA_PKCS:
                return true;
            default:
                return false;
        }
    }
    return m == CKM_ECDSA;
}

constexpr CK_MECHANISM_TYPE kOffered[] = {
    CKM_RSA_PKCS,        CKM_RSA_PKCS_PSS,    CKM_RSA_PKCS_OAEP, CKM_SHA256_RSA_PKCS,
    CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS, CKM_ECDSA};

// The private parts of a key: never handed out, whatever the backend would say.
bool isSecretAttribute(CK_ATTRIBUTE_TYPE type) {
    switch (type) {
        case CKA_VALUE:
        case CKA_PRIVATE_EXPONENT:
        case CKA_PRIME_1:
        case CKA_PRIME_2:
        case CKA_EXPONENT_1:
        case CKA_EXPONENT_2:
        case CKA_COEFFICIENT:
            return true;
        default:
            return false;
    }
}

UnixTime now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Bytes idBytes(const std::string& hexId) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hexId.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(hexId.substr(i, 2), nullptr, 16)));
    }
    return out;
}

// The public half of the key, in the attributes PKCS#11 gives each key type.
void publicKeyAttributes(pkcs11::AttributeSet& a, const KeyRecord& key, bool publicObject) {
    a.setBytes(CKA_PUBLIC_KEY_INFO, key.publicKey);
    auto pubkey = crypto::makePubkey();
    if (!pubkey) {
        return;
    }
    gnutls_datum_t der = crypto::datumOf(key.publicKey);
    if (gnutls_pubkey_import(pubkey->get(), &der, GNUTLS_X509_FMT_DER) < 0) {
        return;
    }
    if (isRsa(key.type)) {
        crypto::OwnedDatum modulus;
        crypto::OwnedDatum exponent;
        if (gnutls_pubkey_export_rsa_raw2(pubkey->get(), modulus.out(), exponent.out(),
                                          GNUTLS_EXPORT_FLAG_NO_LZ) == 0) {
            a.setBytes(CKA_MODULUS, modulus.bytes());
            a.setBytes(CKA_PUBLIC_EXPONENT, exponent.bytes());
            a.setUlong(CKA_MODULUS_BITS, modulus.bytes().size() * 8);
        }
        return;
    }
    crypto::OwnedDatum params;
    crypto::OwnedDatum point;
    if (gnutls_pubkey_export_ecc_x962(pubkey->get(), params.out(), point.out()) == 0) {
        a.setBytes(CKA_EC_PARAMS, params.bytes());
        if (publicObject) {
            a.setBytes(CKA_EC_POINT, point.bytes());
        }
    }
}

}  // namespace

CK_RV GatewayConnection::initialize() {
    if (m_initialized) {
        return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    m_initialized = true;
    CK_RV rv = refreshKeys();
    if (rv != CKR_OK) {
        m_initialized = false;  // a failed C_Initialize leaves the module as it was
    }
    return rv;
}

CK_RV GatewayConnection::finalize() {
    if (!m_initialized) {
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    m_sessions.clear();
    m_initialized = false;
    return CKR_OK;
}

CK_RV GatewayConnection::getInfo(CK_INFO_PTR info) {
    if (!m_initialized) {
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    if (info == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    *info = {};
    info->cryptokiVersion = {2, 40};
    pkcs11::setPadded(info->manufacturerID, "peertrust");
    pkcs11::setPadded(info->libraryDescription, "peertrust key gateway");
    info->libraryVersion = {0, 1};
    return CKR_OK;
}

CK_RV GatewayConnection::refreshKeys() {
    auto keys = m_services.registry.keysUsableBy(m_caller.uid, now());
    if (!keys) {
        return CKR_DEVICE_ERROR;
    }
    m_keys = std::move(keys).value();
    for (const auto& key : m_keys) {
        slotOf(key.set);
    }
    return CKR_OK;
}

CK_SLOT_ID GatewayConnection::slotOf(const std::string& set) {
    auto [it, added] = m_slots.try_emplace(set, m_slots.size() + 1);
    return it->second;
}

const KeyRecord* GatewayConnection::keyOf(const std::string& id) const {
    for (const auto& key : m_keys) {
        if (key.id == id) {
            return &key;
        }
    }
    return nullptr;
}

CK_RV GatewayConnection::getSlotList(CK_BBOOL, CK_SLOT_ID_PTR slots, CK_ULONG_PTR count) {
    if (!m_initialized) {
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    if (count == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    if (CK_RV rv = refreshKeys(); rv != CKR_OK) {
        return rv;
    }
    std::vector<CK_SLOT_ID> visible;
    for (const auto& key : m_keys) {
        CK_SLOT_ID slot = slotOf(key.set);
        if (std::find(visible.begin(), visible.end(), slot) == visible.end()) {
            visible.push_back(slot);
        }
    }
    std::sort(visible.begin(), visible.end());
    return pkcs11::copyOutput<CK_SLOT_ID>(visible, slots, count);
}

CK_RV GatewayConnection::getSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info) {
    CK_TOKEN_INFO token;
    if (CK_RV rv = getTokenInfo(slot, &token); rv != CKR_OK) {
        return rv;
    }
    if (info == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    *info = {};
    pkcs11::setPadded(info->slotDescription,
                      {reinterpret_cast<const char*>(token.label), sizeof token.label});
    pkcs11::setPadded(info->manufacturerID, "peertrust");
    info->flags = CKF_TOKEN_PRESENT;
    return CKR_OK;
}

CK_RV GatewayConnection::checkSlot(CK_SLOT_ID slot) const {
    if (!m_initialized) {
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    for (const auto& entry : m_slots) {
        if (entry.second == slot) {
            return CKR_OK;
        }
    }
    return CKR_SLOT_ID_INVALID;
}

CK_RV GatewayConnection::getTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
    if (!m_initialized) {
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    if (info == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    for (const auto& [set, id] : m_slots) {
        if (id != slot) {
            continue;
        }
        *info = {};
        pkcs11::setPadded(info->label, set);
        pkcs11::setPadded(info->manufacturerID, "peertrust");
        pkcs11::setPadded(info->model, "key gateway");
        pkcs11::setPadded(info->serialNumber, "set-" + std::to_string(id));
        // The PIN is the daemon's business: a client's login is accepted and ignored.
        info->flags =
            CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_PROTECTED_AUTHENTICATION_PATH;
        info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
        info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
        info->ulSessionCount = CK_UNAVAILABLE_INFORMATION;
        info->ulRwSessionCount = CK_UNAVAILABLE_INFORMATION;
        info->ulMaxPinLen = 255;
        info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
        info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
        info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
        info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
        info->hardwareVersion = {0, 1};
        info->firmwareVersion = {0, 1};
        return CKR_OK;
    }
    return CKR_SLOT_ID_INVALID;
}

CK_RV GatewayConnection::getMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list,
                                          CK_ULONG_PTR count) {
    if (CK_RV rv = checkSlot(slot); rv != CKR_OK) {
        return rv;
    }
    if (count == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    return pkcs11::copyOutput<CK_MECHANISM_TYPE>(kOffered, list, count);
}

CK_RV GatewayConnection::getMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
                                          CK_MECHANISM_INFO_PTR info) {
    if (CK_RV rv = checkSlot(slot); rv != CKR_OK) {
        return rv;
    }
    if (info == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    if (std::find(std::begin(kOffered), std::end(kOffered), type) == std::end(kOffered)) {
        return CKR_MECHANISM_INVALID;
    }
    const bool ec = type == CKM_ECDSA;
    info->ulMinKeySize = ec ? 256 : 2048;
    info->ulMaxKeySize = ec ? 384 : 3072;
    info->flags = CKF_HW;
    if (type == CKM_RSA_PKCS || type == CKM_RSA_PKCS_OAEP) {
        info->flags |= CKF_DECRYPT;
    }
    if (type != CKM_RSA_PKCS_OAEP) {
        info->flags |= CKF_SIGN;
    }
    if (ec) {
        info->flags |= CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
    }
    return CKR_OK;
}

CK_RV GatewayConnection::openSession(CK_SLOT_ID slot, CK_FLAGS flags,
                                     CK_SESSION_HANDLE_PTR session) {
    if (CK_RV rv = checkSlot(slot); rv != CKR_OK) {
        return rv;
    }
    if (session == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    if (!(flags & CKF_SERIAL_SESSION)) {
        return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    }
    if (m_sessions.size() >= kMaxSessions) {
        return CKR_SESSION_COUNT;
    }
    *session = m_nextSession++;
    m_sessions[*session] = Session{slot, flags, {}, std::nullopt};
    return CKR_OK;
}

std::size_t GatewayConnection::gatheredInput() const {
    std::size_t total = 0;
    for (const auto& [handle, session] : m_sessions) {
        total += session.operation ? session.operation->input.size() : 0;
    }
    return total;
}

CK_RV GatewayConnection::sessionOf(CK_SESSION_HANDLE handle, Session*& session) {
    if (!m_initialized) {
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
    auto it = m_sessions.find(handle);
    if (it == m_sessions.end()) {
        return CKR_SESSION_HANDLE_INVALID;
    }
    session = &it->second;
    return CKR_OK;
}

CK_RV GatewayConnection::closeSession(CK_SESSION_HANDLE handle) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    m_sessions.erase(handle);
    return CKR_OK;
}

CK_RV GatewayConnection::closeAllSessions(CK_SLOT_ID slot) {
    if (CK_RV rv = checkSlot(slot); rv != CKR_OK) {
        return rv;
    }
    std::erase_if(m_sessions, [slot](const auto& entry) { return entry.second.slot == slot; });
    return CKR_OK;
}

CK_RV GatewayConnection::getSessionInfo(CK_SESSION_HANDLE handle, CK_SESSION_INFO_PTR info) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    if (info == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    *info = {};
    info->slotID = session->slot;
    info->flags = session->flags;
    info->state = (session->flags & CKF_RW_SESSION) ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
    return CKR_OK;
}

CK_RV GatewayConnection::login(CK_SESSION_HANDLE handle, CK_USER_TYPE user) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    return user == CKU_USER ? CKR_OK : CKR_USER_TYPE_INVALID;
}

CK_RV GatewayConnection::logout(CK_SESSION_HANDLE handle) {
    Session* session = nullptr;
    return sessionOf(handle, session);
}

CK_OBJECT_HANDLE GatewayConnection::handleOf(const std::string& keyId, CK_OBJECT_CLASS cls) {
    for (const auto& [handle, object] : m_objects) {
        if (object.keyId == keyId && object.objectClass == cls) {
            return handle;
        }
    }
    CK_OBJECT_HANDLE handle = m_objects.size() + 1;
    m_objects[handle] = Object{keyId, cls};
    return handle;
}

std::optional<pkcs11::AttributeSet> GatewayConnection::attributesOf(CK_OBJECT_HANDLE handle,
                                                                    CK_SLOT_ID slot) {
    auto it = m_objects.find(handle);
    if (it == m_objects.end()) {
        return std::nullopt;
    }
    const KeyRecord* key = keyOf(it->second.keyId);
    if (key == nullptr || slotOf(key->set) != slot) {
        return std::nullopt;  // revoked since, or another token's object
    }
    const CK_OBJECT_CLASS cls = it->second.objectClass;
    pkcs11::AttributeSet a;
    a.setUlong(CKA_CLASS, cls);
    a.setBool(CKA_TOKEN, true);
    a.setBool(CKA_PRIVATE, cls == CKO_PRIVATE_KEY);
    a.setBool(CKA_MODIFIABLE, false);
    a.setBool(CKA_COPYABLE, false);
    a.setBool(CKA_DESTROYABLE, false);
    a.setString(CKA_LABEL, key->label);
    a.setBytes(CKA_ID, idBytes(key->id));
    if (cls == CKO_CERTIFICATE) {
        if (!key->certificate) {
            return std::nullopt;
        }
        auto facts = pkcs11::factsOf(*key->certificate);
        if (!facts) {
            return std::nullopt;
        }
        a.setUlong(CKA_CERTIFICATE_TYPE, CKC_X_509);
        a.setUlong(CKA_CERTIFICATE_CATEGORY, 1);  // the token user's own
        a.setBool(CKA_TRUSTED, false);
        a.setBytes(CKA_VALUE, facts->der);
        a.setBytes(CKA_SUBJECT, facts->subject);
        a.setBytes(CKA_ISSUER, facts->issuer);
        a.setBytes(CKA_SERIAL_NUMBER, facts->serialDer);
        a.setBytes(CKA_PUBLIC_KEY_INFO, facts->spkiDer);
        return a;
    }
    a.setUlong(CKA_KEY_TYPE, isRsa(key->type) ? CKK_RSA : CKK_EC);
    a.setBool(CKA_LOCAL, true);
    a.setBool(CKA_DERIVE, false);
    a.setUlong(CKA_KEY_GEN_MECHANISM,
               isRsa(key->type) ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN);
    const bool sign = key->use == KeyUse::Sign;
    if (cls == CKO_PRIVATE_KEY) {
        a.setBool(CKA_SENSITIVE, true);
        a.setBool(CKA_ALWAYS_SENSITIVE, true);
        a.setBool(CKA_EXTRACTABLE, false);
        a.setBool(CKA_NEVER_EXTRACTABLE, true);
        a.setBool(CKA_SIGN, sign);
        a.setBool(CKA_DECRYPT, !sign);
        a.setBool(CKA_SIGN_RECOVER, false);
        a.setBool(CKA_UNWRAP, false);
        a.setBool(CKA_ALWAYS_AUTHENTICATE, false);
        a.setBool(CKA_WRAP_WITH_TRUSTED, false);
    } else {
        a.setBool(CKA_VERIFY, sign);
        a.setBool(CKA_ENCRYPT, !sign);
        a.setBool(CKA_VERIFY_RECOVER, false);
        a.setBool(CKA_WRAP, false);
        a.setBool(CKA_TRUSTED, false);
    }
    if (key->certificate) {
        if (auto facts = pkcs11::factsOf(*key->certificate)) {
            a.setBytes(CKA_SUBJECT, facts->subject);
        }
    }
    publicKeyAttributes(a, *key, cls == CKO_PUBLIC_KEY);
    return a;
}

CK_RV GatewayConnection::getAttributeValue(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object,
                                           CK_ATTRIBUTE_PTR attributes, CK_ULONG count) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    if (attributes == nullptr && count > 0) {
        return CKR_ARGUMENTS_BAD;
    }
    auto found = attributesOf(object, session->slot);
    if (!found) {
        return CKR_OBJECT_HANDLE_INVALID;
    }
    const bool privateKey = m_objects[object].objectClass == CKO_PRIVATE_KEY;
    return found->copyValues({attributes, count}, [privateKey](CK_ATTRIBUTE_TYPE type) {
        return privateKey && isSecretAttribute(type);
    });
}

CK_RV GatewayConnection::findObjectsInit(CK_SESSION_HANDLE handle, CK_ATTRIBUTE_PTR attributes,
                                         CK_ULONG count) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    if (attributes == nullptr && count > 0) {
        return CKR_ARGUMENTS_BAD;
    }
    if (session->search.active()) {
        return CKR_OPERATION_ACTIVE;
    }
    if (CK_RV rv = refreshKeys(); rv != CKR_OK) {
        return rv;
    }
    std::vector<CK_OBJECT_HANDLE> found;
    for (const auto& key : m_keys) {
        if (slotOf(key.set) != session->slot) {
            continue;
        }
        for (CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_CERTIFICATE}) {
            if (cls == CKO_CERTIFICATE && !key.certificate) {
                continue;
            }
            CK_OBJECT_HANDLE object = handleOf(key.id, cls);
            auto a = attributesOf(object, session->slot);
            if (!a) {
                continue;
            }
            bool matches = true;
            for (CK_ULONG i = 0; i < count && matches; ++i) {
                if (attributes[i].pValue == nullptr && attributes[i].ulValueLen > 0) {
                    return CKR_ARGUMENTS_BAD;
                }
                matches = a->holds(attributes[i].type,
                                   {static_cast<const std::uint8_t*>(attributes[i].pValue),
                                    attributes[i].ulValueLen});
            }
            if (matches) {
                found.push_back(object);
            }
        }
    }
    session->search.begin(std::move(found));
    return CKR_OK;
}

CK_RV GatewayConnection::findObjects(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE_PTR objects,
                                     CK_ULONG max, CK_ULONG_PTR count) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    return session->search.next(objects, max, count);
}

CK_RV GatewayConnection::findObjectsFinal(CK_SESSION_HANDLE handle) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    return session->search.end();
}

CK_RV GatewayConnection::operationInit(KeyUse use, CK_SESSION_HANDLE handle,
                                       CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE keyHandle) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    if (mechanism == nullptr || (mechanism->pParameter == nullptr && mechanism->ulParameterLen)) {
        return CKR_ARGUMENTS_BAD;
    }
    if (session->operation) {
        return CKR_OPERATION_ACTIVE;
    }
    if (CK_RV rv = refreshKeys(); rv != CKR_OK) {
        return rv;
    }
    auto object = m_objects.find(keyHandle);
    if (object == m_objects.end()) {
        return CKR_KEY_HANDLE_INVALID;
    }
    if (!attributesOf(keyHandle, session->slot)) {
        // A handle this caller was shown, for a key no longer granted: an attempted use.
        if (object->second.objectClass == CKO_PRIVATE_KEY && !keyOf(object->second.keyId)) {
            audit(use, object->second.keyId, mechanism->mechanism, "refused");
        }
        return CKR_KEY_HANDLE_INVALID;
    }
    if (object->second.objectClass != CKO_PRIVATE_KEY) {
        return CKR_KEY_TYPE_INCONSISTENT;
    }
    const KeyRecord* key = keyOf(object->second.keyId);
    if (key->use != use) {
        return CKR_KEY_FUNCTION_NOT_PERMITTED;  // a key has one use
    }
    if (!mechanismAllowed(mechanism->mechanism, key->type, use)) {
        // A mechanism of this use for the other kind of key (ECDSA with an RSA key): the key
        // is the wrong type. Otherwise the mechanism is not one of ours for this use.
        const bool forOtherKeys = mechanismAllowed(mechanism->mechanism, KeyType::EcP256, use) ||
                                  mechanismAllowed(mechanism->mechanism, KeyType::Rsa2048, use);
        return forOtherKeys ? CKR_KEY_TYPE_INCONSISTENT : CKR_MECHANISM_INVALID;
    }
    Operation op;
    op.use = use;
    op.keyId = key->id;
    op.mechanism = mechanism->mechanism;
    // Only the parameter structures the mechanisms define reach the backend.
    const bool pss = mechanism->mechanism == CKM_RSA_PKCS_PSS;
    const bool oaep = mechanism->mechanism == CKM_RSA_PKCS_OAEP;
    const CK_ULONG expected = pss    ? sizeof(CK_RSA_PKCS_PSS_PARAMS)
                              : oaep ? sizeof(CK_RSA_PKCS_OAEP_PARAMS)
                                     : 0;
    if (mechanism->ulParameterLen != expected) {
        return CKR_MECHANISM_PARAM_INVALID;
    }
    if (oaep) {
        // The parameter points into the caller's message; keep only what is needed.
        auto* params = static_cast<CK_RSA_PKCS_OAEP_PARAMS*>(mechanism->pParameter);
        if (params->ulSourceDataLen > 0) {
            return CKR_MECHANISM_PARAM_INVALID;  // OAEP labels: not offered
        }
    }
    auto* parameter = static_cast<const std::uint8_t*>(mechanism->pParameter);
    op.parameter.assign(parameter, parameter + mechanism->ulParameterLen);
    session->operation = std::move(op);
    return CKR_OK;
}

CK_RV GatewayConnection::finishOperation(Session& session, CK_BYTE_PTR output,
                                         CK_ULONG_PTR outputLength) {
    Operation& op = *session.operation;
    if (!op.result) {
        auto allowed = m_services.registry.mayUse(m_caller.uid, op.keyId, now());
        if (!allowed || !*allowed) {
            if (allowed) {  // revoked or expired since the operation began
                audit(op.use, op.keyId, op.mechanism, "refused");
            }
            session.operation.reset();
            return CKR_KEY_HANDLE_INVALID;
        }
        const KeyRecord* key = keyOf(op.keyId);
        if (key == nullptr) {
            session.operation.reset();
            return CKR_KEY_HANDLE_INVALID;
        }
        CK_MECHANISM mechanism{op.mechanism, op.parameter.empty() ? nullptr : op.parameter.data(),
                               op.parameter.size()};
        if (op.mechanism == CKM_RSA_PKCS_OAEP) {
            static_cast<CK_RSA_PKCS_OAEP_PARAMS*>(mechanism.pParameter)->pSourceData = nullptr;
        }
        // A use the trail cannot record is not made: DESIGN promises every use audited.
        if (!m_services.audit.writing()) {
            audit(op.use, op.keyId, op.mechanism, "refused");
            session.operation.reset();
            return CKR_DEVICE_ERROR;
        }
        op.result = m_services.backend.run(op.use, key->backendId, mechanism, op.input);
        audit(op.use, op.keyId, op.mechanism, rvName(op.result->rv));
    }
    if (op.result->rv != CKR_OK) {
        CK_RV rv = op.result->rv;
        session.operation.reset();
        return rv;
    }
    CK_RV rv = pkcs11::copyOutput<CK_BYTE>(op.result->output, output, outputLength);
    // Asked for the length, or given too little room: the operation stays for the next call.
    if (rv == CKR_OK && output != nullptr) {
        session.operation.reset();
    }
    return rv;
}

void GatewayConnection::audit(KeyUse use, const std::string& keyId, CK_MECHANISM_TYPE mechanism,
                              std::string result) {
    const auto atMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    m_services.audit.append(AuditRecord{atMs, m_caller.uid, m_caller.pid, keyId, use,
                                        mechanismName(mechanism), std::move(result)});
}

CK_RV GatewayConnection::operation(KeyUse use, CK_SESSION_HANDLE handle, CK_BYTE_PTR input,
                                   CK_ULONG inputLength, CK_BYTE_PTR output,
                                   CK_ULONG_PTR outputLength) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    // PKCS#11 2.40: C_Sign and C_Decrypt end the operation on any error but
    // CKR_BUFFER_TOO_SMALL, so that a session is never left stuck in it.
    const bool active = session->operation && session->operation->use == use;
    if (outputLength == nullptr || (input == nullptr && inputLength > 0)) {
        if (active) {
            session->operation.reset();
        }
        return CKR_ARGUMENTS_BAD;
    }
    if (!active) {
        return CKR_OPERATION_NOT_INITIALIZED;
    }
    Operation& op = *session->operation;
    if (!op.result) {
        if (!op.input.empty()) {
            session->operation.reset();
            return CKR_OPERATION_ACTIVE;  // a multi-part operation ends with C_SignFinal
        }
        // Kept across a length query: bounded as gathered input is.
        if (inputLength > kMaxGatheredInput ||
            gatheredInput() + inputLength > kMaxConnectionInput) {
            session->operation.reset();
            return CKR_DATA_LEN_RANGE;
        }
        op.input.assign(input, input + inputLength);
    }
    return finishOperation(*session, output, outputLength);
}

CK_RV GatewayConnection::operationUpdate(KeyUse use, CK_SESSION_HANDLE handle, CK_BYTE_PTR input,
                                         CK_ULONG inputLength, CK_ULONG_PTR partLength) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    // An error in C_SignUpdate or C_DecryptUpdate ends the operation, as in C_Sign.
    const bool active = session->operation && session->operation->use == use;
    if ((input == nullptr && inputLength > 0) || (use == KeyUse::Decrypt && !partLength)) {
        if (active) {
            session->operation.reset();
        }
        return CKR_ARGUMENTS_BAD;
    }
    if (!active) {
        return CKR_OPERATION_NOT_INITIALIZED;
    }
    Operation& op = *session->operation;
    if (op.input.size() + inputLength > kMaxGatheredInput ||
        gatheredInput() + inputLength > kMaxConnectionInput) {
        session->operation.reset();
        return CKR_DATA_LEN_RANGE;
    }
    op.input.insert(op.input.end(), input, input + inputLength);
    if (partLength != nullptr) {
        *partLength = 0;  // gathered, and decrypted in one part at C_DecryptFinal
    }
    return CKR_OK;
}

CK_RV GatewayConnection::operationFinal(KeyUse use, CK_SESSION_HANDLE handle, CK_BYTE_PTR output,
                                        CK_ULONG_PTR outputLength) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    const bool active = session->operation && session->operation->use == use;
    if (outputLength == nullptr) {
        if (active) {
            session->operation.reset();  // as in C_Sign
        }
        return CKR_ARGUMENTS_BAD;
    }
    if (!active) {
        return CKR_OPERATION_NOT_INITIALIZED;
    }
    return finishOperation(*session, output, outputLength);
}

CK_RV GatewayConnection::refuse(CK_SESSION_HANDLE handle, CK_RV refusal) {
    Session* session = nullptr;
    if (CK_RV rv = sessionOf(handle, session); rv != CKR_OK) {
        return rv;
    }
    return refusal;
}

}  // namespace peertrust::keys
