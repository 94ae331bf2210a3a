#include "keys/KeyLayer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "keys/SoftHsmToken.h"
#include "os/FileMode.h"
#include "os/UniqueFd.h"

namespace peertrust::keys {
namespace {

// The PIN file is read as OpenSSH reads a private key: a file that another user could read or
// replace is refused, since the PIN opens every key on the token.
Result<std::string> readPinFile(const std::filesystem::path& path) {
    const std::string cannotRead = "cannot read the key backend's PIN from " + path.string();
    // O_NONBLOCK: a FIFO put there is refused below rather than hanging start-up.
    os::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    struct stat status {};
    if (!fd || ::fstat(fd.get(), &status) != 0) {
        return unavailable(cannotRead + ": " + std::strerror(errno));
    }
    if (!S_ISREG(status.st_mode)) {
        return unavailable("the key backend's PIN file " + path.string() +
                           " is not a regular file");
    }
    if (status.st_uid != ::geteuid() && status.st_uid != 0) {
        return unavailable("the key backend's PIN file " + path.string() +
                           " belongs to another user (uid " + std::to_string(status.st_uid) +
                           "); it must belong to the daemon's user or root");
    }
    if ((status.st_mode & 077) != 0) {
        return unavailable("the key backend's PIN file " + path.string() + " has mode " +
                           os::octalMode(status.st_mode) +
                           ", so other users may read it; make it private (chmod 600 " +
                           path.string() + ")");
    }
    std::string content;
    char buffer[256];
    ssize_t got = 0;
    while (content.size() < 4096 && (got = ::read(fd.get(), buffer, sizeof buffer)) > 0) {
        content.append(buffer, static_cast<std::size_t>(got));
    }
    if (got < 0) {
        return unavailable(cannotRead + ": " + std::strerror(errno));
    }
    std::string pin = content.substr(0, content.find('\n'));
    if (pin.empty()) {
        return unavailable(cannotRead + ": its first line is empty");
    }
    return pin;
}

Result<BackendConfig> backendConfig(const KeyLayerConfig& config) {
    if (!config.backendModule) {
        return provisionSoftHsm(config.stateDir / "softhsm");
    }
    PEERTRUST_TRY_ASSIGN(std::string pin, readPinFile(*config.backendPinFile));
    return BackendConfig{*config.backendModule, config.backendToken, std::move(pin)};
}

}  // namespace

Result<std::unique_ptr<KeyLayer>> KeyLayer::start(const KeyLayerConfig& config) {
    std::error_code ec;
    std::filesystem::create_directories(config.stateDir, ec);
    if (ec) {
        return unavailable("cannot create the key layer's directory " + config.stateDir.string() +
                           ": " + ec.message());
    }
    ::chmod(config.stateDir.c_str(), 0700);
    auto layer = std::make_unique<KeyLayer>();
    PEERTRUST_TRY_ASSIGN(BackendConfig backend, backendConfig(config));
    PEERTRUST_TRY_ASSIGN(layer->m_backend, KeyBackend::open(backend));
    PEERTRUST_TRY_ASSIGN(layer->m_registry, KeyRegistry::open(config.stateDir / "keys.db"));
    layer->m_audit = std::make_unique<AuditLog>(*layer->m_registry, config.reportAuditFailure);
    layer->m_administration =
        std::make_unique<KeyAdministration>(*layer->m_registry, *layer->m_backend, *layer->m_audit);
    PEERTRUST_TRY_ASSIGN(layer->m_gateway,
                         KeyGateway::listen(config.socket, {*layer->m_registry, *layer->m_backend,
                                                            *layer->m_audit}));
    return layer;
}

KeyLayer::~KeyLayer() {
    // Connections end first, so no operation runs while the audit is written and the backend
    // closes.
    m_gateway.reset();
    m_administration.reset();
    m_audit.reset();
    m_registry.reset();
    m_backend.reset();
}

}  // namespace peertrust::keys
