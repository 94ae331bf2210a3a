#include "store/StoreLocations.h"

#include <cstdlib>

namespace peertrust::store {

std::filesystem::path defaultUserStore() {
    // secure_getenv: inside a set-user-ID program (this code is in the trust module, which any
    // program may load) the invoking user must not choose the store that program trusts.
    const char* dataHome = secure_getenv("XDG_DATA_HOME");
    std::filesystem::path base;
    if (dataHome != nullptr && dataHome[0] == '/') {
        base = dataHome;
    } else {
        const char* home = secure_getenv("HOME");
        base = std::filesystem::path(home != nullptr ? home : "/") / ".local/share";
    }
    return base / "peertrust" / "user.db";
}

}  // namespace peertrust::store
