// peertrustd's configuration: /etc/peertrust/peertrustd.conf (key = value; missing file means
// defaults), then command-line flags over it. A bad file stops start-up with file, line and
// reason.
#pragma once

#include "service/DaemonLog.h"
#include "store/StoreLocations.h"

#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "peertrust/Error.h"
#include "peertrust/Types.h"
#include "service/BusMode.h"

namespace peertrust::service {

inline constexpr const char* kDefaultConfigPath = "/etc/peertrust/peertrustd.conf";

struct DaemonConfig {
    BusMode mode = BusMode::Session;
    std::filesystem::path configPath = kDefaultConfigPath;
    std::filesystem::path systemStore = store::kDefaultSystemStore;
    std::optional<std::filesystem::path> db;  // --db: this process's own store
    std::string adminGroup = "peertrust-admin";
    std::size_t workers = 4;
    LogLevel logLevel = LogLevel::Info;
    bool verdictCache = true;
    bool helpRequested = false;
    // The key layer runs when asked to (--keys, keys = yes) or given a socket to serve.
    bool keys = false;
    std::optional<std::filesystem::path> keysSocket;
    std::optional<std::filesystem::path> keysDir;           // default: keys/ beside the store
    std::optional<std::filesystem::path> keyBackendModule;  // default: SoftHSM2 in keysDir
    std::string keyBackendToken;
    std::optional<std::filesystem::path> keyBackendPinFile;
    // A PEM bundle kept up to date with the anchors (anchor export), and its purpose.
    std::optional<std::filesystem::path> pemBundle;
    std::string pemBundlePurpose;
    // "protocol = NAME FAMILY tofu|ca-only" lines (or --protocol): added at start to the store
    // this daemon writes, as `peertrust protocol add` would. `origin` is "file:line" or the flag.
    struct ConfiguredProtocol {
        ProtocolAddRequest request;
        std::string origin;
    };
    std::vector<ConfiguredProtocol> protocols;

    // The store this daemon writes: the system store, or the user's own store.
    std::filesystem::path writableStore() const;
    std::filesystem::path keysDirectory() const;
    // The gateway's socket: the one given, else under the runtime directory
    // (/run/peertrust/keys.sock, or $XDG_RUNTIME_DIR/peertrust/keys.sock for a session).
    std::filesystem::path keysSocketPath() const;
};

Result<DaemonConfig> loadDaemonConfig(const std::vector<std::string>& arguments);
// The configuration file's text over `config`; errors name `source`, the line and the reason.
Result<void> readDaemonConfig(std::istream& in, const std::string& source, DaemonConfig& config);
std::string daemonUsage();

}  // namespace peertrust::service
