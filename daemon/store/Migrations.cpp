#include "store/Migrations.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

namespace peertrust::store {

namespace {

Result<int> readVersion(Database& db) {
    // Reading sqlite_master first turns "not a database" into an error here, before any write.
    PEERTRUST_TRY_ASSIGN(std::int64_t tables, db.queryInt("SELECT count(*) FROM sqlite_master"));
    PEERTRUST_TRY_ASSIGN(std::int64_t version, db.userVersion());
    if (version == 0 && tables != 0) {
        return unavailable(db.path().string() +
                           ": this SQLite file is not a peertrust store (it has tables but no "
                           "peertrust schema version)");
    }
    return static_cast<int>(version);
}

Error newerSchema(const std::filesystem::path& path, int version, int latest) {
    return unavailable(path.string() + ": the store has schema version " + std::to_string(version) +
                       " but this peertrust knows only up to " + std::to_string(latest) +
                       "; it was written by a newer peertrust and is left unchanged");
}

// Makes a rename or a new file in `file`'s directory durable.
bool syncDirectory(const std::filesystem::path& file) {
    const std::filesystem::path directory =
        file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
}

Result<void> backUp(Database& db, int version) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    std::string target =
        db.path().string() + ".backup-v" + std::to_string(version) + "-" + std::to_string(now);
    PEERTRUST_TRY_ASSIGN(Statement stmt, db.prepare("VACUUM INTO ?1"));
    stmt.bind(1, target);
    auto done = stmt.run();
    if (!done) {
        return done.error().withContext("cannot copy the store aside before migrating it to " +
                                        target);
    }
    // VACUUM INTO creates the copy 0644 and writes it without a sync: the copy of a user's
    // store (every peer they pinned) must be as private as the store, and must be on disk
    // before the migration that it is the way back from.
    struct stat source {};
    const mode_t mode = ::stat(db.path().c_str(), &source) == 0 ? (source.st_mode & 0777) : 0600;
    const int fd = ::open(target.c_str(), O_RDONLY | O_CLOEXEC);
    const bool kept = fd >= 0 && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
    if (fd >= 0) {
        ::close(fd);
    }
    if (!kept || !syncDirectory(db.path())) {
        return unavailable("cannot keep the copy " + target +
                           " of the store before migrating it: " + std::strerror(errno));
    }
    return {};
}

Result<void> configureWriter(Database& db) {
    PEERTRUST_TRY(db.exec("PRAGMA journal_mode = WAL"));
    PEERTRUST_TRY(db.exec("PRAGMA synchronous = FULL"));
    PEERTRUST_TRY(db.boundWriteAheadLog());
    // Keep -wal and -shm after the last writer closes: without them a reader that may not
    // create files (an unprivileged user on the system store) cannot open a WAL database.
    int persist = 1;
    sqlite3_file_control(db.handle(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    return {};
}

void setAccess(const std::filesystem::path& path, FileAccess access) {
    mode_t mode = access == FileAccess::Public ? 0644 : 0600;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::string file = path.string() + suffix;
        ::chmod(file.c_str(), mode);
    }
}

}  // namespace

int latestSchemaVersion() {
    return schemaMigrations().back().version;
}

Result<std::unique_ptr<Database>> openStoreForWriting(const std::filesystem::path& path,
                                                      FileAccess access,
                                                      const std::vector<Migration>& migrations) {
    const int latest = migrations.back().version;
    std::error_code ec;
    bool existed = std::filesystem::exists(path, ec);
    int version = 0;
    if (existed) {
        // Look before writing anything: even switching to WAL rewrites the header.
        PEERTRUST_TRY_ASSIGN(auto reader, Database::open(path, OpenMode::ReadOnly));
        PEERTRUST_TRY_ASSIGN(version, readVersion(*reader));
        if (version > latest) {
            return newerSchema(path, version, latest);
        }
    } else if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), ec);
    }

    PEERTRUST_TRY_ASSIGN(auto db, Database::open(path, OpenMode::ReadWrite));
    if (version > 0 && version < latest) {
        PEERTRUST_TRY(backUp(*db, version));
    }
    PEERTRUST_TRY(configureWriter(*db));
    setAccess(path, access);

    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(*db));
    // Another process may have migrated between our look and our lock.
    PEERTRUST_TRY_ASSIGN(version, readVersion(*db));
    if (version > latest) {
        return newerSchema(path, version, latest);
    }
    for (const Migration& migration : migrations) {
        if (migration.version <= version) {
            continue;
        }
        auto applied = db->exec(migration.sql);
        if (!applied) {
            return applied.error().withContext(std::string("migration ") + migration.name);
        }
        PEERTRUST_TRY(db->exec("PRAGMA user_version = " + std::to_string(migration.version)));
    }
    PEERTRUST_TRY(tx.commit());
    PEERTRUST_TRY(db->refreshTables());
    return db;
}

Result<std::unique_ptr<Database>> openStoreForReading(const std::filesystem::path& path,
                                                      const std::vector<Migration>& migrations) {
    const int latest = migrations.back().version;
    PEERTRUST_TRY_ASSIGN(auto db, Database::open(path, OpenMode::ReadOnly));
    PEERTRUST_TRY_ASSIGN(int version, readVersion(*db));
    if (version > latest) {
        return newerSchema(path, version, latest);
    }
    // An older schema is read as it is until its owner migrates it: every migration so far
    // only adds tables, and a table a store lacks holds nothing in it (Database::hasTable).
    if (version < 1) {
        return unavailable(path.string() + ": the store has no schema yet and needs creating " +
                           "by a process that may write it (the daemon that owns it)");
    }
    return db;
}

}  // namespace peertrust::store
