// Imports of pin files: OpenSSH known_hosts (plain, lists, ports, hashed names, @revoked,
// @cert-authority, malformed lines) and GnuTLS known_hosts, from the fixture files and from
// lines made here; hashed pins answering Verify, their statistics, listing and forgetting.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <map>

#include "crypto/HashedHostName.h"
#include "policy/GnutlsKnownHostsFile.h"
#include "policy/KnownHostsFile.h"
#include "support/EngineFixture.h"

namespace peertrust::testing {
namespace {

Bytes fixture(const std::string& name) {
    std::ifstream in(std::string(PEERTRUST_FIXTURES_DIR) + "/known-hosts/" + name,
                     std::ios::binary);
    EXPECT_TRUE(in.good()) << name;
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

std::map<std::string, int> kinds(const ImportSummary& summary) {
    std::map<std::string, int> out;
    for (const ImportIssue& issue : summary.issues) {
        ++out[issue.kind];
    }
    return out;
}

std::map<std::size_t, std::string> kindByLine(const std::vector<ImportIssue>& issues) {
    std::map<std::size_t, std::string> out;
    for (const ImportIssue& issue : issues) {
        out[issue.line] += (out[issue.line].empty() ? "" : ",") + issue.kind;
    }
    return out;
}

// "|1|salt|hash" for `host`, as ssh-keygen -H writes it.
std::string hashedName(const std::string& host, std::uint8_t saltByte) {
    crypto::HashedHostName name;
    name.salt.fill(saltByte);
    name.hmac = crypto::hostHmac(name.salt, host);
    return crypto::formatHashedHostName(name);
}

class PinImportTest : public EngineFixture {
protected:
    Verdict verifySsh(const std::string& peer, const Bytes& key) {
        return verify(user(), "ssh", peer, KeyFormat::OpenSsh, key);
    }
};

TEST_F(PinImportTest, ParserSeesEveryLineFormOfTheFixture) {
    policy::KnownHostsFile file = policy::parseKnownHostsFile(fixture("known_hosts"));
    EXPECT_EQ(file.contentLines, 19u);
    std::map<std::size_t, std::string> expected = {
        {12, "not-supported"}, {13, "wildcard,wildcard"}, {16, "malformed"},
        {17, "malformed"},     {18, "malformed"},         {19, "malformed"},
        {20, "not-supported"}, {22, "malformed"},         {23, "malformed"}};
    EXPECT_EQ(kindByLine(file.issues), expected);
    ASSERT_EQ(file.entries.size(), 10u);  // 4-10, the revoked line 11, 21 and 24
    EXPECT_EQ(file.entries[1].hosts.size(), 3u);
    EXPECT_EQ(file.entries[2].hosts[0].peer, "port.example:2222");
    EXPECT_EQ(file.entries[3].hosts[0].peer, "[2001:db8::7]:2200");
    EXPECT_TRUE(file.entries[5].hosts[0].hashed.has_value());
    EXPECT_TRUE(file.entries[7].revoked);
}

TEST_F(PinImportTest, KnownHostsFixtureImportsEveryFormAndCountsTheRest) {
    auto summary = user().importKnownHosts(fixture("known_hosts"));
    ASSERT_OK(summary);
    EXPECT_EQ(summary->imported, 10u);
    EXPECT_EQ(summary->alreadyPresent, 0u);
    EXPECT_EQ(summary->distrustAdded, 1u);
    EXPECT_EQ(summary->skipped, 12u);
    EXPECT_EQ(summary->skippedReasons.size(), 12u);
    std::map<std::string, int> expected = {
        {"distrusted", 1}, {"malformed", 7}, {"not-supported", 2}, {"wildcard", 2}};
    EXPECT_EQ(kinds(*summary), expected);
    EXPECT_EQ(summary->issues.front().line, 12u);  // in file order
    EXPECT_EQ(summary->skippedReasons.front().rfind("line 12: not-supported: @cert-authority", 0),
              0u);

    Bytes plain = fixture("plain.pub");
    Bytes list = fixture("list.pub");
    EXPECT_EQ(verifySsh("plain.example", plain).reason, "pinned");
    EXPECT_EQ(verifySsh("list-b.example", list).reason, "pinned");  // canonicalised
    EXPECT_EQ(verifySsh("192.0.2.7:22", list).reason, "pinned");
    EXPECT_EQ(verifySsh("list-a.example", plain).reason, "pin-mismatch");
    EXPECT_EQ(verifySsh("hashed.example", fixture("hashed.pub")).reason, "pinned");
    EXPECT_EQ(verifySsh("hashed-port.example:2022", fixture("hashed-port.pub")).reason, "pinned");
    EXPECT_EQ(verifySsh("hashed-port.example", fixture("hashed-port.pub")).reason, "first-use");
    EXPECT_EQ(verifySsh("hashed.example", plain).reason, "pin-mismatch");
    EXPECT_EQ(verifySsh("revoked-pinned.example", fixture("revoked.pub")).reason, "distrusted");
    EXPECT_EQ(verifySsh("wild.example", plain).reason, "first-use");

    auto pins = user().listPins();
    ASSERT_OK(pins);
    EXPECT_EQ(pins->size(), 10u);
    int hashed = 0;
    for (const PinInfo& pin : *pins) {
        EXPECT_EQ(pin.origin, PinOrigin::Imported);
        EXPECT_EQ(pin.protocol, "ssh");
        hashed += pin.peer.rfind("|1|", 0) == 0 ? 1 : 0;
    }
    EXPECT_EQ(hashed, 2);
}

TEST_F(PinImportTest, ImportingAgainChangesNothing) {
    ASSERT_OK(user().importKnownHosts(fixture("known_hosts")));
    auto before = user().listPins();
    auto again = user().importKnownHosts(fixture("known_hosts"));
    ASSERT_OK(again);
    EXPECT_EQ(again->imported, 0u);
    EXPECT_EQ(again->distrustAdded, 0u);
    EXPECT_EQ(again->alreadyPresent, 11u);  // ten pins and the distrust entry
    EXPECT_EQ(again->skipped, 12u);
    EXPECT_EQ(user().listPins()->size(), before->size());
    EXPECT_EQ(user().listDistrust()->size(), 1u);

    auto gnutls = user().importGnutlsKnownHosts(fixture("gnutls_known_hosts"));
    auto gnutlsAgain = user().importGnutlsKnownHosts(fixture("gnutls_known_hosts"));
    ASSERT_OK(gnutlsAgain);
    EXPECT_EQ(gnutls->imported, 5u);
    EXPECT_EQ(gnutlsAgain->imported, 0u);
    EXPECT_EQ(gnutlsAgain->alreadyPresent, 5u);
}

TEST_F(PinImportTest, HashedPinAnswersAfterThePlainSetAndKeepsStatistics) {
    Bytes ed = bytesOf(openSshLine(generateKey(KeyType::Ed25519).get()));
    Bytes ec = bytesOf(openSshLine(generateKey(KeyType::EcdsaP256).get()));
    ASSERT_OK(user().addPin({"ssh", "both.example", KeyFormat::OpenSsh, ed}));
    std::string text = hashedName("both.example", 7) + " " + std::string(ec.begin(), ec.end()) +
                       "\n" + hashedName("[v6.example]:2200", 9) + " " +
                       std::string(ec.begin(), ec.end()) + "\n";
    auto summary = user().importKnownHosts(bytesOf(text));
    ASSERT_OK(summary);
    EXPECT_EQ(summary->imported, 2u);
    // A host with a plain and a hashed key accepts both; a hashed pin alone decides too.
    EXPECT_EQ(verifySsh("both.example", ed).reason, "pinned");
    Verdict viaHashed = verifySsh("BOTH.example.", ec);
    EXPECT_EQ(viaHashed.reason, "pinned");
    ASSERT_EQ(viaHashed.details.pins.size(), 1u);
    EXPECT_EQ(verifySsh("v6.example:2200", ec).reason, "pinned");
    Bytes other = bytesOf(openSshLine(generateKey(KeyType::Ed25519).get()));
    Verdict mismatch = verifySsh("both.example", other);
    EXPECT_EQ(mismatch.reason, "pin-mismatch");
    EXPECT_EQ(mismatch.details.pins.size(), 2u);

    // The cache was dropped by the import, and statistics reach the hashed pin.
    ASSERT_OK(user().flushPinStatistics());
    auto pins = user().listPins();
    ASSERT_OK(pins);
    bool found = false;
    for (const PinInfo& pin : *pins) {
        if (pin.id == viaHashed.details.pins.front().pinId) {
            found = true;
            EXPECT_EQ(pin.seenCount, 1u);
            EXPECT_EQ(pin.lastSeen, std::optional<UnixTime>(kNow));
        }
    }
    EXPECT_TRUE(found);

    // Removal by id (prefix) and forgetting by peer reach hashed pins.
    ASSERT_OK(user().removePin(viaHashed.details.pins.front().pinId.substr(0, 8)));
    EXPECT_EQ(verifySsh("both.example", ec).reason, "pin-mismatch");
    auto forgotten = user().forgetPins({std::string("v6.example:2200"), std::nullopt});
    ASSERT_OK(forgotten);
    EXPECT_EQ(*forgotten, 1u);
    EXPECT_EQ(verifySsh("v6.example:2200", ec).reason, "first-use");
}

// OpenSSH hashes "host" for port 22, never "[host]:22": forgetting "host:22" reaches it.
TEST_F(PinImportTest, ForgetByPeerOnPort22ReachesItsHashedPin) {
    Bytes ec = bytesOf(openSshLine(generateKey(KeyType::EcdsaP256).get()));
    std::string text = hashedName("ssh.example", 5) + " " + std::string(ec.begin(), ec.end());
    ASSERT_OK(user().importKnownHosts(bytesOf(text)));
    ASSERT_EQ(user().listPins()->size(), 1u);
    auto forgotten = user().forgetPins({std::string("ssh.example:22"), std::nullopt});
    ASSERT_OK(forgotten);
    EXPECT_EQ(*forgotten, 1u);
    EXPECT_TRUE(user().listPins()->empty());
}

TEST_F(PinImportTest, ForgetOlderThanReachesHashedPins) {
    Bytes ec = bytesOf(openSshLine(generateKey(KeyType::EcdsaP256).get()));
    std::string text = hashedName("old.example", 3) + " " + std::string(ec.begin(), ec.end());
    ASSERT_OK(user().importKnownHosts(bytesOf(text)));
    m_now = kNow + 10 * 86400;
    auto forgotten = user().forgetPins({std::nullopt, kNow + 86400});
    ASSERT_OK(forgotten);
    EXPECT_EQ(*forgotten, 1u);
    EXPECT_TRUE(user().listPins()->empty());
}

// Forgetting takes plain and hashed pins in one transaction: when the hashed half fails,
// the plain pins are all still there.
TEST_F(PinImportTest, AForgetThatFailsHalfWayForgetsNothing) {
    Issued self = selfSigned(serverSpec("nas.lan"));
    ASSERT_OK(user().addPin({"tls", "nas.lan", KeyFormat::X509Chain, self.der}));
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(userPath().c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "DROP TABLE hashed_pins", nullptr, nullptr, nullptr), SQLITE_OK);
    auto forgotten = user().forgetPins({std::string("nas.lan"), std::nullopt});
    EXPECT_FALSE(forgotten.ok()) << "the hashed pins' table is gone, yet forget succeeded";
    sqlite3_stmt* count = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(other, "SELECT count(*) FROM pins", -1, &count, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(count, 0), 1) << "the plain pin was forgotten by half a forget";
    sqlite3_finalize(count);
    sqlite3_close(other);
}

TEST_F(PinImportTest, GnutlsFixtureMapsServicesAsTheTdbGlueDoes) {
    auto summary = user().importGnutlsKnownHosts(fixture("gnutls_known_hosts"));
    ASSERT_OK(summary);
    EXPECT_EQ(summary->imported, 5u);
    // Line 4 lapses in 2100: a pin would never lapse. Line 18 names a service no port is
    // known for: pinned on the whole tls family, its key would pass for every TLS protocol.
    std::map<std::size_t, std::string> expected = {
        {4, "not-supported"}, {6, "expired"},    {7, "wildcard"},      {8, "commitment"},
        {11, "malformed"},    {12, "malformed"}, {13, "malformed"},    {14, "malformed"},
        {15, "malformed"},    {16, "malformed"}, {18, "not-supported"}};
    EXPECT_EQ(kindByLine(summary->issues), expected);
    std::map<std::string, std::string> pins;
    auto listed = user().listPins();
    ASSERT_OK(listed);
    for (const PinInfo& pin : *listed) {
        pins[pin.peer] = pin.protocol;
        EXPECT_EQ(pin.origin, PinOrigin::Imported);
        EXPECT_EQ(pin.keyFormat, KeyFormat::Spki);
    }
    std::map<std::string, std::string> expectedPins = {{"www.example.org", "https"},
                                                       {"mail.example.org", "imap"},
                                                       {"any.example.org", "tls"},
                                                       {"ftp.example.org:990", "tls"},
                                                       {"[2001:db8::5]:8443", "tls"}};
    EXPECT_EQ(pins, expectedPins);
    EXPECT_EQ(
        verify(user(), "https", "www.example.org", KeyFormat::Spki, fixture("www.spki.pem")).reason,
        "pinned");
}

TEST_F(PinImportTest, NothingReadableIsInvalidInputButEmptyIsFine) {
    auto garbage = user().importKnownHosts(bytesOf("this is\nnot a known_hosts file\n"));
    ASSERT_FALSE(garbage.ok());
    EXPECT_EQ(garbage.error().category(), ErrorCategory::InvalidInput);
    auto pem = user().importGnutlsKnownHosts(fixture("www.spki.pem"));
    ASSERT_FALSE(pem.ok());
    EXPECT_EQ(pem.error().category(), ErrorCategory::InvalidInput);
    auto empty = user().importKnownHosts(bytesOf("# only a comment\n\n"));
    ASSERT_OK(empty);
    EXPECT_EQ(empty->imported + empty->skipped, 0u);
    // Only unsupported lines: readable, so not an error.
    auto ca = user().importKnownHosts(
        bytesOf("@cert-authority *.example " + openSshLine(generateKey(KeyType::Ed25519).get())));
    ASSERT_OK(ca);
    EXPECT_EQ(kinds(*ca), (std::map<std::string, int>{{"not-supported", 1}}));
}

// ssh applies "build.lab.corp,!*.lab.corp KEY" to no host the negation matches, build.lab.corp
// included: a pin of build.lab.corp would accept the key where ssh does not.
TEST_F(PinImportTest, NamesOnALineWithANegationAreNotPinned) {
    const std::string key = openSshLine(generateKey(KeyType::Ed25519).get());
    auto imported = user().importKnownHosts(
        bytesOf("build.lab.corp,!*.lab.corp " + key + "\n" + "ok.example " + key + "\n"));
    ASSERT_OK(imported);
    EXPECT_EQ(imported->imported, 1u);
    EXPECT_EQ(kinds(*imported), (std::map<std::string, int>{{"wildcard", 2}}));
    auto pins = user().listPins();
    ASSERT_OK(pins);
    ASSERT_EQ(pins->size(), 1u);
    EXPECT_EQ(pins->front().peer, "ok.example");
    // An @revoked line distrusts its key whatever its hosts say.
    const std::string revoked = openSshLine(generateKey(KeyType::Ed25519).get());
    auto distrust = user().importKnownHosts(bytesOf("@revoked a.example,!b.example " + revoked));
    ASSERT_OK(distrust);
    EXPECT_EQ(distrust->distrustAdded, 1u);
}

TEST_F(PinImportTest, AUsersImportStaysInTheUsersStore) {
    ASSERT_OK(user().importKnownHosts(fixture("known_hosts")));
    auto systemPins = system().listPins();
    ASSERT_OK(systemPins);
    EXPECT_TRUE(systemPins->empty());
    EXPECT_TRUE(system().listDistrust()->empty());
}

}  // namespace
}  // namespace peertrust::testing
