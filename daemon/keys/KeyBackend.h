// The backend token that holds the private keys: one logged-in application with a few
// long-lived sessions, lent to one caller at a time (SoftHSM 2.6 races when sessions open
// and close concurrently, so they are opened under one lock and never closed while running).
// Keys are made sensitive, not extractable and good for one use; operations are single-part.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "keys/KeyTypes.h"
#include "keys/Pkcs11Module.h"

namespace peertrust::keys {

struct BackendConfig {
    std::filesystem::path module;
    std::string tokenLabel;
    std::string userPin;
};

struct GeneratedKey {
    Bytes backendId;  // CKA_ID of both halves
    Bytes publicKey;  // SubjectPublicKeyInfo, DER
};

class KeyBackend {
public:
    static Result<std::unique_ptr<KeyBackend>> open(const BackendConfig& config);
    KeyBackend(std::unique_ptr<Pkcs11Module> module, CK_SLOT_ID slot);
    ~KeyBackend();
    KeyBackend(const KeyBackend&) = delete;
    KeyBackend& operator=(const KeyBackend&) = delete;

    Result<GeneratedKey> generate(KeyType type, KeyUse use, const std::string& label);
    Result<void> destroy(const Bytes& backendId);
    // One single-part C_Sign / C_Decrypt with the private key of `backendId`. The result, or
    // the backend's code (CKR_DATA_LEN_RANGE, ...) for the caller to hand on.
    struct Outcome {
        CK_RV rv = CKR_OK;
        Bytes output;
    };
    Outcome run(KeyUse use, const Bytes& backendId, const CK_MECHANISM& mechanism,
                const Bytes& input);
    // The mechanisms the backend token offers, for C_GetMechanismList.
    Result<std::vector<CK_MECHANISM_TYPE>> mechanisms();

private:
    class LentSession;
    Result<LentSession> lend();
    void giveBack(CK_SESSION_HANDLE session);
    Result<CK_OBJECT_HANDLE> privateKey(CK_SESSION_HANDLE session, const Bytes& backendId);
    Result<Bytes> publicKeyInfo(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE publicKey,
                                KeyType type);

    std::unique_ptr<Pkcs11Module> m_module;
    CK_SLOT_ID m_slot;
    std::mutex m_lock;
    std::condition_variable m_returned;
    std::vector<CK_SESSION_HANDLE> m_idle;
    std::size_t m_open = 0;
    std::map<Bytes, CK_OBJECT_HANDLE> m_privateKeys;  // handles stay valid in the application
};

}  // namespace peertrust::keys
