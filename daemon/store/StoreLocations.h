// Where the stores live by default, for every program that opens them (the daemon, the CLI's
// direct mode, the PKCS#11 trust module).
#pragma once

#include <filesystem>

namespace peertrust::store {

inline constexpr const char* kDefaultSystemStore = "/var/lib/peertrust/system.db";

// $XDG_DATA_HOME/peertrust/user.db, falling back to ~/.local/share as the XDG spec says.
std::filesystem::path defaultUserStore();

}  // namespace peertrust::store
