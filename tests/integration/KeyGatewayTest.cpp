// The key gateway with its real parts: a SoftHSM2 token the daemon's code initialises, keys.db,
// the p11-kit RPC socket, and on the client side the stock p11-kit-client.so, driven by
// pkcs11-tool (OpenSC) as root and as a second, unprivileged uid, and loaded in-process for
// the exact CKR_* codes. Signatures are verified with the public key the registry lists.
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gtest/gtest.h>
#include <p11-kit/p11-kit.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crypto/GnutlsHandles.h"
#include "keys/AuditLog.h"
#include "keys/GatewayConnection.h"
#include "keys/KeyAdministration.h"
#include "keys/KeyBackend.h"
#include "keys/KeyGateway.h"
#include "keys/KeyLayer.h"
#include "keys/KeyRegistry.h"
#include "keys/SoftHsmToken.h"
#include "support/LoopbackPort.h"
#include "support/TempDir.h"

namespace peertrust::testing {
namespace {

using namespace keys;

constexpr const char* kClientModule = "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so";
constexpr const char* kTestUser = "peertrust-test";

std::string run(const std::string& command, int* status = nullptr) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
    std::string out;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0) {
        out.append(buffer, n);
    }
    int rc = pclose(pipe.release());
    if (status != nullptr) {
        *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    }
    return out;
}

uid_t testUid() {
    std::string out = run(std::string("id -u ") + kTestUser);
    return static_cast<uid_t>(std::stoul(out));
}

class KeyGatewayTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (run(std::string("id -u ") + kTestUser).find("no such user") != std::string::npos) {
            std::system((std::string("useradd --system --no-create-home --shell "
                                     "/usr/sbin/nologin ") +
                         kTestUser)
                            .c_str());
        }
        auto config = provisionSoftHsm(dir / "backend");
        ASSERT_TRUE(config.ok()) << config.error().message();
        auto backend = KeyBackend::open(*config);
        ASSERT_TRUE(backend.ok()) << backend.error().message();
        m_backend = std::move(backend).value();
        auto registry = KeyRegistry::open(dir / "keys.db");
        ASSERT_TRUE(registry.ok()) << registry.error().message();
        m_registry = std::move(registry).value();
        m_audit = std::make_unique<AuditLog>(*m_registry);
        admin = std::make_unique<KeyAdministration>(*m_registry, *m_backend, *m_audit);
        socket = (dir / "keys.sock").string();
        auto gateway = KeyGateway::listen(socket, {*m_registry, *m_backend, *m_audit});
        ASSERT_TRUE(gateway.ok()) << gateway.error().message();
        m_gateway = std::move(gateway).value();
        ::chmod(dir.path().c_str(), 0755);
    }
    void TearDown() override {
        m_gateway.reset();
        admin.reset();
        m_audit.reset();
    }

    KeyRecord create(KeyType type, KeyUse use, const std::string& label, const std::string& set) {
        auto key = admin->create({type, use, label, set}, 1700000000);
        EXPECT_TRUE(key.ok()) << key.error().message();
        return key.ok() ? *key : KeyRecord{};
    }
    // An EC P-256 signing key "signer" in the set "signer", granted to this test's uid; its id.
    std::string grantSignerToMe() {
        KeyRecord key = create(KeyType::EcP256, KeyUse::Sign, "signer", "signer");
        EXPECT_TRUE(admin->grant("signer", getuid(), std::nullopt).ok());
        return key.id;
    }
    // pkcs11-tool through p11-kit-client.so, as root or as the test user.
    std::string tool(const std::string& arguments, int* status, bool asTestUser = false) {
        std::string prefix = "P11_KIT_SERVER_ADDRESS=unix:path=" + socket + " ";
        if (asTestUser) {
            prefix = std::string("setpriv --reuid ") + kTestUser + " --regid " +
                     std::to_string(getgid()) + " --clear-groups env " + prefix;
        }
        return run(prefix + "pkcs11-tool --module " + kClientModule + " " + arguments, status);
    }

    // What the gateway serves from, for a connection driven without the socket.
    GatewayServices services() { return {*m_registry, *m_backend, *m_audit}; }

    TempDir dir;
    std::string socket;
    std::unique_ptr<KeyAdministration> admin;

private:
    std::unique_ptr<KeyBackend> m_backend;
    std::unique_ptr<KeyRegistry> m_registry;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<KeyGateway> m_gateway;
};

bool verifies(const Bytes& spki, gnutls_sign_algorithm_t algorithm, const Bytes& data,
              const Bytes& signature, bool dataIsHash) {
    auto key = crypto::makePubkey();
    gnutls_datum_t der = crypto::datumOf(spki);
    if (!key || gnutls_pubkey_import(key->get(), &der, GNUTLS_X509_FMT_DER) < 0) {
        return false;
    }
    gnutls_datum_t d = crypto::datumOf(data);
    gnutls_datum_t s = crypto::datumOf(signature);
    return (dataIsHash ? gnutls_pubkey_verify_hash2(key->get(), algorithm, 0, &d, &s)
                       : gnutls_pubkey_verify_data2(key->get(), algorithm, 0, &d, &s)) >= 0;
}

