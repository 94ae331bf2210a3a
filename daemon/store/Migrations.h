// Versioned schema migrations (schema/NNN_*.sql, embedded at build time) and the opening
// sequence that applies them: refuse newer stores untouched, back up before migrating.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "peertrust/Error.h"
#include "store/Database.h"

namespace peertrust::store {

struct Migration {
    int version;
    const char* name;
    const char* sql;
};

const std::vector<Migration>& schemaMigrations();     // generated from schema/
const std::vector<Migration>& keySchemaMigrations();  // generated from schema/keys/
int latestSchemaVersion();

// Who may read a store file: the system store is public, a user store private to its user.
enum class FileAccess { Public, Private };

// Opens a store for writing: creates it if missing, refuses a newer schema without touching
// the file, copies an older one aside (PATH.backup-vN-TIME) and migrates it in one transaction.
// `migrations` is the schema/ list; tests pass their own to exercise the sequence.
Result<std::unique_ptr<Database>> openStoreForWriting(
    const std::filesystem::path& path, FileAccess access,
    const std::vector<Migration>& migrations = schemaMigrations());

// Opens an existing store read-only: one of the current schema or an older one (read as it is;
// its owner migrates it), never a newer one.
Result<std::unique_ptr<Database>> openStoreForReading(
    const std::filesystem::path& path,
    const std::vector<Migration>& migrations = schemaMigrations());

}  // namespace peertrust::store
