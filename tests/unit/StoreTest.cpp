// The SQLite store: migrations, refusal of newer or foreign files, durability settings and
// file permissions of the two layers.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "store/Migrations.h"
#include "store/TrustStore.h"
#include "support/TempDir.h"

namespace peertrust::testing {
namespace {

using store::Migration;

std::unique_ptr<store::Database> mustOpen(const std::filesystem::path& path,
                                          const std::vector<Migration>& migrations) {
    auto db = store::openStoreForWriting(path, store::FileAccess::Private, migrations);
    if (!db) {
        ADD_FAILURE() << db.error().message();
        return nullptr;
    }
    return std::move(db).value();
}

TEST(StoreTest, NewStoreHasCurrentSchemaWalAndFullSync) {
    TempDir dir;
    auto db = mustOpen(dir / "s.db", store::schemaMigrations());
    ASSERT_TRUE(db);
    EXPECT_EQ(*db->userVersion(), store::latestSchemaVersion());
    EXPECT_EQ(*db->queryInt("PRAGMA synchronous"), 2);  // FULL: every acknowledged write durable
    EXPECT_EQ(*db->queryInt("PRAGMA foreign_keys"), 1);
    auto stmt = db->prepare("PRAGMA journal_mode");
    ASSERT_TRUE(stmt.ok());
    ASSERT_TRUE(*stmt->step());
    EXPECT_EQ(stmt->text(0), "wal");
}

TEST(StoreTest, LayersHaveTheirPermissions) {
    TempDir dir;
    store::StoreConfig system{dir / "system.db", true, std::nullopt};
    auto sys = store::TrustStore::open(system);
    ASSERT_TRUE(sys.ok()) << sys.error().message();
    store::StoreConfig user{dir / "system.db", false, dir / "user.db"};
    auto usr = store::TrustStore::open(user);
    ASSERT_TRUE(usr.ok()) << usr.error().message();
    struct stat st {};
    ASSERT_EQ(::stat((dir / "system.db").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
    ASSERT_EQ(::stat((dir / "user.db").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // The live connection the engine writes policy through syncs fully.
    EXPECT_EQ(*(*usr)->writableLayer()->db->queryInt("PRAGMA synchronous"), 2);
    EXPECT_EQ((*usr)->writableLayer()->which, StoreLayer::User);
    EXPECT_FALSE((*usr)->layer(StoreLayer::System)->writable);
}

TEST(StoreTest, NewerSchemaIsRefusedAndLeftByteIdentical) {
    TempDir dir;
    auto path = dir / "s.db";
    {
        auto db = mustOpen(path, store::schemaMigrations());
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec("PRAGMA user_version = 99").ok());
    }
    Bytes before = readFile(path);
    auto reopened = store::openStoreForWriting(path, store::FileAccess::Private);
    ASSERT_FALSE(reopened.ok());
    EXPECT_EQ(reopened.error().category(), ErrorCategory::Unavailable);
    EXPECT_NE(reopened.error().message().find("schema version 99"), std::string::npos)
        << reopened.error().message();
    EXPECT_NE(reopened.error().message().find("newer peertrust"), std::string::npos);
    auto reader = store::openStoreForReading(path);
    ASSERT_FALSE(reader.ok());
    EXPECT_EQ(readFile(path), before);
}

TEST(StoreTest, OlderSchemaIsMigratedWithABackupLeft) {
    TempDir dir;
    auto path = dir / "s.db";
    std::vector<Migration> v1 = {{1, "001_a.sql", "CREATE TABLE a (x INTEGER) STRICT;"}};
    std::vector<Migration> v2 = v1;
    v2.push_back(
        {2, "002_b.sql", "CREATE TABLE b (y INTEGER) STRICT; INSERT INTO b SELECT x FROM a;"});
    {
        auto db = mustOpen(path, v1);
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec("INSERT INTO a VALUES (7)").ok());
    }
    auto db = mustOpen(path, v2);
    ASSERT_TRUE(db);
    EXPECT_EQ(*db->userVersion(), 2);
    EXPECT_EQ(*db->queryInt("SELECT y FROM b"), 7);

    std::vector<std::filesystem::path> backups;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        if (entry.path().filename().string().starts_with("s.db.backup-v1-")) {
            backups.push_back(entry.path());
        }
    }
    ASSERT_EQ(backups.size(), 1u);
    // As private as the store it copies (SQLite would make it 0644).
    EXPECT_EQ(std::filesystem::status(backups[0]).permissions(),
              std::filesystem::status(path).permissions());
    auto backup = store::Database::open(backups[0], store::OpenMode::ReadOnly);
    ASSERT_TRUE(backup.ok());
    EXPECT_EQ(*(*backup)->userVersion(), 1);
    EXPECT_EQ(*(*backup)->queryInt("SELECT x FROM a"), 7);
}

TEST(StoreTest, Version2StoreGainsTheCrlTableKeepingItsPolicy) {
    TempDir dir;
    auto path = dir / "s.db";
    const auto& all = store::schemaMigrations();
    ASSERT_GE(all.size(), 3u);
    std::vector<Migration> v2(all.begin(), all.begin() + 2);
    {
        auto db = mustOpen(path, v2);
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec("INSERT INTO protocols VALUES ('irc', 'tls', 'tofu', 1)").ok());
        EXPECT_FALSE(db->queryInt("SELECT count(*) FROM crls").ok());
    }
    std::vector<Migration> v3(all.begin(), all.begin() + 3);
    auto db = mustOpen(path, v3);
    ASSERT_TRUE(db);
    EXPECT_EQ(*db->userVersion(), 3);
    EXPECT_EQ(*db->queryInt("SELECT count(*) FROM crls"), 0);
    EXPECT_EQ(*db->queryInt("SELECT count(*) FROM protocols WHERE name = 'irc'"), 1);
    bool backedUp = false;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        backedUp = backedUp || entry.path().filename().string().starts_with("s.db.backup-v2-");
    }
    EXPECT_TRUE(backedUp);
}

// Version 4: policy_generation moves with every row written to a table that decides (here
// protocols, as `peertrust protocol add` writes it) and not with pin statistics.
TEST(StoreTest, Version3StoreGainsAPolicyGenerationThatPolicyWritesMove) {
    TempDir dir;
    auto path = dir / "s.db";
    const auto& all = store::schemaMigrations();
    ASSERT_GE(all.size(), 4u);
    {
        auto db = mustOpen(path, std::vector<Migration>(all.begin(), all.begin() + 3));
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec("INSERT INTO protocols VALUES ('irc', 'tls', 'tofu', 1)").ok());
    }
    auto db = mustOpen(path, all);
    ASSERT_TRUE(db);
    EXPECT_EQ(*db->userVersion(), 4);
    EXPECT_EQ(*db->queryInt("SELECT count(*) FROM protocols WHERE name = 'irc'"), 1);
    auto generation = [&] { return *db->queryInt("SELECT value FROM policy_generation"); };
    const std::int64_t start = generation();
    ASSERT_TRUE(db->exec("INSERT INTO protocols VALUES ('gemini', 'tls', 'tofu', 0)").ok());
    EXPECT_EQ(generation(), start + 1);
    ASSERT_TRUE(db->exec("UPDATE protocols SET policy = 'ca-only' WHERE name = 'gemini'").ok());
    EXPECT_EQ(generation(), start + 2);
    ASSERT_TRUE(db->exec("DELETE FROM protocols WHERE name = 'gemini'").ok());
    EXPECT_EQ(generation(), start + 3);
    ASSERT_TRUE(db->exec("INSERT INTO pins VALUES ('p1', 'host.example', 'ssh', 'spki', "
                         "zeroblob(32), x'00', 1, 'manual')")
                    .ok());
    EXPECT_EQ(generation(), start + 4);
    ASSERT_TRUE(db->exec("INSERT INTO pin_stats VALUES ('p1', 5, 1)").ok());
    ASSERT_TRUE(db->exec("UPDATE pin_stats SET seen_count = 2").ok());
    EXPECT_EQ(generation(), start + 4) << "pin statistics moved the policy generation";
}

