#define P11_KIT_FUTURE_UNSTABLE_API 1
#include "keys/KeyGateway.h"

#include <p11-kit/remote.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "os/FileMode.h"
#include "pkcs11/FunctionList.h"
#include "pkcs11/Guarded.h"

namespace peertrust::keys {
namespace {

thread_local GatewayConnection* tConnection = nullptr;

CK_RV notInitialized() {
    return CKR_CRYPTOKI_NOT_INITIALIZED;
}

// Runs `call` with the connection served on this thread; no exception leaves it. A call on a
// thread that serves no connection cannot come through the server: it is answered as an
// uninitialised module would.
template <typename Call>
CK_RV onConnection(Call&& call) noexcept {
    if (tConnection == nullptr) {
        return notInitialized();
    }
    return pkcs11::guarded([&] { return call(*tConnection); });
}

CK_RV initialize(CK_VOID_PTR) {
    return onConnection([&](GatewayConnection& c) { return c.initialize(); });
}
CK_RV finalize(CK_VOID_PTR reserved) {
    return onConnection([&](GatewayConnection& c) {
        return reserved != nullptr ? CKR_ARGUMENTS_BAD : c.finalize();
    });
}
CK_RV getInfo(CK_INFO_PTR info) {
    return onConnection([&](GatewayConnection& c) { return c.getInfo(info); });
}
CK_RV getFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
    if (list == nullptr) {
        return CKR_ARGUMENTS_BAD;
    }
    *list = gatewayFunctionList();
    return CKR_OK;
}
CK_RV getSlotList(CK_BBOOL present, CK_SLOT_ID_PTR slots, CK_ULONG_PTR count) {
    return onConnection([&](GatewayConnection& c) { return c.getSlotList(present, slots, count); });
}
CK_RV getSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info) {
    return onConnection([&](GatewayConnection& c) { return c.getSlotInfo(slot, info); });
}
CK_RV getTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
    return onConnection([&](GatewayConnection& c) { return c.getTokenInfo(slot, info); });
}
CK_RV getMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
    return onConnection(
        [&](GatewayConnection& c) { return c.getMechanismList(slot, list, count); });
}
CK_RV getMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
    return onConnection([&](GatewayConnection& c) { return c.getMechanismInfo(slot, type, info); });
}
CK_RV initToken(CK_SLOT_ID, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR) {
    return onConnection([&](GatewayConnection& c) {
        return c.initialized() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
    });
}
CK_RV openSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR, CK_NOTIFY,
                  CK_SESSION_HANDLE_PTR session) {
    return onConnection([&](GatewayConnection& c) { return c.openSession(slot, flags, session); });
}
CK_RV closeSession(CK_SESSION_HANDLE session) {
    return onConnection([&](GatewayConnection& c) { return c.closeSession(session); });
}
CK_RV closeAllSessions(CK_SLOT_ID slot) {
    return onConnection([&](GatewayConnection& c) { return c.closeAllSessions(slot); });
}
CK_RV getSessionInfo(CK_SESSION_HANDLE session, CK_SESSION_INFO_PTR info) {
    return onConnection([&](GatewayConnection& c) { return c.getSessionInfo(session, info); });
}
CK_RV login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR, CK_ULONG) {
    return onConnection([&](GatewayConnection& c) { return c.login(session, user); });
}
CK_RV logout(CK_SESSION_HANDLE session) {
    return onConnection([&](GatewayConnection& c) { return c.logout(session); });
}
CK_RV getAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                        CK_ATTRIBUTE_PTR attributes, CK_ULONG count) {
    return onConnection([&](GatewayConnection& c) {
        return c.getAttributeValue(session, object, attributes, count);
    });
}
CK_RV findObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR attributes, CK_ULONG count) {
    return onConnection(
        [&](GatewayConnection& c) { return c.findObjectsInit(session, attributes, count); });
}
CK_RV findObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max,
                  CK_ULONG_PTR count) {
    return onConnection(
        [&](GatewayConnection& c) { return c.findObjects(session, objects, max, count); });
}
CK_RV findObjectsFinal(CK_SESSION_HANDLE session) {
    return onConnection([&](GatewayConnection& c) { return c.findObjectsFinal(session); });
}
CK_RV signInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
    return onConnection([&](GatewayConnection& c) {
        return c.operationInit(KeyUse::Sign, session, mechanism, key);
    });
}
CK_RV sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG length, CK_BYTE_PTR out,
           CK_ULONG_PTR outLength) {
    return onConnection([&](GatewayConnection& c) {
        return c.operation(KeyUse::Sign, session, data, length, out, outLength);
    });
}
CK_RV signUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG length) {
    return onConnection([&](GatewayConnection& c) {
        return c.operationUpdate(KeyUse::Sign, session, data, length);
    });
}
CK_RV signFinal(CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR outLength) {
    return onConnection([&](GatewayConnection& c) {
        return c.operationFinal(KeyUse::Sign, session, out, outLength);
    });
}
CK_RV decryptInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
    return onConnection([&](GatewayConnection& c) {
        return c.operationInit(KeyUse::Decrypt, session, mechanism, key);
    });
}
CK_RV decrypt(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG length, CK_BYTE_PTR out,
              CK_ULONG_PTR outLength) {
    return onConnection([&](GatewayConnection& c) {
        return c.operation(KeyUse::Decrypt, session, data, length, out, outLength);
    });
}
CK_RV decryptUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG length, CK_BYTE_PTR,
                    CK_ULONG_PTR partLength) {
    return onConnection([&](GatewayConnection& c) {
        return c.operationUpdate(KeyUse::Decrypt, session, data, length, partLength);
    });
}
CK_RV decryptFinal(CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR outLength) {
    return onConnection([&](GatewayConnection& c) {
        return c.operationFinal(KeyUse::Decrypt, session, out, outLength);
    });
}
CK_RV wrapKey(CK_SESSION_HANDLE session, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE,
              CK_BYTE_PTR, CK_ULONG_PTR) {
    // No key leaves, wrapped or not.
    return onConnection(
        [&](GatewayConnection& c) { return c.refuse(session, CKR_KEY_UNEXTRACTABLE); });
}
CK_RV waitForSlotEvent(CK_FLAGS, CK_SLOT_ID_PTR, CK_VOID_PTR) {
    // The sets a caller sees change only with grants.
    return onConnection([&](GatewayConnection& c) {
        return c.initialized() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
    });
}
CK_RV legacyParallel(CK_SESSION_HANDLE) {
    return CKR_FUNCTION_NOT_PARALLEL;
}