// ECDSA r||s as pkcs11-tool writes it, as the DER SEQUENCE GnuTLS verifies.
Bytes derSignature(const Bytes& raw) {
    const std::size_t half = raw.size() / 2;
    gnutls_datum_t r{const_cast<unsigned char*>(raw.data()), static_cast<unsigned>(half)};
    gnutls_datum_t s{const_cast<unsigned char*>(raw.data() + half), static_cast<unsigned>(half)};
    crypto::OwnedDatum out;
    if (gnutls_encode_rs_value(out.out(), &r, &s) < 0) {
        return {};
    }
    return Bytes(out.bytes().begin(), out.bytes().end());
}

TEST_F(KeyGatewayTest, GrantedUidSignsWithEcdsaAndRsaThroughTheStockClient) {
    KeyRecord ec = create(KeyType::EcP256, KeyUse::Sign, "web-ec", "web");
    KeyRecord rsa = create(KeyType::Rsa2048, KeyUse::Sign, "web-rsa", "web");
    ASSERT_TRUE(admin->grant("web", 0, std::nullopt).ok());

    int status = 0;
    std::string slots = tool("-L", &status);
    ASSERT_EQ(status, 0) << slots;
    EXPECT_NE(slots.find("token label        : web"), std::string::npos) << slots;

    const Bytes message = {'h', 'e', 'l', 'l', 'o'};
    writeFile(dir / "message", "hello");
    Bytes hash(32);
    gnutls_hash_fast(GNUTLS_DIG_SHA256, message.data(), message.size(), hash.data());
    writeFile(dir / "hash", std::string(hash.begin(), hash.end()));

    std::string out = tool("--token-label web --sign -m ECDSA --id " + ec.id + " -i " +
                               (dir / "hash").string() + " -o " + (dir / "ec.sig").string(),
                           &status);
    ASSERT_EQ(status, 0) << out;
    EXPECT_TRUE(verifies(ec.publicKey, GNUTLS_SIGN_ECDSA_SHA256, hash,
                         derSignature(readFile(dir / "ec.sig")), true))
        << "the ECDSA signature does not verify with the listed public key";

    // PKCS#1 v1.5 over a DigestInfo: the hash-and-sign mechanisms are not on the list of
    // mechanisms p11-kit 0.24's RPC carries.
    const Bytes digestInfo = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                              0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    std::string prefixed(digestInfo.begin(), digestInfo.end());
    prefixed.append(hash.begin(), hash.end());
    writeFile(dir / "digest-info", prefixed);
    out = tool("--token-label web --sign -m RSA-PKCS --id " + rsa.id + " -i " +
                   (dir / "digest-info").string() + " -o " + (dir / "rsa.sig").string(),
               &status);
    ASSERT_EQ(status, 0) << out;
    EXPECT_TRUE(
        verifies(rsa.publicKey, GNUTLS_SIGN_RSA_SHA256, hash, readFile(dir / "rsa.sig"), true))
        << "the RSA signature does not verify with the listed public key";

    auto trail = admin->audit(0);
    ASSERT_TRUE(trail.ok());
    ASSERT_EQ(trail->size(), 2u);
    EXPECT_EQ((*trail)[0].keyId, ec.id);
    EXPECT_EQ((*trail)[0].mechanism, "CKM_ECDSA");
    EXPECT_EQ((*trail)[0].result, "ok");
    EXPECT_EQ((*trail)[0].uid, 0u);
    EXPECT_EQ((*trail)[1].mechanism, "CKM_RSA_PKCS");
}

TEST_F(KeyGatewayTest, AnotherUidSeesNothingUntilGrantedAndNothingAfterRevoke) {
    KeyRecord alice = create(KeyType::EcP256, KeyUse::Sign, "alice-key", "alice");
    ASSERT_TRUE(admin->grant("alice", 0, std::nullopt).ok());
    writeFile(dir / "hash", std::string(32, 'x'));
    ::chmod((dir / "hash").c_str(), 0644);
    const std::string sign = "--token-label alice --sign -m ECDSA --id " + alice.id + " -i " +
                             (dir / "hash").string() + " -o /dev/null";
    int status = 0;
    std::string out = tool("-L", &status, true);
    EXPECT_EQ(out.find("alice"), std::string::npos) << "another uid sees the set: " << out;
    out = tool(sign, &status, true);
    EXPECT_NE(status, 0) << "another uid signed without a grant: " << out;
    // Named by its pkcs11: URI, alice's key is simply not there for the other uid (GnuTLS).
    const std::string testSign =
        "setpriv --reuid " + std::string(kTestUser) + " --regid " + std::to_string(getgid()) +
        " --clear-groups env P11_KIT_SERVER_ADDRESS=unix:path=" + socket + " p11tool --provider " +
        kClientModule + " --test-sign '" + keyUri(alice) + "'";
    out = run(testSign, &status);
    EXPECT_NE(status, 0) << out;
    EXPECT_NE(out.find("The requested PKCS #11 object is not available"), std::string::npos) << out;

    const uid_t other = testUid();
    ASSERT_TRUE(admin->grant("alice-key", other, std::nullopt).ok());
    out = tool(sign, &status, true);
    EXPECT_EQ(status, 0) << "the granted uid cannot sign: " << out;
    out = run(testSign, &status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find("Verifying against public key in the token... ok"), std::string::npos)
        << out;

    ASSERT_TRUE(admin->revoke("alice-key", other).ok());
    out = tool(sign, &status, true);
    EXPECT_NE(status, 0) << "the uid still signs after revoke: " << out;

    // A grant that has run out is no grant.
    ASSERT_TRUE(admin->grant("alice", other, 1000).ok());
    out = tool(sign, &status, true);
    EXPECT_NE(status, 0) << "the uid signs after its grant expired: " << out;
}