TEST(StoreTest, FailedMigrationLeavesTheOldSchema) {
    TempDir dir;
    auto path = dir / "s.db";
    std::vector<Migration> v1 = {{1, "001_a.sql", "CREATE TABLE a (x INTEGER) STRICT;"}};
    std::vector<Migration> broken = v1;
    broken.push_back({2, "002_broken.sql", "CREATE TABLE c (z INTEGER); THIS IS NOT SQL;"});
    { ASSERT_TRUE(mustOpen(path, v1)); }
    auto failed = store::openStoreForWriting(path, store::FileAccess::Private, broken);
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().message().find("002_broken.sql"), std::string::npos);
    auto db = mustOpen(path, v1);
    ASSERT_TRUE(db);
    EXPECT_EQ(*db->userVersion(), 1);
    EXPECT_EQ(*db->queryInt("SELECT count(*) FROM sqlite_master WHERE name = 'c'"), 0);
}

TEST(StoreTest, CorruptOrForeignFilesAreClearErrors) {
    TempDir dir;
    auto garbage = dir / "garbage.db";
    writeFile(garbage, std::string(8192, 'x'));
    Bytes before = readFile(garbage);
    auto opened = store::openStoreForWriting(garbage, store::FileAccess::Private);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().category(), ErrorCategory::Unavailable);
    EXPECT_NE(opened.error().message().find("not a peertrust store or is damaged"),
              std::string::npos)
        << opened.error().message();
    EXPECT_EQ(readFile(garbage), before);

    auto foreign = dir / "foreign.db";
    {
        auto db = store::Database::open(foreign, store::OpenMode::ReadWrite);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE((*db)->exec("CREATE TABLE something (x)").ok());
    }
    Bytes foreignBefore = readFile(foreign);
    auto refused = store::openStoreForWriting(foreign, store::FileAccess::Private);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message().find("not a peertrust store"), std::string::npos);
    EXPECT_EQ(readFile(foreign), foreignBefore);

    // A real store cut short: an error on open or on first use, never a crash.
    auto cut = dir / "cut.db";
    {
        auto db = mustOpen(cut, store::schemaMigrations());
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
    }
    std::filesystem::remove(dir / "cut.db-wal");
    std::filesystem::remove(dir / "cut.db-shm");
    std::filesystem::resize_file(cut, 4096 + 100);
    auto damaged = store::TrustStore::open({cut, true, std::nullopt});
    if (damaged.ok()) {
        auto rows = (*damaged)->writableLayer()->db->queryInt("SELECT count(*) FROM anchors");
        EXPECT_FALSE(rows.ok());
    } else {
        EXPECT_EQ(damaged.error().category(), ErrorCategory::Unavailable);
    }
}

TEST(StoreTest, MissingSystemStoreMeansNoMachinePolicy) {
    TempDir dir;
    auto store = store::TrustStore::open({dir / "absent.db", false, dir / "user.db"});
    ASSERT_TRUE(store.ok()) << store.error().message();
    EXPECT_EQ((*store)->layers().size(), 1u);
    EXPECT_FALSE(std::filesystem::exists(dir / "absent.db"));
}

// Only a system store that is not there means no machine policy; one that cannot be looked at
// may be there, with the administrator's distrust in it.
TEST(StoreTest, ASystemStoreThatCannotBeLookedAtIsAnError) {
    TempDir dir;
    std::filesystem::create_symlink(dir / "b", dir / "a");
    std::filesystem::create_symlink(dir / "a", dir / "b");
    auto store = store::TrustStore::open({dir / "a" / "system.db", false, dir / "user.db"});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().category(), ErrorCategory::Unavailable);
    EXPECT_NE(store.error().message().find("cannot tell whether the system store " +
                                           (dir / "a" / "system.db").string() + " exists: "),
              std::string::npos)
        << store.error().message();
}

}  // namespace
}  // namespace peertrust::testing
