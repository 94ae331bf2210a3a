// Where the trust module finds the stores: p11-kit's "x-init-reserved" module option (handed
// to C_Initialize as pReserved), e.g. "system-db=/var/lib/peertrust/system.db", then the
// environment (PEERTRUST_SYSTEM_DB, PEERTRUST_USER_DB), then the defaults every peertrust
// program uses.
#pragma once

#include <filesystem>
#include <string_view>

#include "peertrust/Error.h"

namespace peertrust::trustmodule {

struct ModuleOptions {
    std::filesystem::path systemStore;
    std::filesystem::path userStore;
};

// `reserved` holds whitespace-separated key=value words. Words of other programs are ignored
// (p11-kit's trust tool adds "verbose=yes"); a malformed value of ours is refused.
Result<ModuleOptions> moduleOptions(std::string_view reserved);

}  // namespace peertrust::trustmodule