// Every other function: the session checks, then "not supported".
CK_RV refuseUnsupported(CK_SESSION_HANDLE session) {
    return onConnection(
        [&](GatewayConnection& c) { return c.refuse(session, CKR_FUNCTION_NOT_SUPPORTED); });
}

CK_FUNCTION_LIST makeList() {
    CK_FUNCTION_LIST f = pkcs11::refusingFunctionList<refuseUnsupported>();
    f.C_Initialize = initialize;
    f.C_Finalize = finalize;
    f.C_GetInfo = getInfo;
    f.C_GetFunctionList = getFunctionList;
    f.C_GetSlotList = getSlotList;
    f.C_GetSlotInfo = getSlotInfo;
    f.C_GetTokenInfo = getTokenInfo;
    f.C_GetMechanismList = getMechanismList;
    f.C_GetMechanismInfo = getMechanismInfo;
    f.C_InitToken = initToken;
    f.C_OpenSession = openSession;
    f.C_CloseSession = closeSession;
    f.C_CloseAllSessions = closeAllSessions;
    f.C_GetSessionInfo = getSessionInfo;
    f.C_Login = login;
    f.C_Logout = logout;
    f.C_GetAttributeValue = getAttributeValue;
    f.C_FindObjectsInit = findObjectsInit;
    f.C_FindObjects = findObjects;
    f.C_FindObjectsFinal = findObjectsFinal;
    f.C_DecryptInit = decryptInit;
    f.C_Decrypt = decrypt;
    f.C_DecryptUpdate = decryptUpdate;
    f.C_DecryptFinal = decryptFinal;
    f.C_SignInit = signInit;
    f.C_Sign = sign;
    f.C_SignUpdate = signUpdate;
    f.C_SignFinal = signFinal;
    f.C_WrapKey = wrapKey;
    f.C_GetFunctionStatus = legacyParallel;
    f.C_CancelFunction = legacyParallel;
    f.C_WaitForSlotEvent = waitForSlotEvent;
    return f;
}

}  // namespace

namespace {

std::string ownerAndMode(const struct stat& status) {
    return "uid " + std::to_string(status.st_uid) + ", mode " + os::octalMode(status.st_mode);
}

// Whoever may write the socket's directory, or rename one above it, may put a link where the
// socket goes or swap it between bind and chmod, and have the chmod open another file to all.
// So the directory must be this user's or root's and writable by no one else, and so must each
// directory above it, unless sticky (as /tmp: other users cannot rename what is ours there).
Result<void> checkSocketDirectory(const std::filesystem::path& directory) {
    std::error_code ec;
    const std::filesystem::path real = std::filesystem::canonical(directory, ec);
    if (ec) {
        return unavailable("cannot use the keys socket's directory " + directory.string() + ": " +
                           ec.message());
    }
    for (std::filesystem::path at = real;; at = at.parent_path()) {
        struct stat status {};
        if (::lstat(at.c_str(), &status) != 0) {
            return unavailable("cannot use the keys socket's directory " + directory.string() +
                               ": " + at.string() + ": " + std::strerror(errno));
        }
        const bool owned = status.st_uid == ::geteuid() || status.st_uid == 0;
        const bool othersWrite = (status.st_mode & 022) != 0;
        const bool sticky = (status.st_mode & S_ISVTX) != 0;
        if (at == real && (!owned || othersWrite)) {
            return unavailable("the keys socket's directory " + directory.string() + " (" +
                               ownerAndMode(status) +
                               ") may be written by another user; put the socket in a "
                               "directory only the daemon's user or root may write");
        }
        if (!owned || (othersWrite && !sticky)) {
            return unavailable("the keys socket's directory " + directory.string() + " is in " +
                               at.string() + " (" + ownerAndMode(status) +
                               "), where another user may rename it; put the socket in a "
                               "directory only the daemon's user or root may change");
        }
        if (at == at.parent_path()) {
            return {};
        }
    }
}

}  // namespace

