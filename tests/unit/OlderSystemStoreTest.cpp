// After an upgrade, a session daemon (and the trust module in every program) reads the
// administrator's system store before the system daemon has migrated it. Such a store is read
// as it is, its later tables as empty, rather than refused: refusing would leave the user with
// no machine anchors and no machine distrust until the system daemon next starts.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/Migrations.h"
#include "store/TrustStore.h"
#include "support/CrlFactory.h"
#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

// The file's schema as SQLite keeps it, in one text: two files with equal text have the same
// tables, indexes and triggers.
std::string schemaOf(const std::filesystem::path& path) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT type || ' ' || name || ': ' || sql FROM sqlite_schema "
                                 "WHERE sql IS NOT NULL ORDER BY type, name",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    std::string out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        out += "\n";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
}

void execute(const std::filesystem::path& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
}

class OlderSystemStoreTest : public EngineFixture {
protected:
    void SetUp() override {
        root = selfSigned(caSpec("Machine Root"));
        intermediate = issue(caSpec("Machine Intermediate"), root);
        leaf = issue(serverSpec("www.example.com"), intermediate);
        rootId = addAnchor(system(), root, {}, "Machine Root");
        ssh = bytesOf(openSshLine(generateKey(KeyType::Ed25519).get()));
        ASSERT_OK(system().addPin({"ssh", "build.example", KeyFormat::OpenSsh, ssh}));
        closeEngines();
        // What the first schema had, with the machine's anchor and pin in it: the later
        // migrations only add tables and triggers, so taking them away gives that store.
        execute(systemPath(),
                "DROP TABLE crls; DROP TABLE hashed_pin_stats; DROP TABLE hashed_pins; "
                "DROP TABLE policy_generation; PRAGMA user_version = 1;");
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(systemPath().c_str(), &db), SQLITE_OK);
        std::vector<std::string> triggers;
        sqlite3_stmt* stmt = nullptr;
        sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'trigger'", -1, &stmt,
                           nullptr);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            triggers.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
        }
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        for (const std::string& trigger : triggers) {
            execute(systemPath(), "DROP TRIGGER " + trigger);
        }
    }

    Issued root, intermediate, leaf;
    std::string rootId;
    Bytes ssh;
};

TEST_F(OlderSystemStoreTest, TheFixtureIsTheFirstSchemaWithData) {
    auto fresh = store::openStoreForWriting(m_dir / "v1.db", store::FileAccess::Private,
                                            {store::schemaMigrations().front()});
    ASSERT_OK(fresh);
    fresh->reset();
    EXPECT_EQ(schemaOf(systemPath()), schemaOf(m_dir / "v1.db"));
}

TEST_F(OlderSystemStoreTest, AUserReadsItAsItIsAndSeesItsMigrationAndNewRowsLater) {
    // A user's engine alone: no administrator's engine has opened (and so migrated) the file.
    auto opened = store::TrustStore::open({systemPath(), false, userPath()});
    ASSERT_OK(opened);
    auto created = policy::PolicyEngine::create(std::move(opened).value(), m_options,
                                                [this] { return m_now; });
    ASSERT_OK(created);
    policy::PolicyEngine& session = **created;
    const Bytes chain = concat({&leaf, &intermediate});

    // Read as it is: the machine's anchor and pin apply, its later tables are empty.
    EXPECT_EQ(verify(session, "https", "www.example.com", KeyFormat::X509Chain, chain).reason,
              "anchor");
    EXPECT_EQ(verify(session, "ssh", "build.example", KeyFormat::OpenSsh, ssh).reason, "pinned");
    EXPECT_EQ(verify(session, "ssh", "other.example", KeyFormat::OpenSsh, ssh).reason, "first-use")
        << "no plain pin answers, so the (absent) hashed pins were asked";
    auto pins = session.listPins();
    ASSERT_OK(pins);
    ASSERT_EQ(pins->size(), 1u);
    EXPECT_EQ(pins->front().layer, StoreLayer::System);
    auto crls = session.listCrls();
    ASSERT_OK(crls);
    EXPECT_TRUE(crls->empty());
    // The user's own writes, and ids looked up in both layers, go on as usual.
    Bytes mine = bytesOf(openSshLine(generateKey(KeyType::Ed25519).get()));
    auto added = session.addPin({"ssh", "laptop.example", KeyFormat::OpenSsh, mine});
    ASSERT_OK(added);
    ASSERT_OK(session.removePin(added->id.substr(0, 8)));
    EXPECT_EQ(*store::openStoreForReading(systemPath()).value()->userVersion(), 1)
        << "reading the store changed it";

    // The system daemon starts, migrates the store and adds a CRL: the user's engine, still
    // open, sees the new table and applies the CRL.
    CrlSpec spec;
    spec.revoked = {{&intermediate, m_now - 86400}};
    spec.thisUpdate = m_now - 3600;
    spec.nextUpdate = m_now + 86400;
    spec.number = 1;
    ASSERT_OK(system().addCrl({makeCrl(root, spec), {}}));
    EXPECT_EQ(verify(session, "https", "www.example.com", KeyFormat::X509Chain, chain).reason,
              "revoked");
    crls = session.listCrls();
    ASSERT_OK(crls);
    EXPECT_EQ(crls->size(), 1u);
}

// A store newer than this program is still refused, and one without any schema too.
TEST_F(OlderSystemStoreTest, NewerOrUnformattedStoresAreStillRefused) {
    execute(systemPath(), "PRAGMA user_version = 99");
    auto newer = store::openStoreForReading(systemPath());
    ASSERT_FALSE(newer.ok());
    EXPECT_NE(newer.error().message().find("schema version 99"), std::string::npos)
        << newer.error().message();
    execute(m_dir / "foreign.db", "CREATE TABLE unrelated (x INTEGER)");
    auto foreign = store::openStoreForReading(m_dir / "foreign.db");
    ASSERT_FALSE(foreign.ok());
    EXPECT_NE(foreign.error().message().find("not a peertrust store"), std::string::npos)
        << foreign.error().message();
    writeFile(m_dir / "empty.db", "");
    auto empty = store::openStoreForReading(m_dir / "empty.db");
    ASSERT_FALSE(empty.ok());
    EXPECT_NE(empty.error().message().find("has no schema yet"), std::string::npos)
        << empty.error().message();
}

}  // namespace
}  // namespace peertrust::testing