TEST_F(KeyGatewayTest, DecryptionKeyDecryptsPkcs1AndOaepAndNothingElse) {
    KeyRecord rsa = create(KeyType::Rsa2048, KeyUse::Decrypt, "mail-decrypt", "mail");
    ASSERT_TRUE(admin->grant("mail", 0, std::nullopt).ok());
    const std::string d = dir.path().string();
    writeFile(dir / "public.der", std::string(rsa.publicKey.begin(), rsa.publicKey.end()));
    const std::string kPlain = "the mail key opens this";
    writeFile(dir / "plain", kPlain);
    int status = 0;
    std::string out = run("cd " + d +
                              " && openssl pkey -pubin -inform DER -in public.der -out public.pem"
                              " && openssl pkeyutl -encrypt -pubin -inkey public.pem -in plain"
                              " -out pkcs1.bin"
                              " && openssl pkeyutl -encrypt -pubin -inkey public.pem -in plain"
                              " -pkeyopt rsa_padding_mode:oaep -out oaep.bin",
                          &status);
    ASSERT_EQ(status, 0) << out;
    out = tool("--token-label mail --decrypt -m RSA-PKCS --id " + rsa.id + " -i " + d +
                   "/pkcs1.bin -o " + d + "/pkcs1.out",
               &status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(readFile(dir / "pkcs1.out"), Bytes(kPlain.begin(), kPlain.end()));
    // SoftHSM 2.6 does OAEP with SHA-1 only, which is also openssl's default.
    out = tool(
        "--token-label mail --decrypt -m RSA-PKCS-OAEP --hash-algorithm SHA-1 --mgf "
        "MGF1-SHA1 --id " +
            rsa.id + " -i " + d + "/oaep.bin -o " + d + "/oaep.out",
        &status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(readFile(dir / "oaep.out"), Bytes(kPlain.begin(), kPlain.end()));
    // A decryption key signs nothing.
    out = tool("--token-label mail --sign -m RSA-PKCS --id " + rsa.id + " -i " + d + "/plain",
               &status);
    EXPECT_NE(status, 0) << out;
    EXPECT_NE(out.find("CKR_KEY_FUNCTION_NOT_PERMITTED"), std::string::npos) << out;
}

// Multi-part decryption, on the gateway's side of the socket (p11-kit's client stops a null
// length pointer before it leaves the program): C_DecryptUpdate gathers and says "no output
// yet", C_DecryptFinal decrypts; a missing length pointer ends the operation, as in C_Decrypt.
TEST_F(KeyGatewayTest, DecryptUpdateGathersAndAnErrorEndsTheOperation) {
    KeyRecord rsa = create(KeyType::Rsa2048, KeyUse::Decrypt, "mail-decrypt", "mail");
    ASSERT_TRUE(admin->grant("mail", getuid(), std::nullopt).ok());
    const std::string kPlain = "gathered, then opened";
    auto publicKey = crypto::makePubkey();
    ASSERT_TRUE(publicKey);
    gnutls_datum_t spki = crypto::datumOf(rsa.publicKey);
    ASSERT_EQ(gnutls_pubkey_import(publicKey->get(), &spki, GNUTLS_X509_FMT_DER), 0);
    gnutls_datum_t plain{reinterpret_cast<unsigned char*>(const_cast<char*>(kPlain.data())),
                         static_cast<unsigned>(kPlain.size())};
    crypto::OwnedDatum cipher;
    ASSERT_EQ(gnutls_pubkey_encrypt_data(publicKey->get(), 0, &plain, cipher.out()), 0);
    Bytes sealed(cipher.bytes().begin(), cipher.bytes().end());

    GatewayConnection connection(services(), {getuid(), getpid()});
    ASSERT_EQ(connection.initialize(), CKR_OK);
    CK_SLOT_ID slot = 0;
    CK_ULONG slots = 1;
    ASSERT_EQ(connection.getSlotList(CK_TRUE, &slot, &slots), CKR_OK);
    ASSERT_EQ(slots, 1u);
    CK_SESSION_HANDLE s = 0;
    ASSERT_EQ(connection.openSession(slot, CKF_SERIAL_SESSION, &s), CKR_OK);
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE query{CKA_CLASS, &cls, sizeof cls};
    CK_OBJECT_HANDLE key = 0;
    CK_ULONG found = 0;
    ASSERT_EQ(connection.findObjectsInit(s, &query, 1), CKR_OK);
    ASSERT_EQ(connection.findObjects(s, &key, 1, &found), CKR_OK);
    ASSERT_EQ(connection.findObjectsFinal(s), CKR_OK);
    ASSERT_EQ(found, 1u);

    CK_MECHANISM pkcs1{CKM_RSA_PKCS, nullptr, 0};
    const std::size_t half = sealed.size() / 2;
    ASSERT_EQ(connection.operationInit(KeyUse::Decrypt, s, &pkcs1, key), CKR_OK);
    EXPECT_EQ(connection.operationUpdate(KeyUse::Decrypt, s, sealed.data(), half, nullptr),
              CKR_ARGUMENTS_BAD);
    CK_ULONG length = 0;
    EXPECT_EQ(connection.operationFinal(KeyUse::Decrypt, s, nullptr, &length),
              CKR_OPERATION_NOT_INITIALIZED)
        << "the operation outlived its error";

    ASSERT_EQ(connection.operationInit(KeyUse::Decrypt, s, &pkcs1, key), CKR_OK);
    CK_ULONG part = 99;
    ASSERT_EQ(connection.operationUpdate(KeyUse::Decrypt, s, sealed.data(), half, &part), CKR_OK);
    EXPECT_EQ(part, 0u);
    part = 99;
    ASSERT_EQ(connection.operationUpdate(KeyUse::Decrypt, s, sealed.data() + half,
                                         sealed.size() - half, &part),
              CKR_OK);
    EXPECT_EQ(part, 0u);
    ASSERT_EQ(connection.operationFinal(KeyUse::Decrypt, s, nullptr, &length), CKR_OK);
    Bytes opened(length);
    ASSERT_EQ(connection.operationFinal(KeyUse::Decrypt, s, opened.data(), &length), CKR_OK);
    opened.resize(length);
    EXPECT_EQ(opened, Bytes(kPlain.begin(), kPlain.end()));
}

// A program that loads modules through p11-kit (here gnutls-cli) reaches the gateway through a
// module file with "remote: unix:path=...", and uses a client certificate whose private key is
// a pkcs11: URL; the server sees the certificate and the audit has the signature.
TEST_F(KeyGatewayTest, GnutlsClientCertificateKeyThroughRemoteModuleFile) {
    KeyRecord key = create(KeyType::EcP256, KeyUse::Sign, "tls-client", "tls");
    ASSERT_TRUE(admin->grant("tls", getuid(), std::nullopt).ok());
    const auto d = dir.path().string();
    writeFile(dir / "pub.der", std::string(key.publicKey.begin(), key.publicKey.end()));
    writeFile(dir / "ca.tmpl", "cn = \"Test CA\"\nca\ncert_signing_key\nexpiration_days = 30\n");
    writeFile(dir / "client.tmpl", "cn = \"client\"\ntls_www_client\nexpiration_days = 30\n");
    writeFile(dir / "server.tmpl",
              "cn = \"localhost\"\ndns_name = \"localhost\"\ntls_www_server\nexpiration_days = "
              "30\n");
    int status = 0;
    std::string out =
        run("cd " + d +
                " && certtool --pubkey-info --inder --infile pub.der --outfile pub.pem"
                " && certtool --generate-privkey --key-type ecdsa --outfile ca.key"
                " && certtool --generate-self-signed --load-privkey ca.key"
                " --template ca.tmpl --outfile ca.pem"
                " && certtool --generate-certificate --load-pubkey pub.pem"
                " --load-ca-certificate ca.pem --load-ca-privkey ca.key"
                " --template client.tmpl --outfile client.pem"
                " && certtool --generate-privkey --key-type ecdsa --outfile srv.key"
                " && certtool --generate-certificate --load-privkey srv.key"
                " --load-ca-certificate ca.pem --load-ca-privkey ca.key"
                " --template server.tmpl --outfile srv.pem",
            &status);
    ASSERT_EQ(status, 0) << out;
    ASSERT_TRUE(admin->importCertificate("tls-client", readFile(dir / "client.pem")).ok());

    // p11-kit reads no per-user module file for root: a machine-wide one, for gnutls-cli only.
    const std::string moduleFile =
        "/etc/pkcs11/modules/peertrust-keys-test-" + std::to_string(getpid()) + ".module";
    std::system("mkdir -p /etc/pkcs11/modules");
    writeFile(moduleFile, "remote: unix:path=" + socket + "\nenable-in: gnutls-cli\n");
    const int port = freeLoopbackPort();
    ASSERT_GT(port, 0) << "no free loopback port";
    out = run("cd " + d + " && (gnutls-serv -p " + std::to_string(port) +
                  " --require-client-cert --x509cafile ca.pem --x509certfile srv.pem"
                  " --x509keyfile srv.key > server.log 2>&1 & echo $! > server.pid)"
                  " && for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/" +
                  std::to_string(port) +
                  ") 2>/dev/null && break; sleep 0.1; done"
                  " && echo | timeout 20 gnutls-cli -p " +
                  std::to_string(port) +
                  " --x509cafile ca.pem --x509certfile client.pem --x509keyfile '" + keyUri(key) +
                  "' localhost; kill $(cat server.pid)",
              &status);
    std::remove(moduleFile.c_str());
    EXPECT_NE(out.find("Handshake was completed"), std::string::npos) << out;
    EXPECT_NE(out.find("Status: The certificate is trusted"), std::string::npos) << out;
    auto trail = admin->audit(0);
    ASSERT_TRUE(trail.ok());
    ASSERT_FALSE(trail->empty()) << "the handshake's signature is not in the audit";
    EXPECT_EQ(trail->back().keyId, key.id);
    EXPECT_EQ(trail->back().result, "ok");
    EXPECT_EQ(trail->back().uid, getuid());
}

// In-process through p11-kit-client.so, for the exact codes.
class GatewayClient {
public:
    explicit GatewayClient(const std::string& socket) {
        ::setenv("P11_KIT_SERVER_ADDRESS", ("unix:path=" + socket).c_str(), 1);
        f = p11_kit_module_load(kClientModule, P11_KIT_MODULE_UNMANAGED);
        if (f != nullptr && p11_kit_module_initialize(f) != CKR_OK) {
            p11_kit_module_release(f);
            f = nullptr;
        }
    }
    ~GatewayClient() {
        if (f != nullptr) {
            p11_kit_module_finalize(f);
            p11_kit_module_release(f);
        }
    }
    CK_SESSION_HANDLE session() {
        CK_SLOT_ID slots[4];
        CK_ULONG count = 4;
        EXPECT_EQ(f->C_GetSlotList(CK_TRUE, slots, &count), CKR_OK);
        EXPECT_GE(count, 1u);
        CK_SESSION_HANDLE s = 0;
        EXPECT_EQ(f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK);
        return s;
    }
    CK_OBJECT_HANDLE privateKey(CK_SESSION_HANDLE s) {
        CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        CK_ATTRIBUTE query{CKA_CLASS, &cls, sizeof cls};
        CK_OBJECT_HANDLE key = 0;
        CK_ULONG n = 0;
        EXPECT_EQ(f->C_FindObjectsInit(s, &query, 1), CKR_OK);
        EXPECT_EQ(f->C_FindObjects(s, &key, 1, &n), CKR_OK);
        EXPECT_EQ(f->C_FindObjectsFinal(s), CKR_OK);
        EXPECT_EQ(n, 1u);
        return key;
    }
    CK_FUNCTION_LIST* f = nullptr;
};

TEST_F(KeyGatewayTest, SecretsStayInsideAndEachKeyHasOneUse) {
    grantSignerToMe();
    GatewayClient client(socket);
    ASSERT_NE(client.f, nullptr) << "p11-kit-client.so did not connect";
    CK_FUNCTION_LIST* f = client.f;
    CK_SESSION_HANDLE s = client.session();
    CK_OBJECT_HANDLE key = client.privateKey(s);

    std::uint8_t value[512];
    CK_ATTRIBUTE secret{CKA_VALUE, value, sizeof value};
    EXPECT_EQ(f->C_GetAttributeValue(s, key, &secret, 1), CKR_ATTRIBUTE_SENSITIVE);
    CK_BBOOL sensitive = CK_FALSE;
    CK_BBOOL extractable = CK_TRUE;
    CK_ATTRIBUTE flags[] = {{CKA_SENSITIVE, &sensitive, sizeof sensitive},
                            {CKA_EXTRACTABLE, &extractable, sizeof extractable}};
    EXPECT_EQ(f->C_GetAttributeValue(s, key, flags, 2), CKR_OK);
    EXPECT_EQ(sensitive, CK_TRUE);
    EXPECT_EQ(extractable, CK_FALSE);

    CK_MECHANISM wrap{CKM_RSA_PKCS, nullptr, 0};
    CK_ULONG length = sizeof value;
    EXPECT_NE(f->C_WrapKey(s, &wrap, key, key, value, &length), CKR_OK);
    CK_MECHANISM decrypt{CKM_RSA_PKCS, nullptr, 0};
    EXPECT_EQ(f->C_DecryptInit(s, &decrypt, key), CKR_KEY_FUNCTION_NOT_PERMITTED)
        << "a sign-only key began a decryption";
    CK_MECHANISM eddsa{CKM_EDDSA, nullptr, 0};
    EXPECT_EQ(f->C_SignInit(s, &eddsa, key), CKR_MECHANISM_INVALID);
    CK_MECHANISM rsa{CKM_RSA_PKCS, nullptr, 0};
    EXPECT_EQ(f->C_SignInit(s, &rsa, key), CKR_KEY_TYPE_INCONSISTENT) << "RSA with an EC key";

    // The two-call length pattern, then the signature.
    CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
    std::uint8_t hash[32] = {1, 2, 3};
    ASSERT_EQ(f->C_SignInit(s, &ecdsa, key), CKR_OK);
    CK_ULONG signatureLength = 0;
    ASSERT_EQ(f->C_Sign(s, hash, sizeof hash, nullptr, &signatureLength), CKR_OK);
    EXPECT_EQ(signatureLength, 64u);
    std::uint8_t signature[64];
    EXPECT_EQ(f->C_Sign(s, hash, sizeof hash, signature, &signatureLength), CKR_OK);

    // An error in C_Sign ends the operation (PKCS#11 2.40): the session can begin another.
    ASSERT_EQ(f->C_SignInit(s, &ecdsa, key), CKR_OK);
    ASSERT_EQ(f->C_SignUpdate(s, hash, sizeof hash), CKR_OK);
    EXPECT_EQ(f->C_Sign(s, hash, sizeof hash, signature, &signatureLength), CKR_OPERATION_ACTIVE);
    EXPECT_EQ(f->C_SignInit(s, &ecdsa, key), CKR_OK) << "the failed operation is still active";
    signatureLength = sizeof signature;
    EXPECT_EQ(f->C_Sign(s, hash, sizeof hash, signature, &signatureLength), CKR_OK);

    // A revoke reaches a connection opened before it: the key is gone from the next search
    // and an operation on a handle found earlier fails.
    ASSERT_TRUE(admin->revoke("signer", getuid()).ok());
    EXPECT_EQ(f->C_SignInit(s, &ecdsa, key), CKR_KEY_HANDLE_INVALID);
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE query{CKA_CLASS, &cls, sizeof cls};
    CK_OBJECT_HANDLE found = 0;
    CK_ULONG n = 1;
    ASSERT_EQ(f->C_FindObjectsInit(s, &query, 1), CKR_OK);
    EXPECT_EQ(f->C_FindObjects(s, &found, 1, &n), CKR_OK);
    EXPECT_EQ(n, 0u) << "a revoked key is still found";
    EXPECT_EQ(f->C_FindObjectsFinal(s), CKR_OK);
}

// A use the grant no longer covers is refused and still audited: revoked between C_SignInit
// and C_Sign, and a later C_SignInit on the handle found before the revoke.
TEST_F(KeyGatewayTest, ARefusedUseIsAudited) {
    const std::string signer = grantSignerToMe();
    GatewayClient client(socket);
    ASSERT_NE(client.f, nullptr) << "p11-kit-client.so did not connect";
    CK_FUNCTION_LIST* f = client.f;
    CK_SESSION_HANDLE s = client.session();
    CK_OBJECT_HANDLE key = client.privateKey(s);
    CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
    std::uint8_t hash[32] = {4, 5, 6};
    std::uint8_t signature[64];
    CK_ULONG signatureLength = sizeof signature;
    ASSERT_EQ(f->C_SignInit(s, &ecdsa, key), CKR_OK);
    ASSERT_TRUE(admin->revoke("signer", getuid()).ok());
    EXPECT_EQ(f->C_Sign(s, hash, sizeof hash, signature, &signatureLength), CKR_KEY_HANDLE_INVALID);
    EXPECT_EQ(f->C_SignInit(s, &ecdsa, key), CKR_KEY_HANDLE_INVALID);

    auto trail = admin->audit(0);
    ASSERT_TRUE(trail.ok()) << trail.error().message();
    ASSERT_EQ(trail->size(), 2u) << "a refused use is missing from the audit";
    for (const AuditRecord& row : *trail) {
        EXPECT_EQ(row.keyId, signer);
        EXPECT_EQ(row.uid, getuid());
        EXPECT_EQ(row.pid, getpid());
        EXPECT_EQ(row.operation, KeyUse::Sign);
        EXPECT_EQ(row.mechanism, "CKM_ECDSA");
        EXPECT_EQ(row.result, "refused");
    }
}

// What peertrustd runs, stopped and started again on the same state: keys, grants and the
// audit survive; a client whose connection the stop broke gets an error, not a hang, and
// works again after C_Finalize and C_Initialize.
TEST(KeyLayerRestartTest, StateSurvivesAndBrokenConnectionsFailCleanly) {
    TempDir dir;
    const KeyLayerConfig config{dir / "keys", dir / "keys.sock", std::nullopt,
                                "",           std::nullopt,      {}};
    auto layer = KeyLayer::start(config);
    ASSERT_TRUE(layer.ok()) << layer.error().message();
    auto key =
        (*layer)->administration().create({KeyType::EcP256, KeyUse::Sign, "kept", ""}, 1700000000);
    ASSERT_TRUE(key.ok()) << key.error().message();
    ASSERT_TRUE((*layer)->administration().grant("kept", getuid(), std::nullopt).ok());

    GatewayClient client(config.socket.string());
    ASSERT_NE(client.f, nullptr);
    CK_FUNCTION_LIST* f = client.f;
    CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
    std::uint8_t hash[32] = {7};
    std::uint8_t signature[64];
    auto signOnce = [&]() -> CK_RV {
        CK_SESSION_HANDLE s = client.session();
        CK_OBJECT_HANDLE k = client.privateKey(s);
        CK_ULONG length = sizeof signature;
        CK_RV rv = f->C_SignInit(s, &ecdsa, k);
        return rv == CKR_OK ? f->C_Sign(s, hash, sizeof hash, signature, &length) : rv;
    };
    ASSERT_EQ(signOnce(), CKR_OK);
    CK_SESSION_HANDLE open = client.session();

    layer->reset();  // the daemon stops
    // p11-kit-client.so writes without MSG_NOSIGNAL: a program that does not ignore SIGPIPE
    // (as servers and GnuTLS programs commonly do) would die here instead of getting an error.
    ::signal(SIGPIPE, SIG_IGN);
    CK_SESSION_INFO info;
    const auto started = std::chrono::steady_clock::now();
    EXPECT_NE(f->C_GetSessionInfo(open, &info), CKR_OK);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));

    auto again = KeyLayer::start(config);  // and starts again
    ASSERT_TRUE(again.ok()) << again.error().message();
    auto keys = (*again)->administration().list();
    ASSERT_TRUE(keys.ok());
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ((*keys)[0].id, key->id);
    ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);
    ASSERT_EQ(f->C_Initialize(nullptr), CKR_OK);
    EXPECT_EQ(signOnce(), CKR_OK) << "the grant or the key did not survive the restart";
    auto trail = (*again)->administration().audit(0);
    ASSERT_TRUE(trail.ok());
    EXPECT_EQ(trail->size(), 2u) << "one signature before the restart, one after";
}

