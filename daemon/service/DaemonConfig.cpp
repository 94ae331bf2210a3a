#include "service/DaemonConfig.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <utility>

#include "policy/PemBundle.h"
#include "store/StoreLocations.h"

namespace peertrust::service {

namespace {

std::string trim(std::string_view text) {
    auto begin = text.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) {
        return {};
    }
    auto end = text.find_last_not_of(" \t\r");
    return std::string(text.substr(begin, end - begin + 1));
}

// "NAME FAMILY POLICY", separated by blanks. The names are checked against the store's
// protocols when the daemon starts.
Result<ProtocolAddRequest> parseConfiguredProtocol(const std::string& value) {
    std::istringstream words(value);
    std::string name, family, policy, extra;
    if (!(words >> name >> family >> policy) || (words >> extra)) {
        return invalidInput("protocol must be \"NAME FAMILY tofu|ca-only\"");
    }
    PEERTRUST_TRY_ASSIGN(ProtocolPolicy parsed, parseProtocolPolicy(policy));
    return ProtocolAddRequest{name, family, parsed};
}

Result<void> setOption(DaemonConfig& config, const std::string& key, const std::string& value,
                       const std::string& origin) {
    if (key == "protocol") {
        PEERTRUST_TRY_ASSIGN(ProtocolAddRequest request, parseConfiguredProtocol(value));
        config.protocols.push_back({std::move(request), origin});
    } else if (key == "admin_group") {
        if (value.empty()) {
            return invalidInput("admin_group may not be empty");
        }
        config.adminGroup = value;
    } else if (key == "system_db") {
        if (value.empty() || value.front() != '/') {
            return invalidInput("system_db must be an absolute path");
        }
        config.systemStore = value;
    } else if (key == "workers") {
        std::size_t workers = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), workers);
        if (ec != std::errc() || end != value.data() + value.size() || workers < 1 ||
            workers > 64) {
            return invalidInput("workers must be a number from 1 to 64");
        }
        config.workers = workers;
    } else if (key == "verdict_cache") {
        if (value != "yes" && value != "no") {
            return invalidInput("verdict_cache must be yes or no");
        }
        config.verdictCache = value == "yes";
    } else if (key == "log_level") {
        PEERTRUST_TRY_ASSIGN(config.logLevel, parseLogLevel(value));
    } else if (key == "keys_socket" || key == "keys_dir" || key == "key_backend_module" ||
               key == "key_backend_pin_file") {
        if (value.empty() || value.front() != '/') {
            return invalidInput(key + " must be an absolute path");
        }
        std::filesystem::path path = value;
        config.keys = config.keys || key == "keys_socket";
        (key == "keys_socket"          ? config.keysSocket
         : key == "keys_dir"           ? config.keysDir
         : key == "key_backend_module" ? config.keyBackendModule
                                       : config.keyBackendPinFile) = path;
    } else if (key == "pem_bundle") {
        if (value.empty() || value.front() != '/') {
            return invalidInput("pem_bundle must be an absolute path");
        }
        config.pemBundle = value;
    } else if (key == "pem_bundle_purpose") {
        auto purpose = policy::purposeForBundle(value);
        if (!purpose) {
            return invalidInput("pem_bundle_purpose: " + purpose.error().message());
        }
        config.pemBundlePurpose = value;
    } else if (key == "keys") {
        if (value != "yes" && value != "no") {
            return invalidInput("keys must be yes or no");
        }
        config.keys = value == "yes";
    } else if (key == "key_backend_token") {
        if (value.empty() || value.size() > 32) {
            return invalidInput("key_backend_token must be a token label of 1 to 32 bytes");
        }
        config.keyBackendToken = value;
    } else {
        return invalidInput("unknown option \"" + key + "\"");
    }
    return {};
}

// The flags that set a file key, applied after the file. --config and --db are the other two
// flags that take a value.
constexpr std::pair<std::string_view, const char*> kFlagKeys[] = {
    {"--system-db", "system_db"},
    {"--admin-group", "admin_group"},
    {"--workers", "workers"},
    {"--log-level", "log_level"},
    {"--verdict-cache", "verdict_cache"},
    {"--keys-socket", "keys_socket"},
    {"--pem-bundle", "pem_bundle"},
    {"--pem-bundle-purpose", "pem_bundle_purpose"},
    {"--keys-dir", "keys_dir"},
    {"--key-backend-module", "key_backend_module"},
    {"--key-backend-token", "key_backend_token"},
    {"--key-backend-pin-file", "key_backend_pin_file"},
    {"--protocol", "protocol"}};

