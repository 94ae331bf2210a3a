#include "store/Database.h"

namespace peertrust::store {

namespace {

// How long a statement waits for another process's lock before it fails as Unavailable.
constexpr int kBusyTimeoutMs = 5000;

// SQLite's own threshold for a passive checkpoint after a commit, in WAL frames (pages).
constexpr int kPassiveCheckpointFrames = 1000;
// A WAL this long means passive checkpoints are not catching up: wait for readers.
constexpr int kRestartFrames = 2000;
// Readers hold a snapshot for milliseconds under load (readSnapshotAge); an idle one that
// holds on longer is not waited for, and the next attempt comes this many frames later.
constexpr int kRestartWaitMs = 25;
constexpr int kRestartRetryFrames = 1000;
// What the WAL file is cut back to once it starts over (the default keeps its peak size).
constexpr int kWalSizeLimitBytes = 4 * 1024 * 1024;

}  // namespace

Statement::~Statement() {
    if (m_stmt != nullptr) {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, std::span<const std::uint8_t> blob) {
    // A zero-length blob must still be a blob, not NULL: SQLite needs a non-null pointer.
    static const std::uint8_t empty = 0;
    sqlite3_bind_blob(m_stmt, index, blob.empty() ? &empty : blob.data(),
                      static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bindNull(index);
}

Result<bool> Statement::step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    std::string message = sqlite3_errmsg(m_db);
    int primary = rc & 0xff;
    if (primary == SQLITE_CONSTRAINT) {
        return conflict("store constraint violated: " + message);
    }
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
        return unavailable("store is damaged: " + message);
    }
    return unavailable("store query failed: " + message);
}

Result<void> Statement::run() {
    while (true) {
        PEERTRUST_TRY_ASSIGN(bool row, step());
        if (!row) {
            return {};
        }
    }
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(m_stmt, column);
    int size = sqlite3_column_bytes(m_stmt, column);
    return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
}

std::span<const std::uint8_t> Statement::blob(int column) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, column));
    int size = sqlite3_column_bytes(m_stmt, column);
    return data == nullptr ? std::span<const std::uint8_t>() : std::span(data, size);
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path, OpenMode mode) {
    // The engine serialises access to a connection itself, so SQLite's own mutex is not needed.
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    flags |= mode == OpenMode::ReadOnly ? SQLITE_OPEN_READONLY
                                        : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    std::string uri = "file:";
    // Percent-encode what the URI syntax reserves, so any path opens as itself.
    for (char c : path.string()) {
        if (c == '%' || c == '?' || c == '#') {
            static const char* hex = "0123456789ABCDEF";
            uri += '%';
            uri += hex[(c >> 4) & 0xf];
            uri += hex[c & 0xf];
        } else {
            uri += c;
        }
    }
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(uri.c_str(), &raw, flags, nullptr);
    UniqueConnection db(raw);
    if (rc != SQLITE_OK) {
        std::string reason = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
        if (mode == OpenMode::ReadOnly && !std::filesystem::exists(path)) {
            return notFound(path.string() + ": store does not exist");
        }
        return unavailable(path.string() + ": cannot open store: " + reason);
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    auto result = std::make_unique<Database>(Key(), std::move(db), path, mode);
    PEERTRUST_TRY(result->exec("PRAGMA foreign_keys = ON"));
    // Reads through a memory map skip a read() per page: a pin lookup among a million pins
    // stays in single-digit microseconds. The map is the OS page cache, shared, not a copy.
    PEERTRUST_TRY(result->exec("PRAGMA mmap_size = 1073741824"));
    PEERTRUST_TRY(result->refreshTables());
    return result;
}

Result<void> Database::refreshTables() {
    PEERTRUST_TRY_ASSIGN(Statement stmt,
                         prepare("SELECT name FROM sqlite_schema WHERE type = 'table'"));
    PEERTRUST_TRY_ASSIGN(auto names,
                         stmt.collect([](const Statement& row) { return row.text(0); }));
    m_tables = std::set<std::string, std::less<>>(names.begin(), names.end());
    return {};
}

Error Database::errorFrom(int rc, std::string_view what) const {
    std::string message = m_path.string() + ": " + std::string(what) + ": ";
    message += sqlite3_errmsg(m_db.get());
    int primary = rc & 0xff;
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
        return unavailable(message + " (the file is not a peertrust store or is damaged)");
    }
    if (primary == SQLITE_CONSTRAINT) {
        return conflict(message);
    }
    return unavailable(message);
}

