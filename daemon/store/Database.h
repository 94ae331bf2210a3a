// Owning wrappers for an SQLite connection and its prepared statements.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "peertrust/Error.h"

namespace peertrust::store {

struct ConnectionDeleter {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementDeleter {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using UniqueConnection = std::unique_ptr<sqlite3, ConnectionDeleter>;
using UniqueStatement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// A prepared statement borrowed from the connection's cache; reset on destruction so the
// next user finds it clean.
namespace detail {
// What Statement::collect gathers from a reader that returns T or Result<T>.
template <typename T>
struct RowOf {
    using type = T;
    static constexpr bool fallible = false;
};
template <typename T>
struct RowOf<Result<T>> {
    using type = T;
    static constexpr bool fallible = true;
};
}  // namespace detail

class Statement {
public:
    Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept : m_db(other.m_db), m_stmt(other.m_stmt) {
        other.m_stmt = nullptr;
    }
    ~Statement();

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::span<const std::uint8_t> blob);
    Statement& bind(int index, std::int64_t value);
    Statement& bindNull(int index);
    Statement& bind(int index, const std::optional<std::int64_t>& value);

    // Steps once: true when a row is available, false when done.
    Result<bool> step();
    Result<void> run();  // steps to completion, for statements without rows
    void reset();        // ready to bind and run again

    std::string text(int column) const;
    std::span<const std::uint8_t> blob(int column) const;
    std::int64_t integer(int column) const;
    bool isNull(int column) const;
    // A fixed-size blob column (a digest, a salt); a shorter stored value is zero-filled.
    template <std::size_t N>
    std::array<std::uint8_t, N> bytes(int column) const {
        std::array<std::uint8_t, N> out{};
        auto stored = blob(column);
        std::copy_n(stored.begin(), std::min(stored.size(), N), out.begin());
        return out;
    }

    // Steps through every remaining row, each made by `read(*this)`, which returns the row or
    // a Result of it (then its error ends the reading).
    template <typename Read>
    auto collect(Read read) {
        using Made = decltype(read(*this));
        using Row = typename detail::RowOf<Made>::type;
        Result<std::vector<Row>> rows{std::vector<Row>{}};
        while (true) {
            auto more = step();
            if (!more) {
                return Result<std::vector<Row>>(more.error());
            }
            if (!*more) {
                return rows;
            }
            if constexpr (detail::RowOf<Made>::fallible) {
                Made row = read(*this);
                if (!row) {
                    return Result<std::vector<Row>>(row.error());
                }
                rows->push_back(std::move(row).value());
            } else {
                rows->push_back(read(*this));
            }
        }
    }

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt;
};

enum class OpenMode { ReadOnly, ReadWrite };

class Database {
public:
    // Opens the file; ReadWrite creates it. Sets WAL, foreign keys and synchronous=FULL on
    // writable connections. Does not touch the schema.
    static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path, OpenMode mode);

    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Result<void> exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);  // cached per SQL text
    // Runs one statement that writes as its own durable transaction, or as part of the
    // caller's open Transaction; the rows it changed.
    Result<int> writeOne(Statement& stmt);
    // Deletes the row `id` of `table` (one of our table names, never input) as its own
    // durable transaction; whether there was such a row.
    Result<bool> removeRow(std::string_view table, const std::string& id);

    // Keeps one read snapshot across statements for up to `maxAge`: starting a read
    // transaction per statement costs more than the lookup itself. Writes end it first
    // (Transaction::begin); so does releaseReadSnapshot(), which an idle owner must call so
    // that checkpoints are not held back.
    // True when a new snapshot began (only then can another process's commits show).
    Result<bool> holdReadSnapshot(std::chrono::steady_clock::duration maxAge);
    void releaseReadSnapshot();
    Result<std::int64_t> queryInt(std::string_view sql);

    // For the connection that writes: passive checkpoints after commits, as SQLite's own, and
    // a size the WAL file is cut back to when it starts over.
    Result<void> boundWriteAheadLog();
    // Waits briefly for readers so that a WAL that passive checkpoints could not empty starts
    // over (see Database.cpp). Call after a write, with this process's read snapshots released.
    void restartLongWriteAheadLog();

    Result<std::int64_t> userVersion() { return queryInt("PRAGMA user_version"); }
    // Whether the file has `table`, as of open() or the last refreshTables(). A reader may
    // open a store its owner has not migrated yet (a session daemon reading the system store
    // after an upgrade), whose tables of later schemas read as empty.
    bool hasTable(std::string_view table) const { return m_tables.count(table) > 0; }
    Result<void> refreshTables();
    // Changes when another connection commits (PRAGMA data_version).
    Result<std::int64_t> dataVersion() { return queryInt("PRAGMA data_version"); }

    OpenMode mode() const { return m_mode; }
    const std::filesystem::path& path() const { return m_path; }
    sqlite3* handle() const { return m_db.get(); }

    Error errorFrom(int rc, std::string_view what) const;

    // Only open() makes a Database: the constructor is public for make_unique, its key is not.
    class Key {
        friend class Database;
        Key() = default;
    };
    Database(Key, UniqueConnection db, std::filesystem::path path, OpenMode mode)
        : m_db(std::move(db)), m_path(std::move(path)), m_mode(mode) {}

private:
    UniqueConnection m_db;
    std::filesystem::path m_path;
    OpenMode m_mode;
    std::unordered_map<std::string, UniqueStatement> m_statements;
    std::set<std::string, std::less<>> m_tables;
    std::optional<std::chrono::steady_clock::time_point> m_snapshotSince;
    int m_walFrames = 0;     // in the WAL after the last commit
    int m_walRestartAt = 0;  // WAL frames at which to wait for readers next

    static int afterWalCommit(void* self, sqlite3* db, const char* schema, int frames);
};

// Ids in `table` (one of ours, never user text) that start with `prefix`; at most `limit`.
Result<std::vector<std::string>> findIdsByPrefix(Database& db, std::string_view table,
                                                 std::string_view prefix, int limit = 2);

// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed.
class Transaction {
public:
    static Result<Transaction> begin(Database& db);
    Transaction(Transaction&& other) noexcept : m_db(other.m_db) { other.m_db = nullptr; }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    Result<void> commit();

private:
    explicit Transaction(Database& db) : m_db(&db) {}
    Database* m_db;
};

}  // namespace peertrust::store