CK_FUNCTION_LIST* gatewayFunctionList() {
    static CK_FUNCTION_LIST list = makeList();
    return &list;
}

Result<std::unique_ptr<KeyGateway>> KeyGateway::listen(const std::filesystem::path& socketPath,
                                                       GatewayServices services) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socketPath.native().size() >= sizeof address.sun_path) {
        return invalidInput("the keys socket path is too long: " + socketPath.string());
    }
    std::memcpy(address.sun_path, socketPath.c_str(), socketPath.native().size() + 1);
    std::error_code ec;
    const std::filesystem::path directory =
        socketPath.has_parent_path() ? socketPath.parent_path() : std::filesystem::path(".");
    std::filesystem::create_directories(directory, ec);
    PEERTRUST_TRY(checkSocketDirectory(directory));
    ::unlink(socketPath.c_str());
    os::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        return unavailable(std::string("cannot create the keys socket: ") + std::strerror(errno));
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::chmod(socketPath.c_str(), 0666) != 0 || ::listen(fd.get(), 64) != 0) {
        return unavailable("cannot listen on " + socketPath.string() + ": " + std::strerror(errno));
    }
    return std::make_unique<KeyGateway>(std::move(fd), socketPath, services);
}

KeyGateway::KeyGateway(os::UniqueFd listener, std::filesystem::path path, GatewayServices services)
    : m_listener(std::move(listener)),
      m_path(std::move(path)),
      m_services(services),
      m_acceptor([this] { acceptLoop(); }) {}

KeyGateway::~KeyGateway() {
    m_stopping = true;
    ::shutdown(m_listener.get(), SHUT_RDWR);
    m_acceptor.join();
    ::unlink(m_path.c_str());
    {
        std::lock_guard lock(m_lock);
        for (int fd : m_connections) {
            ::shutdown(fd, SHUT_RDWR);  // the serving thread sees the end and returns
        }
    }
    for (auto& [number, thread] : m_threads) {
        thread.join();
    }
}

void KeyGateway::joinEnded() {
    std::list<std::thread> ended;
    {
        std::lock_guard lock(m_lock);
        for (std::uint64_t number : m_ended) {
            auto found = m_threads.find(number);
            ended.push_back(std::move(found->second));
            m_threads.erase(found);
        }
        m_ended.clear();
    }
    for (auto& thread : ended) {
        thread.join();  // it has left serve(), or is about to
    }
}

bool KeyGateway::admitLocked(uid_t uid) {
    std::size_t& mine = m_connectionsOf[uid];
    if (mine >= kMaxConnectionsPerUid || m_connections.size() >= kMaxConnections) {
        if (mine == 0) {
            m_connectionsOf.erase(uid);
        }
        return false;
    }
    ++mine;
    return true;
}

void KeyGateway::acceptLoop() {
    while (!m_stopping) {
        // No timeout: stopping shuts the listener down, which wakes poll() (POLLHUP).
        pollfd p{m_listener.get(), POLLIN, 0};
        if (::poll(&p, 1, -1) <= 0 || m_stopping) {
            continue;
        }
        joinEnded();
        int fd = ::accept4(m_listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            // Out of descriptors or memory: the connection waits in the backlog, and poll()
            // would report it again at once. Wait a little instead of spinning.
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            continue;
        }
        ucred credentials{};
        socklen_t size = sizeof credentials;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
            ::close(fd);
            continue;
        }
        std::lock_guard lock(m_lock);
        if (!admitLocked(credentials.uid)) {
            // Turned away at once (the client reads the end of the stream): one user holding
            // connections open must not take every thread and descriptor of the daemon.
            ::close(fd);
            continue;
        }
        const std::uint64_t number = m_nextNumber++;
        const Caller caller{credentials.uid, credentials.pid};
        try {
            m_threads.emplace(
                number, std::thread([this, fd, number, caller] { serve(fd, number, caller); }));
        } catch (const std::system_error&) {
            ::close(fd);  // no thread to be had: this client is turned away, the rest served
            if (--m_connectionsOf[caller.uid] == 0) {
                m_connectionsOf.erase(caller.uid);
            }
            continue;
        }
        m_connections.push_back(fd);
    }
}

void KeyGateway::serve(int fd, std::uint64_t number, Caller caller) {
    {
        GatewayConnection connection(m_services, caller);
        tConnection = &connection;
        p11_kit_remote_serve_module(gatewayFunctionList(), fd, fd);
        tConnection = nullptr;
    }
    std::lock_guard lock(m_lock);
    m_connections.remove(fd);
    ::close(fd);
    if (--m_connectionsOf[caller.uid] == 0) {
        m_connectionsOf.erase(caller.uid);
    }
    m_ended.push_back(number);
}

}  // namespace peertrust::keys