TEST_F(KeyGatewayTest, ASlotTheConnectionDoesNotListIsInvalidEverywhere) {
    grantSignerToMe();
    GatewayClient client(socket);
    ASSERT_NE(client.f, nullptr) << "p11-kit-client.so did not connect";
    CK_FUNCTION_LIST* f = client.f;
    CK_SLOT_ID slots[4];
    CK_ULONG count = 4;
    ASSERT_EQ(f->C_GetSlotList(CK_TRUE, slots, &count), CKR_OK);
    ASSERT_EQ(count, 1u);
    const CK_SLOT_ID other = slots[0] + 1;

    CK_TOKEN_INFO token;
    EXPECT_EQ(f->C_GetTokenInfo(other, &token), CKR_SLOT_ID_INVALID);
    CK_ULONG mechanisms = 0;
    EXPECT_EQ(f->C_GetMechanismList(other, nullptr, &mechanisms), CKR_SLOT_ID_INVALID);
    CK_MECHANISM_INFO info;
    EXPECT_EQ(f->C_GetMechanismInfo(other, CKM_ECDSA, &info), CKR_SLOT_ID_INVALID);
    CK_SESSION_HANDLE s = 0;
    EXPECT_EQ(f->C_OpenSession(other, CKF_SERIAL_SESSION, nullptr, nullptr, &s),
              CKR_SLOT_ID_INVALID);
    EXPECT_EQ(f->C_CloseAllSessions(other), CKR_SLOT_ID_INVALID);

    // The listed slot answers all of them.
    EXPECT_EQ(f->C_GetMechanismList(slots[0], nullptr, &mechanisms), CKR_OK);
    EXPECT_GT(mechanisms, 0u);
    EXPECT_EQ(f->C_GetMechanismInfo(slots[0], CKM_ECDSA, &info), CKR_OK);
    EXPECT_EQ(f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK);
    EXPECT_EQ(f->C_CloseAllSessions(slots[0]), CKR_OK);
}