Result<void> Database::exec(std::string_view sql) {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) {
        return errorFrom(rc, "statement failed");
    }
    return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
    std::string key(sql);
    auto found = m_statements.find(key);
    if (found == m_statements.end()) {
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v3(m_db.get(), key.data(), static_cast<int>(key.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
        UniqueStatement stmt(raw);
        if (rc != SQLITE_OK) {
            return errorFrom(rc, "cannot prepare query");
        }
        found = m_statements.emplace(std::move(key), std::move(stmt)).first;
    }
    return Statement(m_db.get(), found->second.get());
}

Result<int> Database::writeOne(Statement& stmt) {
    if (!m_snapshotSince && sqlite3_get_autocommit(m_db.get()) == 0) {
        // Inside the caller's Transaction (a held read snapshot is the other open
        // transaction there can be), which commits this with the rest.
        PEERTRUST_TRY(stmt.run());
        int changed = sqlite3_changes(m_db.get());
        stmt.reset();
        return changed;
    }
    PEERTRUST_TRY_ASSIGN(Transaction tx, Transaction::begin(*this));
    PEERTRUST_TRY(stmt.run());
    int changed = sqlite3_changes(m_db.get());
    stmt.reset();
    PEERTRUST_TRY(tx.commit());
    return changed;
}

Result<bool> Database::removeRow(std::string_view table, const std::string& id) {
    PEERTRUST_TRY_ASSIGN(Statement stmt,
                         prepare("DELETE FROM " + std::string(table) + " WHERE id = ?1"));
    stmt.bind(1, id);
    PEERTRUST_TRY_ASSIGN(int changed, writeOne(stmt));
    return changed > 0;
}

Result<bool> Database::holdReadSnapshot(std::chrono::steady_clock::duration maxAge) {
    auto now = std::chrono::steady_clock::now();
    if (m_snapshotSince && now - *m_snapshotSince < maxAge) {
        return false;
    }
    releaseReadSnapshot();
    // Deferred: the read lock is taken by the next statement and kept until released.
    PEERTRUST_TRY(exec("BEGIN DEFERRED"));
    m_snapshotSince = now;
    return true;
}

void Database::releaseReadSnapshot() {
    if (m_snapshotSince) {
        m_snapshotSince.reset();
        (void)exec("COMMIT");
    }
}

Result<void> Database::boundWriteAheadLog() {
    PEERTRUST_TRY(exec("PRAGMA journal_size_limit = " + std::to_string(kWalSizeLimitBytes)));
    m_walRestartAt = kRestartFrames;
    // In place of SQLite's automatic checkpoint (the same, and it counts the WAL's frames).
    sqlite3_wal_hook(m_db.get(), &Database::afterWalCommit, this);
    return {};
}

int Database::afterWalCommit(void* self, sqlite3* db, const char* schema, int frames) {
    static_cast<Database*>(self)->m_walFrames = frames;
    if (frames >= kPassiveCheckpointFrames) {
        (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    return SQLITE_OK;
}

// A passive checkpoint copies frames only up to the oldest reader's snapshot, and the WAL
// starts over only once every frame is copied. Readers that renew short snapshots without a
// gap (a daemon under steady Verify load) are always a commit behind, so under a stream of
// single commits the WAL never starts over and grows by every commit (30 MB after 1,500 pins
// in WalSizeTest). A RESTART checkpoint waits for the readers to move on to the latest
// snapshot, after which the WAL starts over; a reader that does not move on in time (one
// idle with its snapshot still open) is not waited for, and asked again later.
void Database::restartLongWriteAheadLog() {
    if (m_walRestartAt == 0 || m_walFrames < m_walRestartAt) {
        return;
    }
    sqlite3_busy_timeout(m_db.get(), kRestartWaitMs);
    int rc =
        sqlite3_wal_checkpoint_v2(m_db.get(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    sqlite3_busy_timeout(m_db.get(), kBusyTimeoutMs);
    if (rc == SQLITE_OK) {
        m_walFrames = 0;
        m_walRestartAt = kRestartFrames;
    } else {
        m_walRestartAt = m_walFrames + kRestartRetryFrames;
    }
}

Result<std::int64_t> Database::queryInt(std::string_view sql) {
    PEERTRUST_TRY_ASSIGN(Statement stmt, prepare(sql));
    PEERTRUST_TRY_ASSIGN(bool row, stmt.step());
    if (!row) {
        return internalError("query returned no row: " + std::string(sql));
    }
    return stmt.integer(0);
}

Result<std::vector<std::string>> findIdsByPrefix(Database& db, std::string_view table,
                                                 std::string_view prefix, int limit) {
    if (!db.hasTable(table)) {
        return std::vector<std::string>{};  // a store of an older schema
    }
    std::string sql = "SELECT id FROM " + std::string(table) +
                      " WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT ?2";
    PEERTRUST_TRY_ASSIGN(Statement stmt, db.prepare(sql));
    stmt.bind(1, prefix).bind(2, static_cast<std::int64_t>(limit));
    return stmt.collect([](const Statement& row) { return row.text(0); });
}

Result<Transaction> Transaction::begin(Database& db) {
    db.releaseReadSnapshot();
    PEERTRUST_TRY(db.exec("BEGIN IMMEDIATE"));
    return Transaction(db);
}

Transaction::~Transaction() {
    if (m_db != nullptr) {
        (void)m_db->exec("ROLLBACK");
    }
}

Result<void> Transaction::commit() {
    Database* db = m_db;
    m_db = nullptr;
    auto committed = db->exec("COMMIT");
    if (!committed) {
        (void)db->exec("ROLLBACK");
    }
    return committed;
}

}  // namespace peertrust::store
