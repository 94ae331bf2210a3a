// The default key backend: a SoftHSM2 token the daemon initialises on first start inside its
// own state directory, with its own SOFTHSM2_CONF and random PINs readable only by the daemon.
#pragma once

#include <filesystem>

#include "keys/KeyBackend.h"

namespace peertrust::keys {

inline constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";
inline constexpr const char* kSoftHsmTokenLabel = "peertrust";

// Creates (once) stateDir/softhsm2.conf, stateDir/tokens/ and stateDir/backend.pin (0600),
// points SOFTHSM2_CONF at the file for this process, initialises the token if it is not yet,
// and says how to open it.
Result<BackendConfig> provisionSoftHsm(const std::filesystem::path& stateDir,
                                       const std::filesystem::path& module = kSoftHsmModule);

}  // namespace peertrust::keys
