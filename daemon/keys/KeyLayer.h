// The key layer as the daemon runs it: the backend token, keys.db, the audit writer, the RPC
// gateway and the administration, started together and stopped in the reverse order.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "keys/AuditLog.h"
#include "keys/KeyAdministration.h"
#include "keys/KeyBackend.h"
#include "keys/KeyGateway.h"
#include "keys/KeyRegistry.h"

namespace peertrust::keys {

struct KeyLayerConfig {
    std::filesystem::path stateDir;  // keys.db, and the default SoftHSM2 token in softhsm/
    std::filesystem::path socket;
    // Another PKCS#11 module instead of the default SoftHSM2 token: its token label and a
    // file whose first line is the user PIN.
    std::optional<std::filesystem::path> backendModule;
    std::string backendToken;
    std::optional<std::filesystem::path> backendPinFile;
    AuditFailureReport reportAuditFailure;  // the daemon's log
};

class KeyLayer {
public:
    static Result<std::unique_ptr<KeyLayer>> start(const KeyLayerConfig& config);
    ~KeyLayer();

    KeyAdministration& administration() { return *m_administration; }

    KeyLayer() = default;

private:
    std::unique_ptr<KeyBackend> m_backend;
    std::unique_ptr<KeyRegistry> m_registry;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<KeyAdministration> m_administration;
    std::unique_ptr<KeyGateway> m_gateway;
};

}  // namespace peertrust::keys