// Each connection is served on a thread of its own; one that ended is joined, so a client that
// connects and leaves over and over costs the daemon nothing that stays (a thread left unjoined
// keeps its stack mapped).
TEST_F(KeyGatewayTest, ConnectionsThatEndedLeaveNoThreadBehind) {
    auto mappings = [] {
        std::ifstream maps("/proc/self/maps");
        return std::count(std::istreambuf_iterator<char>(maps), std::istreambuf_iterator<char>(),
                          '\n');
    };
    auto connectAndLeave = [&] {
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, socket.c_str(), socket.size() + 1);
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        ::close(fd);
    };
    for (int i = 0; i < 20; ++i) {
        connectAndLeave();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto before = mappings();
    for (int i = 0; i < 200; ++i) {
        connectAndLeave();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    connectAndLeave();  // the gateway joins what ended when it accepts
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_LT(mappings() - before, 40) << "threads of ended connections are kept";
}

// Any local user may connect: one that holds connections open gets kMaxConnectionsPerUid of
// them, and further ones are closed at once, instead of taking every thread and descriptor.
TEST_F(KeyGatewayTest, AUidHoldsABoundedNumberOfConnections) {
    auto connectTo = [&] {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, socket.c_str(), socket.size() + 1);
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        return fd;
    };
    // Closed by the gateway within `wait`: readable, and at its end.
    auto closedByGateway = [](int fd, int waitMs) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, waitMs) <= 0) {
            return false;
        }
        char byte = 0;
        return ::read(fd, &byte, 1) == 0;
    };
    std::vector<int> held;
    for (std::size_t i = 0; i < kMaxConnectionsPerUid; ++i) {
        held.push_back(connectTo());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (int fd : held) {
        EXPECT_FALSE(closedByGateway(fd, 0));
    }
    const int oneTooMany = connectTo();
    EXPECT_TRUE(closedByGateway(oneTooMany, 3000)) << "a connection beyond the limit is served";
    ::close(oneTooMany);
    // One given back, one more served.
    ::close(held.back());
    held.pop_back();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    held.push_back(connectTo());
    EXPECT_FALSE(closedByGateway(held.back(), 500));
    for (int fd : held) {
        ::close(fd);
    }
}