// A key backend other than the default SoftHSM2 token is named whole: module, token and PIN.
Result<void> checkKeyBackend(const DaemonConfig& config, const std::string& source) {
    if (config.keyBackendModule && (config.keyBackendToken.empty() || !config.keyBackendPinFile)) {
        return invalidInput(source +
                            ": key_backend_module needs key_backend_token and "
                            "key_backend_pin_file");
    }
    return {};
}

// `named`: given with --config. Only the default file may be absent (the defaults then); one
// that is named but missing, or there but unreadable, would silently drop its settings.
Result<void> readFile(DaemonConfig& config, bool named) {
    std::error_code ec;
    if (!named && !std::filesystem::exists(config.configPath, ec) && !ec) {
        return {};
    }
    // A directory opens as a stream that reads nothing: the defaults, silently.
    if (std::filesystem::is_directory(config.configPath, ec)) {
        return invalidInput("cannot read the configuration " + config.configPath.string() +
                            ": it is a directory");
    }
    std::ifstream in(config.configPath);
    if (!in) {
        return invalidInput("cannot read the configuration " + config.configPath.string() + ": " +
                            std::strerror(errno));
    }
    PEERTRUST_TRY(readDaemonConfig(in, config.configPath.string(), config));
    if (in.bad()) {
        // A read error part-way: what came before it is not the whole configuration.
        return invalidInput("cannot read the configuration " + config.configPath.string() + ": " +
                            std::strerror(errno));
    }
    return {};
}

}  // namespace

Result<void> readDaemonConfig(std::istream& in, const std::string& source, DaemonConfig& config) {
    std::string line;
    int number = 0;
    // Every key but "protocol" holds one value: a second line for it, further down, would
    // quietly override the first (an admin_group, say), so it is an error, naming both lines.
    std::map<std::string, int> seen;
    while (std::getline(in, line)) {
        ++number;
        std::string text = trim(line);
        if (text.empty() || text.front() == '#') {
            continue;
        }
        auto where = [&](const std::string& why) {
            return invalidInput(source + ":" + std::to_string(number) + ": " + why);
        };
        auto equals = text.find('=');
        if (equals == std::string::npos) {
            return where("expected \"key = value\"");
        }
        const std::string key = trim(text.substr(0, equals));
        if (key != "protocol") {
            if (auto [first, added] = seen.emplace(key, number); !added) {
                return where("\"" + key + "\" is already set on line " +
                             std::to_string(first->second));
            }
        }
        auto set = setOption(config, key, trim(text.substr(equals + 1)),
                             source + ":" + std::to_string(number));
        if (!set) {
            return where(set.error().message());
        }
    }
    return {};
}

std::filesystem::path DaemonConfig::writableStore() const {
    if (db) {
        return *db;
    }
    if (mode == BusMode::System) {
        return systemStore;
    }
    return store::defaultUserStore();
}

std::filesystem::path DaemonConfig::keysDirectory() const {
    return keysDir ? *keysDir : writableStore().parent_path() / "keys";
}

std::filesystem::path DaemonConfig::keysSocketPath() const {
    if (keysSocket) {
        return *keysSocket;
    }
    if (mode == BusMode::System) {
        return "/run/peertrust/keys.sock";
    }
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    std::filesystem::path base =
        runtime != nullptr && runtime[0] == '/'
            ? std::filesystem::path(runtime)
            : std::filesystem::path("/run/user") / std::to_string(::getuid());
    return base / "peertrust" / "keys.sock";
}

