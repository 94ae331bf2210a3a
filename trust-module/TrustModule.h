// The trust module's state behind the PKCS#11 C ABI: two read-mostly tokens (slot 1 the
// system store, slot 2 the calling user's store), sessions and object searches. Every call
// refreshes from the store when it changed, so a running program sees a change made with the
// CLI at its next search. Thread-safe: one lock around the whole state. After fork() the
// child starts uninitialised, as PKCS#11 asks: it must call C_Initialize, and the parent's
// state (its engine's threads and SQLite connections) is left alone, never used or closed.
#pragma once

#include <p11-kit/pkcs11.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ModuleOptions.h"
#include "TrustObject.h"
#include "pkcs11/ObjectSearch.h"
#include "policy/PolicyEngine.h"

namespace peertrust::trustmodule {

inline constexpr CK_SLOT_ID kSystemSlot = 1;
inline constexpr CK_SLOT_ID kUserSlot = 2;

class TrustModule {
public:
    CK_RV initialize(CK_VOID_PTR initArgs);
    CK_RV finalize(CK_VOID_PTR reserved);
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
    CK_RV createObject(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR attributes, CK_ULONG count,
                       CK_OBJECT_HANDLE_PTR object);
    CK_RV destroyObject(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object);
    CK_RV getObjectSize(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ULONG_PTR size);
    CK_RV getAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                            CK_ATTRIBUTE_PTR attributes, CK_ULONG count);
    CK_RV findObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR attributes, CK_ULONG count);
    CK_RV findObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max,
                      CK_ULONG_PTR count);
    CK_RV findObjectsFinal(CK_SESSION_HANDLE session);
    // Every other session-taking function: the checks, then CKR_FUNCTION_NOT_SUPPORTED.
    CK_RV unsupported(CK_SESSION_HANDLE session);
    // The same for a function that takes no session (C_InitToken, C_WaitForSlotEvent).
    CK_RV unsupported();
    // pthread_atfork: the lock is held across fork(), so that the child never inherits it
    // taken by a thread it does not have.
    void beforeFork() { m_mutex.lock(); }
    void afterFork() { m_mutex.unlock(); }

private:
    struct Session {
        CK_SLOT_ID slot = kSystemSlot;
        CK_FLAGS flags = 0;
        pkcs11::ObjectSearch search;
    };

    CK_RV checkInitialized() const;
    // In a child of the process that initialised us: forgets that state without touching it.
    void abandonParentState();
    CK_RV checkSlot(CK_SLOT_ID slot) const;  // initialised, and one of our two slots
    Session* sessionFor(CK_SESSION_HANDLE handle);
    // The checks every session-taking call starts with: initialised, and a live session.
    CK_RV checkSession(CK_SESSION_HANDLE handle, Session*& session);
    const TrustObject* objectFor(const Session& session, CK_OBJECT_HANDLE handle) const;
    // Opens the stores on first use (again once the user's store appears) and rebuilds the
    // objects when the store changed.
    void refresh();
    // Whether the daemon's own decision for the certificate in the template, if there is one,
    // is "accepted, pinned" by `pin`: revocation, distrust of the path and the rest come
    // before pins there, and gcr must not learn more trust than the daemon gives.
    bool daemonHonours(const PinAssertion& pin, const CK_ATTRIBUTE* attributes, CK_ULONG count);
    Result<void> openEngine(bool createUserStore);

    std::mutex m_mutex;
    bool m_initialized = false;
    pid_t m_initializedIn = 0;  // the process whose C_Initialize this state is
    ModuleOptions m_options;
    std::unique_ptr<policy::PolicyEngine> m_engine;
    bool m_engineHasUserStore = false;
    std::uint64_t m_generation = 0;

    std::vector<TrustObject> m_objects;
    std::map<CK_OBJECT_HANDLE, std::size_t> m_index;
    std::map<std::string, CK_OBJECT_HANDLE> m_handleOf;  // identity -> handle, kept for life
    CK_OBJECT_HANDLE m_nextHandle = 1;

    std::map<CK_SESSION_HANDLE, Session> m_sessions;
    CK_SESSION_HANDLE m_nextSession = 1;
};

// The module's one instance, as the C ABI needs.
TrustModule& theTrustModule();

}  // namespace peertrust::trustmodule