// Within a connection: at most 16 sessions, and no input of more than 1 MiB kept for an
// operation (a length query keeps the operation, and with it the input).
TEST_F(KeyGatewayTest, AConnectionHoldsBoundedSessionsAndInput) {
    grantSignerToMe();
    GatewayClient client(socket);
    ASSERT_NE(client.f, nullptr) << "p11-kit-client.so did not connect";
    CK_FUNCTION_LIST* f = client.f;
    CK_SESSION_HANDLE s = client.session();
    CK_OBJECT_HANDLE key = client.privateKey(s);
    CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
    ASSERT_EQ(f->C_SignInit(s, &ecdsa, key), CKR_OK);
    std::vector<CK_BYTE> huge((1 << 20) + 1, 0x42);
    CK_ULONG length = 0;
    EXPECT_EQ(f->C_Sign(s, huge.data(), huge.size(), nullptr, &length), CKR_DATA_LEN_RANGE);
    EXPECT_EQ(f->C_Sign(s, huge.data(), 32, nullptr, &length), CKR_OPERATION_NOT_INITIALIZED)
        << "the refused operation was kept";

    CK_SLOT_ID slots[4];
    CK_ULONG count = 4;
    ASSERT_EQ(f->C_GetSlotList(CK_TRUE, slots, &count), CKR_OK);
    CK_RV rv = CKR_OK;
    std::size_t opened = 1;
    while (rv == CKR_OK && opened < 64) {
        CK_SESSION_HANDLE more = 0;
        rv = f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, nullptr, nullptr, &more);
        opened += rv == CKR_OK ? 1 : 0;
    }
    EXPECT_EQ(rv, CKR_SESSION_COUNT);
    EXPECT_EQ(opened, 16u);
}

