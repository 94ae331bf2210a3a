// The key gateway: a Unix socket speaking p11-kit's RPC protocol. Each connection is served
// by p11_kit_remote_serve_module on a thread of its own, over our function list; the thread
// knows its connection (uid and pid from SO_PEERCRED), so every call sees only what that
// caller was granted.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "keys/GatewayConnection.h"
#include "os/UniqueFd.h"

namespace peertrust::keys {

// The function list p11_kit_remote_serve_module is given: it dispatches to the connection
// being served on the calling thread.
CK_FUNCTION_LIST* gatewayFunctionList();

// Connections a uid may hold at once, and all uids together: each costs a thread and a file
// descriptor, and any local user may connect.
inline constexpr std::size_t kMaxConnectionsPerUid = 16;
inline constexpr std::size_t kMaxConnections = 128;

class KeyGateway {
public:
    // Listens on `socketPath` (mode 0666: any local user may connect; what they may use is
    // decided per call from their uid).
    static Result<std::unique_ptr<KeyGateway>> listen(const std::filesystem::path& socketPath,
                                                      GatewayServices services);
    KeyGateway(os::UniqueFd listener, std::filesystem::path path, GatewayServices services);
    ~KeyGateway();  // stops accepting and ends every connection
    KeyGateway(const KeyGateway&) = delete;
    KeyGateway& operator=(const KeyGateway&) = delete;

private:
    void acceptLoop();
    void serve(int fd, std::uint64_t number, Caller caller);
    // Whether a connection of `uid` may be served now; counts it if so (m_lock held).
    bool admitLocked(uid_t uid);
    // Joins the threads of connections that ended: a thread not joined keeps its stack, and
    // a client that connects and leaves over and over would exhaust the daemon's memory.
    void joinEnded();

    os::UniqueFd m_listener;
    std::filesystem::path m_path;
    GatewayServices m_services;
    std::atomic<bool> m_stopping{false};
    std::mutex m_lock;
    std::list<int> m_connections;                    // open client sockets, shut down on stop
    std::map<std::uint64_t, std::thread> m_threads;  // by connection number
    std::list<std::uint64_t> m_ended;                // connections whose thread is returning
    std::uint64_t m_nextNumber = 0;
    std::map<uid_t, std::size_t> m_connectionsOf;  // open connections by uid
    std::thread m_acceptor;
};

}  // namespace peertrust::keys
