#include "keys/KeyLayer.h"

#include <sys/stat.h>

#include <fstream>

#include "keys/SoftHsmToken.h"

namespace peertrust::keys {
namespace {

Result<BackendConfig> backendConfig(const KeyLayerConfig& config) {
    if (!config.backendModule) {
        return provisionSoftHsm(config.stateDir / "softhsm");
    }
    std::ifstream in(*config.backendPinFile);
    BackendConfig backend{*config.backendModule, config.backendToken, {}};
    if (!in || !std::getline(in, backend.userPin) || backend.userPin.empty()) {
        return unavailable("cannot read the key backend's PIN from " +
                           config.backendPinFile->string());
    }
    return backend;
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