// A grant on a set ends with the set's last key: a later set of that name is not given to
// whoever had the old one. And a name that is both a key and a set revokes the set's grant
// too, never answering "no grant" while one stays in force.
TEST_F(KeyGatewayTest, SetGrantsNeitherOutliveTheSetNorHideBehindAKey) {
    const uid_t user = 4242;
    create(KeyType::EcP256, KeyUse::Sign, "build-1", "ci");
    ASSERT_TRUE(admin->grant("ci", user, std::nullopt).ok());
    ASSERT_TRUE(admin->dispose("build-1").ok());
    auto left = admin->grants();
    ASSERT_TRUE(left.ok());
    EXPECT_TRUE(left->empty()) << left->size() << " grants outlived their set";
    KeyRecord release = create(KeyType::EcP256, KeyUse::Sign, "release", "ci");
    auto usable = admin->listUsableBy(user, 1700000000);
    ASSERT_TRUE(usable.ok());
    EXPECT_TRUE(usable->empty()) << "a new key of the set went to the old set's grantee";

    // The set "ci" granted, then a key labelled "ci" (in another set) takes the name.
    ASSERT_TRUE(admin->grant("ci", user, std::nullopt).ok());
    create(KeyType::EcP256, KeyUse::Sign, "ci", "other");
    ASSERT_TRUE(admin->revoke("ci", user).ok());
    usable = admin->listUsableBy(user, 1700000000);
    ASSERT_TRUE(usable.ok());
    EXPECT_TRUE(usable->empty()) << "the set's grant stayed behind the key of the same name";
}

