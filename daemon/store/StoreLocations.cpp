#include "store/StoreLocations.h"

#include <cstdlib>

namespace peertrust::store {

std::filesystem::path defaultUserStore() {
    const char* dataHome = std::getenv("XDG_DATA_HOME");
    std::filesystem::path base;
    if (dataHome != nullptr && dataHome[0] == '/') {
        base = dataHome;
    } else {
        const char* home = std::getenv("HOME");
        base = std::filesystem::path(home != nullptr ? home : "/") / ".local/share";
    }
    return base / "peertrust" / "user.db";
}

}  // namespace peertrust::store
