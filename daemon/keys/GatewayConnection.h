// One client connection to the key gateway, as PKCS#11 sees it: the sets of keys granted to
// the caller's uid, each a token; per key a private key, a public key and its certificate;
// sessions, searches and sign/decrypt operations. The private key never leaves the backend:
// its secret attributes answer CKR_ATTRIBUTE_SENSITIVE, and each operation is checked against
// the current grants, run in the backend in one part and audited.
#pragma once

#include <p11-kit/pkcs11.h>
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "keys/AuditLog.h"
#include "keys/KeyBackend.h"
#include "keys/KeyRegistry.h"
#include "pkcs11/AttributeSet.h"
#include "pkcs11/ObjectSearch.h"

namespace peertrust::keys {

struct Caller {
    uid_t uid = 0;
    pid_t pid = 0;
};

// What the gateway serves from: shared by every connection.
struct GatewayServices {
    KeyRegistry& registry;
    KeyBackend& backend;
    AuditLog& audit;
};

class GatewayConnection {
public:
    GatewayConnection(GatewayServices services, Caller caller)
        : m_services(services), m_caller(caller) {}

    CK_RV initialize();
    CK_RV finalize();
    CK_RV getInfo(CK_INFO_PTR info);
    CK_RV getSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR slots, CK_ULONG_PTR count);
    CK_RV getSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info);
    CK_RV getTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info);
    CK_RV getMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count);
    CK_RV getMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info);
    CK_RV openSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE_PTR session);
    CK_RV closeSession(CK_SESSION_HANDLE session);
    CK_RV closeAllSessions(CK_SLOT_ID slot);
    CK_RV getSessionInfo(CK_SESSION_HANDLE session, CK_SESSION_INFO_PTR info);
    CK_RV login(CK_SESSION_HANDLE session, CK_USER_TYPE user);
    CK_RV logout(CK_SESSION_HANDLE session);
    CK_RV getAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                            CK_ATTRIBUTE_PTR attributes, CK_ULONG count);
    CK_RV findObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR attributes, CK_ULONG count);
    CK_RV findObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max,
                      CK_ULONG_PTR count);
    CK_RV findObjectsFinal(CK_SESSION_HANDLE session);
    CK_RV operationInit(KeyUse use, CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
                        CK_OBJECT_HANDLE key);
    CK_RV operation(KeyUse use, CK_SESSION_HANDLE session, CK_BYTE_PTR input, CK_ULONG inputLength,
                    CK_BYTE_PTR output, CK_ULONG_PTR outputLength);
    // `partLength`: C_DecryptUpdate's, which must be given and is set to 0 (no output yet).
    CK_RV operationUpdate(KeyUse use, CK_SESSION_HANDLE session, CK_BYTE_PTR input,
                          CK_ULONG inputLength, CK_ULONG_PTR partLength = nullptr);
    CK_RV operationFinal(KeyUse use, CK_SESSION_HANDLE session, CK_BYTE_PTR output,
                         CK_ULONG_PTR outputLength);
    // A session-taking call the gateway does not offer: the checks, then `refusal`.
    CK_RV refuse(CK_SESSION_HANDLE session, CK_RV refusal);
    bool initialized() const { return m_initialized; }

private:
    struct Object {
        std::string keyId;
        CK_OBJECT_CLASS objectClass = CKO_PRIVATE_KEY;
    };
    struct Operation {
        KeyUse use = KeyUse::Sign;
        std::string keyId;
        CK_MECHANISM_TYPE mechanism = 0;
        Bytes parameter;                            // the mechanism's parameter structure, copied
        Bytes input;                                // gathered by C_SignUpdate
        std::optional<KeyBackend::Outcome> result;  // kept for the two-call length pattern
    };
    struct Session {
        CK_SLOT_ID slot = 0;
        CK_FLAGS flags = 0;
        pkcs11::ObjectSearch search;
        std::optional<Operation> operation;
    };

    CK_RV refreshKeys();
    const KeyRecord* keyOf(const std::string& id) const;
    // CKR_OK for a slot this connection lists, else why not.
    CK_RV checkSlot(CK_SLOT_ID slot) const;
    // Input held for operations in all of this connection's sessions.
    std::size_t gatheredInput() const;
    CK_RV sessionOf(CK_SESSION_HANDLE handle, Session*& session);
    CK_OBJECT_HANDLE handleOf(const std::string& keyId, CK_OBJECT_CLASS objectClass);
    std::optional<pkcs11::AttributeSet> attributesOf(CK_OBJECT_HANDLE handle, CK_SLOT_ID slot);
    CK_SLOT_ID slotOf(const std::string& set);
    CK_RV finishOperation(Session& session, CK_BYTE_PTR output, CK_ULONG_PTR outputLength);
    // One row of key_audit for this caller: "ok", "refused" (no grant at the time of use) or
    // the backend's CKR_ name.
    void audit(KeyUse use, const std::string& keyId, CK_MECHANISM_TYPE mechanism,
               std::string result);

    GatewayServices m_services;
    Caller m_caller;
    bool m_initialized = false;
    std::vector<KeyRecord> m_keys;                 // usable by the caller, as last read
    std::map<std::string, CK_SLOT_ID> m_slots;     // set name -> slot, stable per connection
    std::map<CK_OBJECT_HANDLE, Object> m_objects;  // stable per connection
    std::map<CK_SESSION_HANDLE, Session> m_sessions;
    CK_SESSION_HANDLE m_nextSession = 1;
};

}  // namespace peertrust::keys