// Every use is audited: while the trail cannot be written, uses are refused (and the rows
// kept), and once it can, they are served again and every row reaches it.
TEST_F(KeyGatewayTest, NoUseIsMadeWhileTheTrailCannotBeWritten) {
    grantSignerToMe();
    GatewayClient client(socket);
    ASSERT_NE(client.f, nullptr) << "p11-kit-client.so did not connect";
    CK_FUNCTION_LIST* f = client.f;
    CK_SESSION_HANDLE s = client.session();
    CK_OBJECT_HANDLE key = client.privateKey(s);
    auto sign = [&] {
        CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
        CK_BYTE digest[32] = {1, 2, 3};
        CK_BYTE signature[128];
        CK_ULONG length = sizeof signature;
        if (CK_RV rv = f->C_SignInit(s, &ecdsa, key); rv != CKR_OK) {
            return rv;
        }
        return f->C_Sign(s, digest, sizeof digest, signature, &length);
    };
    auto onTrail = [&](const char* sql) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((dir / "keys.db").c_str(), &db), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db);
        sqlite3_close(db);
    };
    ASSERT_EQ(sign(), CKR_OK);
    onTrail("ALTER TABLE key_audit RENAME TO key_audit_away");
    EXPECT_EQ(sign(), CKR_OK);  // its row waits: the writer has not failed yet
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(sign(), CKR_DEVICE_ERROR) << "a use was made that the trail cannot record";
    onTrail("ALTER TABLE key_audit_away RENAME TO key_audit");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(sign(), CKR_OK);
    auto trail = admin->audit(0);
    ASSERT_TRUE(trail.ok()) << trail.error().message();
    std::vector<std::string> results;
    for (const auto& row : *trail) {
        results.push_back(row.result);
    }
    EXPECT_EQ(results, (std::vector<std::string>{"ok", "ok", "refused", "ok"}));
}

// A first start that stopped between making the SoftHSM token and keeping its PIN: the next
// start opens that token with the PIN written before it, instead of making a second token
// beside one nobody can open.
TEST(SoftHsmProvisioningTest, AStartThatStoppedAfterMakingTheTokenResumesIt) {
    TempDir dir;
    auto first = provisionSoftHsm(dir / "backend");
    ASSERT_TRUE(first.ok()) << first.error().message();
    std::filesystem::rename(dir / "backend" / "backend.pin", dir / "backend" / "backend.pin.new");
    auto again = provisionSoftHsm(dir / "backend");
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(again->userPin, first->userPin);
    EXPECT_TRUE(std::filesystem::exists(dir / "backend" / "backend.pin"));
    const auto tokens =
        std::distance(std::filesystem::directory_iterator(dir / "backend" / "tokens"),
                      std::filesystem::directory_iterator());
    EXPECT_EQ(tokens, 1) << "a second token was made";
    auto backend = KeyBackend::open(*again);
    EXPECT_TRUE(backend.ok()) << backend.error().message();
}

// Rows the writer cannot store are kept and the daemon's log says why, with SQLite's reason,
// once; rows still unwritten when the key layer stops are reported lost.
TEST(AuditLogTest, RowsThatCannotBeWrittenAreReportedWithTheReason) {
    TempDir dir;
    auto registry = KeyRegistry::open(dir / "keys.db");
    ASSERT_TRUE(registry.ok()) << registry.error().message();
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "keys.db").c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "DROP TABLE key_audit", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(other);

    std::mutex lock;
    std::vector<std::string> reports;
    {
        AuditLog audit(**registry, [&](std::string_view message) {
            std::lock_guard guard(lock);
            reports.emplace_back(message);
        });
        audit.append({1700000000000, 0, 1, "key-1", KeyUse::Sign, "CKM_ECDSA", "ok"});
        audit.flush();
    }
    std::lock_guard guard(lock);
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_NE(reports[0].find("cannot write 1 audit rows"), std::string::npos) << reports[0];
    EXPECT_NE(reports[0].find("key_audit"), std::string::npos) << reports[0];
    EXPECT_NE(reports[0].find("every key use is refused"), std::string::npos) << reports[0];
    EXPECT_NE(reports[1].find("lost 1 audit rows"), std::string::npos) << reports[1];
}

}  // namespace
}  // namespace peertrust::testing