std::string daemonUsage() {
    return "usage: peertrustd [--session | --system] [--config FILE] [--db PATH]\n"
           "                  [--system-db PATH] [--admin-group GROUP] [--workers N]\n"
           "                  [--log-level error|warning|info|debug] [--verdict-cache yes|no]\n"
           "                  [--keys] [--keys-socket PATH] [--keys-dir DIR]\n"
           "                  [--key-backend-module SO --key-backend-token LABEL\n"
           "                   --key-backend-pin-file FILE]\n"
           "                  [--pem-bundle FILE [--pem-bundle-purpose PURPOSE]]\n"
           "                  [--protocol \"NAME FAMILY tofu|ca-only\"]...\n"
           "  --session       serve one user on the session bus (default): the user's store in\n"
           "                  $XDG_DATA_HOME/peertrust/, the system store read-only below it\n"
           "  --system        serve the machine on the system bus: the system store, written\n"
           "                  only by root and the admin group\n"
           "  --config FILE   configuration file (default /etc/peertrust/peertrustd.conf;\n"
           "                  keys: admin_group, system_db, workers, log_level,\n"
           "                  verdict_cache)\n"
           "  --db PATH       the store this daemon writes, instead of the default\n"
           "  --system-db PATH  the system store (default /var/lib/peertrust/system.db)\n"
           "  --log-level L   what goes to standard error (the journal under systemd):\n"
           "                  error, warning, info (default: start, stop, files kept up to\n"
           "                  date) or debug (also each Verify answered, naming its peer)\n"
           "  --keys          run the key layer: the key gateway (p11-kit RPC) on\n"
           "                  /run/peertrust/keys.sock (system) or\n"
           "                  $XDG_RUNTIME_DIR/peertrust/keys.sock (session)\n"
           "  --keys-socket PATH  run the key layer with its gateway on this Unix socket\n"
           "  --keys-dir DIR  the key layer's state: keys.db and the default SoftHSM2 token\n"
           "                  (default: keys/ beside the store)\n"
           "  --key-backend-module SO, --key-backend-token LABEL, --key-backend-pin-file FILE\n"
           "                  a PKCS#11 module and token for the keys instead of SoftHSM2\n"
           "                  (all three; file keys: keys, keys_socket, keys_dir,\n"
           "                  key_backend_module, key_backend_token, key_backend_pin_file)\n"
           "  --pem-bundle FILE  keep FILE equal to `peertrust anchor export`\n"
           "  --pem-bundle-purpose PURPOSE  for that file only: server-auth, client-auth,\n"
           "                  email or code-signing (file keys: pem_bundle, pem_bundle_purpose)\n"
           "  A session daemon leaves the file's pem_bundle and key layer settings to the system\n"
           "  daemon: it writes a bundle or runs a key layer only when its flags say so.\n"
           "  --protocol \"NAME FAMILY tofu|ca-only\"  a protocol to add at start to the store\n"
           "                  this daemon writes, as `peertrust protocol add` would (file key:\n"
           "                  protocol, once per protocol)\n";
}

Result<DaemonConfig> loadDaemonConfig(const std::vector<std::string>& arguments) {
    DaemonConfig config;
    // Flags win over the file, so the file is read first; --config says which file.
    std::vector<std::pair<std::string, std::string>> flags;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& word = arguments[i];
        if (word == "--help" || word == "-h") {
            config.helpRequested = true;
            return config;
        }
        if (word == "--session" || word == "--system" || word == "--keys") {
            flags.emplace_back(word, "");
            continue;
        }
        bool known = false;
        for (std::string_view flag : {"--config", "--db"}) {
            known = known || word == flag;
        }
        for (const auto& [flag, key] : kFlagKeys) {
            known = known || word == flag;
        }
        if (known) {
            if (i + 1 >= arguments.size()) {
                return usageError(word + " needs a value");
            }
            flags.emplace_back(word, arguments[++i]);
        } else {
            return usageError("unknown option \"" + word + "\"\n" + daemonUsage());
        }
    }
    bool session = false;
    bool system = false;
    bool named = false;
    for (const auto& [flag, value] : flags) {
        if (flag == "--config") {
            config.configPath = value;
            named = true;
        }
        session = session || flag == "--session";
        system = system || flag == "--system";
    }
    if (session && system) {
        return usageError("give --session or --system, not both");
    }
    config.mode = system ? BusMode::System : BusMode::Session;
    PEERTRUST_TRY(readFile(config, named));
    // Checked as the file says it, even where a session leaves it to the system daemon.
    PEERTRUST_TRY(checkKeyBackend(config, config.configPath.string()));
    if (config.mode == BusMode::Session) {
        // A configuration file's pem_bundle is the machine's bundle, the system daemon's to
        // write: a session daemon would put its own user's anchors and distrust in it. A
        // session writes a bundle only when its command line says --pem-bundle.
        config.pemBundle.reset();
        config.pemBundlePurpose.clear();
        // Likewise the key layer of the file is the machine's: its socket, its token and a
        // PIN file only root reads. Every user's session daemon starting it would fail (and
        // Verify with it), or give each user a token of their own nobody asked for. A session
        // runs a key layer only when its command line says --keys or --keys-socket.
        config.keys = false;
        config.keysSocket.reset();
        config.keysDir.reset();
        config.keyBackendModule.reset();
        config.keyBackendToken.clear();
        config.keyBackendPinFile.reset();
    }
    for (const auto& [flag, value] : flags) {
        Result<void> set;
        if (flag == "--db") {
            config.db = value;
        } else if (flag == "--keys") {
            config.keys = true;
        }
        for (const auto& [name, key] : kFlagKeys) {
            if (flag == name) {
                set = setOption(config, key, value, flag);
            }
        }
        if (!set) {
            return usageError(flag + ": " + set.error().message());
        }
    }
    PEERTRUST_TRY(checkKeyBackend(config, "the command line"));
    return config;
}

}  // namespace peertrust::service
