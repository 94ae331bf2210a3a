#include "TrustModule.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <pthread.h>
#include <unistd.h>

#include "VendorDefinitions.h"
#include "pkcs11/TextField.h"
#include "pkcs11/VariableLengthOutput.h"

namespace peertrust::trustmodule {

namespace {

bool validSlot(CK_SLOT_ID slot) {
    return slot == kSystemSlot || slot == kUserSlot;
}

StoreLayer layerOf(CK_SLOT_ID slot) {
    return slot == kSystemSlot ? StoreLayer::System : StoreLayer::User;
}

CK_RV errorToCkr(const Error& error) {
    switch (error.category()) {
        case ErrorCategory::InvalidInput:
            return CKR_ATTRIBUTE_VALUE_INVALID;
        case ErrorCategory::NotFound:
            return CKR_OBJECT_HANDLE_INVALID;
        case ErrorCategory::NotAuthorized:
            return CKR_TOKEN_WRITE_PROTECTED;
        default:
            return CKR_DEVICE_ERROR;
    }
}

std::optional<std::string> stringAttribute(const CK_ATTRIBUTE* attributes, CK_ULONG count,
                                           CK_ATTRIBUTE_TYPE type) {
    for (CK_ULONG i = 0; i < count; ++i) {
        if (attributes[i].type == type) {
            if (attributes[i].pValue == nullptr) {
                return std::nullopt;
            }
            return std::string(static_cast<const char*>(attributes[i].pValue),
                               attributes[i].ulValueLen);
        }
    }
    return std::nullopt;
}

std::optional<CK_ULONG> ulongAttribute(const CK_ATTRIBUTE* attributes, CK_ULONG count,
                                       CK_ATTRIBUTE_TYPE type) {
    auto bytes = stringAttribute(attributes, count, type);
    if (!bytes || bytes->size() != sizeof(CK_ULONG)) {
        return std::nullopt;
    }
    CK_ULONG value = 0;
    std::memcpy(&value, bytes->data(), sizeof value);
    return value;
}

// The module lives inside other programs and must not write to their stderr unasked;
// PEERTRUST_TRUST_MODULE_DEBUG=1 says why a token is empty.
void debugLog(const std::string& message) {
    static const bool enabled = std::getenv("PEERTRUST_TRUST_MODULE_DEBUG") != nullptr;
    if (enabled) {
        std::fprintf(stderr, "peertrust-trust: %s\n", message.c_str());
    }
}

}  // namespace

TrustModule& theTrustModule() {
    static TrustModule module;
    // glibc forgets these handlers when the module is unloaded.
    [[maybe_unused]] static const int forkHandlers = pthread_atfork(
        [] { module.beforeFork(); }, [] { module.afterFork(); }, [] { module.afterFork(); });
    return module;
}

CK_RV TrustModule::checkInitialized() const {
    return m_initialized && m_initializedIn == getpid() ? CKR_OK : CKR_CRYPTOKI_NOT_INITIALIZED;
}

void TrustModule::abandonParentState() {
    // The engine's flusher thread does not exist here and its locks may be held for ever;
    // closing its SQLite connections could disturb the parent's. Left as they are, on purpose.
    (void)m_engine.release();
    m_engineHasUserStore = false;
    m_sessions.clear();
    m_initialized = false;
}

CK_RV TrustModule::checkSlot(CK_SLOT_ID slot) const {
    if (CK_RV rv = checkInitialized(); rv != CKR_OK) {
        return rv;
    }
    return validSlot(slot) ? CKR_OK : CKR_SLOT_ID_INVALID;
}

CK_RV TrustModule::initialize(CK_VOID_PTR initArgs) {
    std::lock_guard lock(m_mutex);
    if (m_initialized && m_initializedIn != getpid()) {
        abandonParentState();
    }
    if (m_initialized) {
        return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    std::string_view reserved;
    if (initArgs != nullptr) {
        auto* args = static_cast<CK_C_INITIALIZE_ARGS*>(initArgs);
        bool someMutexFunctions =
            args->CreateMutex || args->DestroyMutex || args->LockMutex || args->UnlockMutex;
        bool allMutexFunctions =
            args->CreateMutex && args->DestroyMutex && args->LockMutex && args->UnlockMutex;
        if (someMutexFunctions && !allMutexFunctions) {
            return CKR_ARGUMENTS_BAD;
        }
        // We lock with the OS's primitives; a caller that offers only its own cannot have us.
        if (allMutexFunctions && !(args->flags & CKF_OS_LOCKING_OK)) {
            return CKR_CANT_LOCK;
        }
        // p11-kit hands the module file's x-init-reserved option over here.
        if (args->pReserved != nullptr) {
            reserved = static_cast<const char*>(args->pReserved);
        }
    }
    auto options = moduleOptions(reserved);
    if (!options) {
        return CKR_ARGUMENTS_BAD;
    }
    m_options = std::move(options).value();
    m_engine.reset();
    m_generation = 0;
    m_objects.clear();
    m_index.clear();
    m_sessions.clear();
    m_initialized = true;
    m_initializedIn = getpid();
    return CKR_OK;
}

CK_RV TrustModule::finalize(CK_VOID_PTR reserved) {
    std::lock_guard lock(m_mutex);
    if (reserved != nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    if (CK_RV rv = checkInitialized(); rv != CKR_OK) {
        return rv;
    }
    m_sessions.clear();
    m_objects.clear();
    m_index.clear();
    m_engine.reset();
    m_initialized = false;
    return CKR_OK;
}

CK_RV TrustModule::getInfo(CK_INFO_PTR info) {
    std::lock_guard lock(m_mutex);
    if (CK_RV rv = checkInitialized(); rv != CKR_OK) {
        return rv;
    }
    if (info == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    std::memset(info, 0, sizeof *info);
    info->cryptokiVersion = {2, 40};
    // GnuTLS reads distrust (CKA_X_DISTRUSTED, p11-kit's attribute) only from a module whose
    // library manufacturer is "PKCS#11 Kit": any other name and a distrusted sub-CA under one
    // of our anchors would pass GnuTLS's checks. The objects follow p11-kit's trust model, so
    // the module says so here; its own description names it.
    pkcs11::setPadded(info->manufacturerID, "PKCS#11 Kit");
    pkcs11::setPadded(info->libraryDescription, "peertrust trust module");
    info->libraryVersion = {0, 1};
    return CKR_OK;
}

CK_RV TrustModule::getSlotList(CK_BBOOL, CK_SLOT_ID_PTR slots, CK_ULONG_PTR count) {
    std::lock_guard lock(m_mutex);
    if (CK_RV rv = checkInitialized(); rv != CKR_OK) {
        return rv;
    }
    if (count == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    const CK_SLOT_ID all[] = {kSystemSlot, kUserSlot};  // both tokens are always present
    return pkcs11::copyOutput<CK_SLOT_ID>(all, slots, count);
}

CK_RV TrustModule::getSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info) {
    std::lock_guard lock(m_mutex);
    if (CK_RV rv = checkSlot(slot); rv != CKR_OK) {
        return rv;
    }
    if (info == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    std::memset(info, 0, sizeof *info);
    pkcs11::setPadded(info->slotDescription, slot == kSystemSlot ? "peertrust system trust store"
                                                                 : "peertrust user trust store");
    pkcs11::setPadded(info->manufacturerID, "peertrust");
    info->flags = CKF_TOKEN_PRESENT;
    info->hardwareVersion = {0, 1};
    info->firmwareVersion = {0, 1};
    return CKR_OK;
}

CK_RV TrustModule::getTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
    std::lock_guard lock(m_mutex);
    if (CK_RV rv = checkSlot(slot); rv != CKR_OK) {
        return rv;
    }
    if (info == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    std::memset(info, 0, sizeof *info);
    pkcs11::setPadded(info->label, slot == kSystemSlot ? "peertrust system" : "peertrust user");
    pkcs11::setPadded(info->manufacturerID, "peertrust");
    pkcs11::setPadded(info->model, "trust store");
    pkcs11::setPadded(info->serialNumber, slot == kSystemSlot ? "system" : "user");
    // Machine policy changes only through the daemon or the CLI; a user's pins also here.
    info->flags = CKF_TOKEN_INITIALIZED | (slot == kSystemSlot ? CKF_WRITE_PROTECTED : 0);
    info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulSessionCount = CK_UNAVAILABLE_INFORMATION;
    info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulRwSessionCount = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->hardwareVersion = {0, 1};
    info->firmwareVersion = {0, 1};
    return CKR_OK;
}

CK_RV TrustModule::getMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list,
                                    CK_ULONG_PTR count) {
    std::lock_guard lock(m_mutex);
    if (CK_RV rv = checkSlot(slot); rv != CKR_OK) {
        return rv;
    }
    if (count == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    // Trust only: no cryptography here.
    return pkcs11::copyOutput<CK_MECHANISM_TYPE>({}, list, count);
}

CK_RV TrustModule::getMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE, CK_MECHANISM_INFO_PTR) {
    std::lock_guard lock(m_mutex);
    CK_RV rv = checkSlot(slot);
    return rv != CKR_OK ? rv : CKR_MECHANISM_INVALID;
}

CK_RV TrustModule::openSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE_PTR session) {
    std::lock_guard lock(m_mutex);
    if (CK_RV rv = checkSlot(slot); rv != CKR_OK) {
        return rv;
    }
    if (!(flags & CKF_SERIAL_SESSION)) {
        return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    }
    if (session == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    if ((flags & CKF_RW_SESSION) && slot == kSystemSlot) {
        return CKR_TOKEN_WRITE_PROTECTED;
    }
    CK_SESSION_HANDLE handle = m_nextSession++;
    m_sessions[handle] = Session{slot, flags, {}};
    *session = handle;
    return CKR_OK;
}

CK_RV TrustModule::closeSession(CK_SESSION_HANDLE session) {
    std::lock_guard lock(m_mutex);
    if (CK_RV rv = checkInitialized(); rv != CKR_OK) {
        return rv;
    }
    return m_sessions.erase(session) ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}

CK_RV TrustModule::closeAllSessions(CK_SLOT_ID slot) {
    std::lock_guard lock(m_mutex);
    if (CK_RV rv = checkSlot(slot); rv != CKR_OK) {
        return rv;
    }
    std::erase_if(m_sessions, [slot](const auto& entry) { return entry.second.slot == slot; });
    return CKR_OK;
}

CK_RV TrustModule::getSessionInfo(CK_SESSION_HANDLE handle, CK_SESSION_INFO_PTR info) {
    std::lock_guard lock(m_mutex);
    Session* session = nullptr;
    if (CK_RV rv = checkSession(handle, session); rv != CKR_OK) {
        return rv;
    }
    if (info == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    info->slotID = session->slot;
    info->flags = session->flags;
    info->state = (session->flags & CKF_RW_SESSION) ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
    info->ulDeviceError = 0;
    return CKR_OK;
}

CK_RV TrustModule::checkSession(CK_SESSION_HANDLE handle, Session*& session) {
    if (CK_RV rv = checkInitialized(); rv != CKR_OK) {
        return rv;
    }
    session = sessionFor(handle);
    return session ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}

TrustModule::Session* TrustModule::sessionFor(CK_SESSION_HANDLE handle) {
    auto it = m_sessions.find(handle);
    return it == m_sessions.end() ? nullptr : &it->second;
}

const TrustObject* TrustModule::objectFor(const Session& session, CK_OBJECT_HANDLE handle) const {
    auto it = m_index.find(handle);
    if (it == m_index.end()) {
        return nullptr;
    }
    const TrustObject& object = m_objects[it->second];
    return object.layer == layerOf(session.slot) ? &object : nullptr;
}

Result<void> TrustModule::openEngine(bool createUserStore) {
    store::StoreConfig config;
    config.systemPath = m_options.systemStore;
    config.systemWritable = false;
    std::error_code ec;
    if (createUserStore) {
        std::filesystem::create_directories(m_options.userStore.parent_path(), ec);
        std::filesystem::permissions(m_options.userStore.parent_path(),
                                     std::filesystem::perms::owner_all, ec);
    }
    // A program that only reads trust must not create a store as a side effect.
    const bool withUserStore = createUserStore || std::filesystem::exists(m_options.userStore, ec);
    if (withUserStore) {
        config.userPath = m_options.userStore;
    }
    PEERTRUST_TRY_ASSIGN(auto opened, store::TrustStore::open(config));
    // No cache and no background writer: this library lives inside other programs.
    policy::EngineOptions options{false, 0, std::chrono::milliseconds(0),
                                  std::chrono::microseconds(0)};
    PEERTRUST_TRY_ASSIGN(m_engine, policy::PolicyEngine::create(std::move(opened), options));
    m_engineHasUserStore = withUserStore;
    m_generation = 0;
    return {};
}

void TrustModule::refresh() {
    std::error_code ec;
    if (m_engine && !m_engineHasUserStore && std::filesystem::exists(m_options.userStore, ec)) {
        m_engine.reset();  // the user's first pin or distrust made the store since
    }
    // What cannot be read is served as nothing, never as what was read before: the store that
    // cannot be opened now may hold the user's distrust of a system anchor.
    auto serveNothing = [this] {
        m_objects.clear();
        m_index.clear();
        m_generation = 0;
    };
    if (!m_engine) {
        if (auto opened = openEngine(false); !opened) {
            debugLog("cannot open the stores: " + opened.error().message());
            serveNothing();  // both tokens are empty
            return;
        }
    }
    auto trust = m_engine->trustExport();
    if (!trust) {
        debugLog("cannot read the stores: " + trust.error().message());
        serveNothing();
        return;
    }
    if ((*trust)->generation == m_generation && !m_objects.empty()) {
        return;
    }
    m_generation = (*trust)->generation;
    TrustObjects built = buildTrustObjects(**trust);
    if (built.skipped > 0) {
        debugLog(std::to_string(built.skipped) + " entries could not be exported");
    }
    m_objects = std::move(built.objects);
    m_index.clear();
    for (std::size_t i = 0; i < m_objects.size(); ++i) {
        auto [it, inserted] = m_handleOf.try_emplace(m_objects[i].identity, m_nextHandle);
        if (inserted) {
            ++m_nextHandle;
        }
        m_index[it->second] = i;
    }
}

CK_RV TrustModule::findObjectsInit(CK_SESSION_HANDLE handle, CK_ATTRIBUTE_PTR attributes,
                                   CK_ULONG count) {
    std::lock_guard lock(m_mutex);
    Session* session = nullptr;
    if (CK_RV rv = checkSession(handle, session); rv != CKR_OK) {
        return rv;
    }
    if (attributes == nullptr && count != 0) {
        return CKR_ARGUMENTS_BAD;
    }
    if (session->search.active()) {
        return CKR_OPERATION_ACTIVE;
    }
    refresh();  // a change made since the last search shows now
    std::vector<CK_OBJECT_HANDLE> found;
    for (const auto& [objectHandle, index] : m_index) {
        const TrustObject& object = m_objects[index];
        if (object.layer == layerOf(session->slot) && matchesTemplate(object, attributes, count) &&
            (!object.pin || daemonHonours(*object.pin, attributes, count))) {
            found.push_back(objectHandle);
        }
    }
    session->search.begin(std::move(found));
    return CKR_OK;
}

bool TrustModule::daemonHonours(const PinAssertion& pin, const CK_ATTRIBUTE* attributes,
                                CK_ULONG count) {
    for (CK_ULONG i = 0; i < count; ++i) {
        if (attributes[i].type != kAttrCertificateValue) {
            continue;
        }
        const auto* value = static_cast<const std::uint8_t*>(attributes[i].pValue);
        VerifyRequest request{pin.family,           pin.peer,
                              KeyFormat::X509Chain, Bytes(value, value + attributes[i].ulValueLen),
                              std::nullopt,         false};
        auto verdict = m_engine->verify(request);
        if (!verdict || verdict->kind != VerdictKind::Accepted ||
            verdict->reason != reason::Pinned) {
            return false;
        }
        const auto& pins = verdict->details.pins;
        return std::any_of(pins.begin(), pins.end(),
                           [&](const PinnedKey& key) { return key.pinId == pin.pinId; });
    }
    return true;  // no certificate asked about: the exported pin stands (never a distrusted one)
}

CK_RV TrustModule::findObjects(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max,
                               CK_ULONG_PTR count) {
    std::lock_guard lock(m_mutex);
    Session* session = nullptr;
    if (CK_RV rv = checkSession(handle, session); rv != CKR_OK) {
        return rv;
    }
    return session->search.next(objects, max, count);
}

CK_RV TrustModule::findObjectsFinal(CK_SESSION_HANDLE handle) {
    std::lock_guard lock(m_mutex);
    Session* session = nullptr;
    if (CK_RV rv = checkSession(handle, session); rv != CKR_OK) {
        return rv;
    }
    return session->search.end();
}

CK_RV TrustModule::getAttributeValue(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE objectHandle,
                                     CK_ATTRIBUTE_PTR attributes, CK_ULONG count) {
    std::lock_guard lock(m_mutex);
    Session* session = nullptr;
    if (CK_RV rv = checkSession(handle, session); rv != CKR_OK) {
        return rv;
    }
    const TrustObject* object = objectFor(*session, objectHandle);
    if (object == nullptr) {
        return CKR_OBJECT_HANDLE_INVALID;
    }
    if (attributes == nullptr && count != 0) {
        return CKR_ARGUMENTS_BAD;
    }
    return object->attributes.copyValues({attributes, count});
}

CK_RV TrustModule::getObjectSize(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE objectHandle,
                                 CK_ULONG_PTR size) {
    std::lock_guard lock(m_mutex);
    Session* session = nullptr;
    if (CK_RV rv = checkSession(handle, session); rv != CKR_OK) {
        return rv;
    }
    if (objectFor(*session, objectHandle) == nullptr) {
        return CKR_OBJECT_HANDLE_INVALID;
    }
    if (size == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    *size = CK_UNAVAILABLE_INFORMATION;  // allowed by the standard; nothing here is sized
    return CKR_OK;
}

CK_RV TrustModule::createObject(CK_SESSION_HANDLE handle, CK_ATTRIBUTE_PTR attributes,
                                CK_ULONG count, CK_OBJECT_HANDLE_PTR object) {
    std::lock_guard lock(m_mutex);
    Session* session = nullptr;
    if (CK_RV rv = checkSession(handle, session); rv != CKR_OK) {
        return rv;
    }
    if ((attributes == nullptr && count != 0) || object == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    if (session->slot == kSystemSlot) {
        return CKR_TOKEN_WRITE_PROTECTED;
    }
    if (!(session->flags & CKF_RW_SESSION)) {
        return CKR_SESSION_READ_ONLY;
    }
    // Only gcr's pinned-certificate assertion can be created: it becomes a pin.
    auto objectClass = ulongAttribute(attributes, count, CKA_CLASS);
    auto assertion = ulongAttribute(attributes, count, kAttrAssertionType);
    if (!objectClass || !assertion) {
        return CKR_TEMPLATE_INCOMPLETE;
    }
    if (*objectClass != kClassTrustAssertion || *assertion != kAssertionPinned) {
        return CKR_TEMPLATE_INCONSISTENT;
    }
    auto certificate = stringAttribute(attributes, count, kAttrCertificateValue);
    auto purpose = stringAttribute(attributes, count, kAttrPurpose);
    auto peer = stringAttribute(attributes, count, kAttrPeer);
    if (!certificate || !purpose || !peer) {
        return CKR_TEMPLATE_INCOMPLETE;
    }
    if (auto token = stringAttribute(attributes, count, CKA_TOKEN)) {
        if (token->size() != sizeof(CK_BBOOL)) {
            return CKR_ATTRIBUTE_VALUE_INVALID;
        }
        if (static_cast<CK_BBOOL>((*token)[0]) != CK_TRUE) {
            return CKR_TEMPLATE_INCONSISTENT;  // a pin is stored: no session objects here
        }
    }
    std::string family = familyForPurpose(*purpose);
    if (family.empty()) {
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    // The user store may not exist yet: the first pin creates it.
    if (!m_engine || !std::filesystem::exists(m_options.userStore)) {
        if (auto opened = openEngine(true); !opened) {
            return CKR_DEVICE_ERROR;
        }
    }
    auto added =
        m_engine->addPin({family, *peer, KeyFormat::X509Chain,
                          Bytes(certificate->begin(), certificate->end()), false, PinOrigin::Gcr});
    if (!added) {
        return errorToCkr(added.error());
    }
    refresh();
    auto it = m_handleOf.find(std::string(toString(StoreLayer::User)) + "/pin/" + added->id);
    if (it == m_handleOf.end() || !m_index.count(it->second)) {
        return CKR_DEVICE_ERROR;
    }
    *object = it->second;
    return CKR_OK;
}

CK_RV TrustModule::destroyObject(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE objectHandle) {
    std::lock_guard lock(m_mutex);
    Session* session = nullptr;
    if (CK_RV rv = checkSession(handle, session); rv != CKR_OK) {
        return rv;
    }
    const TrustObject* object = objectFor(*session, objectHandle);
    if (object == nullptr) {
        return CKR_OBJECT_HANDLE_INVALID;
    }
    if (session->slot == kSystemSlot) {
        return CKR_TOKEN_WRITE_PROTECTED;
    }
    if (!(session->flags & CKF_RW_SESSION)) {
        return CKR_SESSION_READ_ONLY;
    }
    if (!object->pin) {
        return CKR_ACTION_PROHIBITED;  // anchors and distrust change through peertrust only
    }
    auto removed = m_engine->removePin(object->pin->pinId);
    if (!removed) {
        return errorToCkr(removed.error());
    }
    refresh();
    return CKR_OK;
}

CK_RV TrustModule::unsupported() {
    std::lock_guard lock(m_mutex);
    CK_RV rv = checkInitialized();
    return rv == CKR_OK ? CKR_FUNCTION_NOT_SUPPORTED : rv;
}

CK_RV TrustModule::unsupported(CK_SESSION_HANDLE handle) {
    std::lock_guard lock(m_mutex);
    Session* session = nullptr;
    CK_RV rv = checkSession(handle, session);
    return rv == CKR_OK ? CKR_FUNCTION_NOT_SUPPORTED : rv;
}

}  // namespace peertrust::trustmodule
