// A file replaced whole or not at all: written beside its final name, synced, renamed over
// it. Readers (a program loading a CA bundle) never see half a file.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "peertrust/Error.h"

namespace peertrust::store {

Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                                 mode_t mode = 0644);

}  // namespace peertrust::store
