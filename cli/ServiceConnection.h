// Where the CLI's trust service comes from: the daemon over D-Bus, or with --db PATH a store
// file in process (for image building and recovery, when no daemon runs).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "peertrust/KeysClient.h"
#include "peertrust/TrustService.h"

namespace peertrust::cli {

struct ConnectionOptions {
    bool system = false;                  // --system: machine policy; default --session
    std::optional<std::string> db;        // --db PATH
    std::optional<std::string> systemDb;  // --system-db PATH (session mode with --db)
};

Result<std::unique_ptr<TrustService>> connectService(const ConnectionOptions& options);
// The key layer lives only in the daemon: --db has no meaning for it.
Result<std::unique_ptr<KeysClient>> connectKeys(const ConnectionOptions& options);

}  // namespace peertrust::cli
