#include "ModuleOptions.h"

#include <cstdlib>
#include <utility>

#include "store/StoreLocations.h"

namespace peertrust::trustmodule {

namespace {

// secure_getenv: a set-user-ID program that loads the module trusts the stores it was built
// to, not ones its invoking user names.
std::filesystem::path fromEnvironment(const char* name, std::filesystem::path fallback) {
    const char* value = secure_getenv(name);
    return value != nullptr && value[0] == '/' ? std::filesystem::path(value) : std::move(fallback);
}

}  // namespace

Result<ModuleOptions> moduleOptions(std::string_view reserved) {
    ModuleOptions options{fromEnvironment("PEERTRUST_SYSTEM_DB", store::kDefaultSystemStore),
                          fromEnvironment("PEERTRUST_USER_DB", store::defaultUserStore())};
    std::size_t pos = 0;
    while (pos < reserved.size()) {
        std::size_t start = reserved.find_first_not_of(" \t\n", pos);
        if (start == std::string_view::npos) {
            break;
        }
        std::size_t end = reserved.find_first_of(" \t\n", start);
        std::string_view word = reserved.substr(start, end - start);
        pos = end == std::string_view::npos ? reserved.size() : end;
        std::size_t eq = word.find('=');
        std::string_view key = word.substr(0, eq == std::string_view::npos ? word.size() : eq);
        if (key != "system-db" && key != "user-db") {
            continue;  // p11-kit's tools add their own words (trust adds "verbose=yes")
        }
        if (eq == std::string_view::npos || eq + 1 == word.size() || word[eq + 1] != '/') {
            return invalidInput("module option \"" + std::string(word) + "\" is not " +
                                std::string(key) + "=/absolute/path");
        }
        std::filesystem::path value(std::string(word.substr(eq + 1)));
        (key == "system-db" ? options.systemStore : options.userStore) = value;
    }
    return options;
}

}  // namespace peertrust::trustmodule
