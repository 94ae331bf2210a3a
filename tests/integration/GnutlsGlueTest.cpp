// Real GnuTLS handshakes (a GnuTLS server in a thread, over TCP on 127.0.0.1) decided by the
// daemon through GnutlsSessionVerifier, and GnuTLS's own pin API backed by peertrust.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>

#include "peertrust/GnutlsGlue.h"
#include "policy/ProtocolRegistry.h"
#include "support/CertFactory.h"
#include "support/LoopbackPort.h"
#include "support/OcspFactory.h"
#include "support/SessionDaemonTest.h"
#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {
namespace {

// A GnuTLS client session on `fd` under `priority` (null: GnuTLS's default), with certificate
// credentials that trust nothing themselves: a verifier decides. Freed with the object.
class ClientSession {
public:
    ClientSession(int fd, const char* priority, unsigned flags = 0) {
        gnutls_certificate_allocate_credentials(&m_credentials);
        gnutls_init(&m_session, GNUTLS_CLIENT | flags);
        if (priority != nullptr) {
            gnutls_priority_set_direct(m_session, priority, nullptr);
        } else {
            gnutls_set_default_priority(m_session);
        }
        gnutls_credentials_set(m_session, GNUTLS_CRD_CERTIFICATE, m_credentials);
        gnutls_transport_set_int(m_session, fd);
        gnutls_handshake_set_timeout(m_session, 10000);
    }
    ~ClientSession() {
        gnutls_deinit(m_session);
        gnutls_certificate_free_credentials(m_credentials);
    }
    ClientSession(const ClientSession&) = delete;
    ClientSession& operator=(const ClientSession&) = delete;

    gnutls_session_t get() const { return m_session; }
    // The handshake to its end, past the errors GnuTLS asks to retry.
    int handshake() {
        int rc = 0;
        do {
            rc = gnutls_handshake(m_session);
        } while (rc < 0 && !gnutls_error_is_fatal(rc));
        return rc;
    }

private:
    gnutls_certificate_credentials_t m_credentials = nullptr;
    gnutls_session_t m_session = nullptr;
};

// An external pre-shared key, and a TLS 1.3 priority that allows it.
const unsigned char kPskSecret[] = {0x6b, 0x65, 0x79, 0x21, 0x01, 0x02, 0x03, 0x04,
                                    0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};
const gnutls_datum_t kPskKey{const_cast<unsigned char*>(kPskSecret), sizeof kPskSecret};
constexpr const char* kPskPriority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+PSK:+ECDHE-PSK:+DHE-PSK";

// Serves one handshake authenticated by kPskKey alone (no certificate, no tickets) on `fd`.
void servePsk(int fd) {
    gnutls_psk_server_credentials_t credentials = nullptr;
    gnutls_psk_allocate_server_credentials(&credentials);
    gnutls_psk_set_server_credentials_function(
        credentials, [](gnutls_session_t, const char*, gnutls_datum_t* out) {
            out->data = static_cast<unsigned char*>(gnutls_malloc(sizeof kPskSecret));
            std::memcpy(out->data, kPskSecret, sizeof kPskSecret);
            out->size = sizeof kPskSecret;
            return 0;
        });
    gnutls_session_t session = nullptr;
    gnutls_init(&session, GNUTLS_SERVER);
    gnutls_priority_set_direct(session, kPskPriority, nullptr);
    gnutls_credentials_set(session, GNUTLS_CRD_PSK, credentials);
    gnutls_transport_set_int(session, fd);
    gnutls_handshake_set_timeout(session, 10000);
    int rc;
    do {
        rc = gnutls_handshake(session);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    gnutls_deinit(session);
    gnutls_psk_free_server_credentials(credentials);
    close(fd);
}

// Every byte the client sends on `fd` until it closes or has been quiet for a second; a
// listener that answers nothing, to see what left the client.
std::string readUntilQuiet(int fd) {
    std::string received;
    char buffer[4096];
    pollfd ready{fd, POLLIN, 0};
    while (::poll(&ready, 1, 1000) > 0) {
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got <= 0) {
            break;
        }
        received.append(buffer, static_cast<std::size_t>(got));
    }
    close(fd);
    return received;
}

// Serves one handshake with `chain` (leaf first) and the leaf's key on `fd`; with a
// `ticketKey`, issues session tickets under it (and resumes sessions it issued), under
// `priority` when one is given.
void serveOnce(int fd, const std::vector<const Issued*>& chain,
               const gnutls_datum_t* ticketKey = nullptr, const char* priority = nullptr) {
    gnutls_certificate_credentials_t credentials = nullptr;
    gnutls_certificate_allocate_credentials(&credentials);
    std::vector<gnutls_x509_crt_t> certs;
    for (const Issued* cert : chain) {
        gnutls_x509_crt_t crt = nullptr;
        gnutls_x509_crt_init(&crt);
        gnutls_datum_t der{const_cast<unsigned char*>(cert->der.data()),
                           static_cast<unsigned>(cert->der.size())};
        gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER);
        certs.push_back(crt);
    }
    gnutls_certificate_set_x509_key(credentials, certs.data(), static_cast<int>(certs.size()),
                                    chain.front()->key.get());
    gnutls_session_t session = nullptr;
    gnutls_init(&session, GNUTLS_SERVER);
    if (priority != nullptr) {
        gnutls_priority_set_direct(session, priority, nullptr);
    } else {
        gnutls_set_default_priority(session);
    }
    if (ticketKey != nullptr) {
        gnutls_session_ticket_enable_server(session, ticketKey);
    }
    gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, credentials);
    gnutls_transport_set_int(session, fd);
    gnutls_handshake_set_timeout(session, 10000);
    int rc;
    do {
        rc = gnutls_handshake(session);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc == 0) {
        gnutls_bye(session, GNUTLS_SHUT_WR);
    }
    gnutls_deinit(session);
    for (auto crt : certs) {
        gnutls_x509_crt_deinit(crt);
    }
    gnutls_certificate_free_credentials(credentials);
    close(fd);
}

class GnutlsGlueTest : public SessionDaemonTest {
protected:
    void SetUp() override {
        // A side that gives up on a handshake closes its end; the other must not die of it.
        signal(SIGPIPE, SIG_IGN);
        startDaemon();
        CertSpec ca;
        ca.commonName = "Glue Root";
        ca.isCa = true;
        root = selfSigned(ca);
    }

    Issued server(const std::string& host, const Issued* issuer) {
        CertSpec spec;
        spec.commonName = host;
        spec.dnsNames = {host};
        spec.purposes = {policy::kPurposeServerAuth};
        return issuer ? issue(spec, *issuer) : selfSigned(spec);
    }

    struct Outcome {
        int rc = 0;
        std::optional<Verdict> verdict;
        std::optional<Error> error;
    };

    // How the program handles its verifiers: one for the handshake; one replaced by a second
    // before it (the first destroyed after the second took over); one destroyed before it.
    enum class Verifiers { One, Replaced, DestroyedBefore };

    // One handshake as a client of `protocol`, whose verifier is given `peer`. With a
    // `serverName`, the program itself sets it on the session (gnutls_server_name_set) first.
    Outcome connect(const std::string& protocol, const std::string& peer,
                    const std::optional<std::string>& serverName,
                    const std::vector<const Issued*>& chain, Verifiers verifiers = Verifiers::One,
                    TrustService* service = nullptr) {
        TrustService& trust = service != nullptr ? *service : *client;
        Outcome outcome;
        int fds[2];
        // A TCP connection on loopback, as a program's connection to its server.
        EXPECT_TRUE(loopbackConnection(fds));
        std::thread serverThread([&] { serveOnce(fds[1], chain); });
        {
            ClientSession session(fds[0], nullptr);
            if (serverName) {
                EXPECT_EQ(gnutls_server_name_set(session.get(), GNUTLS_NAME_DNS, serverName->data(),
                                                 serverName->size()),
                          0);
            }
            // The one replaced takes its peer from the ClientHello, so it owns the session's hook.
            auto verifier = std::make_unique<GnutlsSessionVerifier>(
                session.get(), trust, protocol, verifiers == Verifiers::Replaced ? "" : peer);
            if (verifiers == Verifiers::Replaced) {
                verifier =
                    std::make_unique<GnutlsSessionVerifier>(session.get(), trust, protocol, peer);
            } else if (verifiers == Verifiers::DestroyedBefore) {
                verifier.reset();
            }
            outcome.rc = session.handshake();
            if (verifier) {
                outcome.verdict = verifier->verdict();
                outcome.error = verifier->error();
            }
        }
        close(fds[0]);
        serverThread.join();
        return outcome;
    }

    // One handshake as a client of `protocol`, with the server name `host`.
    int handshake(const std::string& protocol, const std::string& host,
                  const std::vector<const Issued*>& chain, std::optional<Verdict>& verdict) {
        Outcome outcome = connect(protocol, host, std::nullopt, chain);
        verdict = outcome.verdict;
        if (outcome.error) {
            ADD_FAILURE() << "verifier: " << outcome.error->message();
        }
        return outcome.rc;
    }

    Issued root;
};

// A verifier replaced by another, or destroyed, never leaves the session unchecked: the
// replacement stays in force, and a session without one fails its handshakes.
TEST_F(GnutlsGlueTest, AReplacedOrDestroyedVerifierNeverLeavesTheSessionUnchecked) {
    Issued unknown = server("www.example.com", nullptr);
    Outcome replaced =
        connect("https", "www.example.com", std::nullopt, {&unknown}, Verifiers::Replaced);
    EXPECT_LT(replaced.rc, 0) << "the handshake went unchecked after a verifier was replaced";
    ASSERT_TRUE(replaced.verdict.has_value()) << "the replacement did not decide";
    EXPECT_EQ(replaced.verdict->reason, "untrusted-issuer");

    ASSERT_TRUE(client->addAnchor({root.der, {}, "Glue Root"}).ok());
    Issued known = server("www.example.com", &root);
    Outcome accepted =
        connect("https", "www.example.com", std::nullopt, {&known}, Verifiers::Replaced);
    EXPECT_EQ(accepted.rc, 0) << (accepted.error ? accepted.error->message() : "");

    Outcome destroyed =
        connect("https", "www.example.com", std::nullopt, {&known}, Verifiers::DestroyedBefore);
    EXPECT_LT(destroyed.rc, 0) << "a session whose verifier is gone accepted a peer unchecked";
}

TEST_F(GnutlsGlueTest, InScopeCaSucceedsOutOfScopeFails) {
    AnchorScope scope;
    scope.permitted = {{NameSubtree::Type::Dns, "example.com"}};
    ASSERT_TRUE(client->addAnchor({root.der, scope, "Glue Root"}).ok());
    Issued inScope = server("www.example.com", &root);
    std::optional<Verdict> verdict;
    EXPECT_EQ(handshake("https", "www.example.com", {&inScope}, verdict), 0);
    ASSERT_TRUE(verdict.has_value());
    EXPECT_EQ(verdict->reason, "anchor");

    Issued outOfScope = server("www.example.org", &root);
    EXPECT_LT(handshake("https", "www.example.org", {&outOfScope}, verdict), 0);
    ASSERT_TRUE(verdict.has_value());
    EXPECT_EQ(verdict->reason, "out-of-scope");
}

// A resumed handshake sends no certificate, and GnuTLS calls no verify function for it: it
// would go on trusting a key the daemon has since distrusted. The verifier decides it when the
// server's Finished arrives, by the chain the session was established with (accepted while the
// policy holds, failed once it does not): TLS 1.2 keeps that chain in the session, and for
// TLS 1.3 the verifier keeps it under the session's tickets.
class GnutlsResumptionTest : public GnutlsGlueTest {
protected:
    void SetUp() override {
        GnutlsGlueTest::SetUp();
        ASSERT_EQ(gnutls_session_ticket_key_generate(&ticketKey), 0);
        ASSERT_TRUE(client->addAnchor({root.der, {}, "Glue Root"}).ok());
        leaf = server("www.example.com", &root);
    }
    void TearDown() override {
        gnutls_free(saved.data);
        gnutls_free(ticketKey.data);
    }

    struct Handshake {
        int rc = 0;
        bool resumed = false;
        std::optional<Verdict> verdict;
        std::optional<Error> error;
    };

    // One handshake under `priority` against a server that issues session tickets; resumes
    // `saved` when it holds a session, and keeps the new session's data in it otherwise.
    Handshake handshakeResuming(const char* priority) {
        Handshake outcome;
        int fds[2];
        EXPECT_TRUE(loopbackConnection(fds));
        std::thread serverThread([&] { serveOnce(fds[1], {&leaf}, &ticketKey, priority); });
        {
            ClientSession session(fds[0], priority);
            const bool resuming = saved.size > 0;
            if (resuming) {
                EXPECT_EQ(gnutls_session_set_data(session.get(), saved.data, saved.size), 0);
            }
            GnutlsSessionVerifier verifier(session.get(), *client, "https", "www.example.com");
            outcome.rc = session.handshake();
            outcome.resumed = outcome.rc == 0 && gnutls_session_is_resumed(session.get()) != 0;
            outcome.verdict = verifier.verdict();
            outcome.error = verifier.error();
            if (outcome.rc == 0 && !resuming) {
                EXPECT_EQ(gnutls_session_get_data2(session.get(), &saved), 0);
            }
        }
        close(fds[0]);
        serverThread.join();
        return outcome;
    }

    // A full handshake, a resumption the daemon accepts, then the leaf distrusted: the next
    // resumption fails with the daemon's verdict, where before it went through undecided.
    void expectResumptionDecidedAgainstTodaysPolicy(const char* priority) {
        auto full = handshakeResuming(priority);
        ASSERT_EQ(full.rc, 0) << gnutls_strerror(full.rc);
        EXPECT_FALSE(full.resumed);
        ASSERT_TRUE(full.verdict.has_value());
        EXPECT_EQ(full.verdict->reason, "anchor");
        ASSERT_GT(saved.size, 0u) << "the server issued no ticket or session id";

        auto resumed = handshakeResuming(priority);
        EXPECT_EQ(resumed.rc, 0) << gnutls_strerror(resumed.rc)
                                 << (resumed.error ? ": " + resumed.error->message() : "");
        EXPECT_TRUE(resumed.resumed) << "the test server did not resume the session";
        ASSERT_TRUE(resumed.verdict.has_value()) << "the resumption was not decided";
        EXPECT_EQ(resumed.verdict->reason, "anchor");

        auto distrusted = client->addDistrust({DistrustKind::Certificate, leaf.der, "leaked"});
        ASSERT_TRUE(distrusted.ok()) << distrusted.error().message();
        auto refused = handshakeResuming(priority);
        EXPECT_LT(refused.rc, 0) << "a resumed session kept a key the daemon distrusts";
        ASSERT_TRUE(refused.verdict.has_value());
        EXPECT_EQ(refused.verdict->reason, "distrusted");
    }

    gnutls_datum_t ticketKey{nullptr, 0};
    gnutls_datum_t saved{nullptr, 0};
    Issued leaf;
};

// GnuTLS keeps the chain in a TLS 1.2 session.
TEST_F(GnutlsResumptionTest, Tls12ResumptionIsDecidedAgainstTodaysPolicy) {
    expectResumptionDecidedAgainstTodaysPolicy("NORMAL:-VERS-ALL:+VERS-TLS1.2");
}

// GnuTLS keeps none for TLS 1.3: the verifier kept it under the ticket.
TEST_F(GnutlsResumptionTest, Tls13ResumptionIsDecidedByTheChainKeptUnderItsTicket) {
    expectResumptionDecidedAgainstTodaysPolicy("NORMAL:-VERS-ALL:+VERS-TLS1.3");
}

// A ticket from a handshake no verifier checked (here one without a verifier; in life, a
// session saved by another run of the program): nothing says what the session was
// established with, so its resumption fails closed.
TEST_F(GnutlsResumptionTest, Tls13ResumptionWithATicketNoVerifierKeptFailsClosed) {
    const char* tls13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
    {
        int fds[2];
        ASSERT_TRUE(loopbackConnection(fds));
        std::thread serverThread([&] { serveOnce(fds[1], {&leaf}, &ticketKey, tls13); });
        {
            ClientSession session(fds[0], tls13);
            EXPECT_EQ(session.handshake(), 0);
            EXPECT_EQ(gnutls_session_get_data2(session.get(), &saved), 0);
        }
        close(fds[0]);
        serverThread.join();
    }
    ASSERT_GT(saved.size, 0u) << "the server issued no ticket";

    Handshake resumed = handshakeResuming(tls13);
    EXPECT_LT(resumed.rc, 0) << "a TLS 1.3 resumption went unchecked";
    EXPECT_FALSE(resumed.verdict.has_value());
    ASSERT_TRUE(resumed.error.has_value());
    EXPECT_NE(resumed.error->message().find("with a ticket that no checked handshake of this "
                                            "program was given"),
              std::string::npos)
        << resumed.error->message();
}

// Early data (TLS 1.3 0-RTT) leaves right after the ClientHello, under the first ticket it
// offers, long before the server's Finished: the verifier decides the session the ticket
// resumes when the hello goes out, and a refusal stops the handshake before any of it is sent.
// The server here takes early data (with anti-replay) and says what it received.
class GnutlsEarlyDataTest : public GnutlsResumptionTest {
protected:
    static constexpr const char* kTls13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

    void SetUp() override {
        GnutlsResumptionTest::SetUp();
        ASSERT_EQ(gnutls_anti_replay_init(&antiReplay), 0);
        // Every ClientHello is new to it: the test sends each one once.
        gnutls_anti_replay_set_add_function(antiReplay, [](void*, time_t, const gnutls_datum_t*,
                                                           const gnutls_datum_t*) { return 0; });
    }
    void TearDown() override {
        gnutls_anti_replay_deinit(antiReplay);
        GnutlsResumptionTest::TearDown();
    }

    // One handshake against a server that issues tickets allowing early data; with `early`,
    // the client resumes `saved` and sends it as early data. What the server received comes
    // back in `received`.
    Handshake handshakeWithEarlyData(const std::string& early, std::string& received) {
        EarlyDataClient run;
        run.resume = !early.empty();
        run.early = early;
        return handshakeWithEarlyData(run, received,
                                      [this](int fd) { return serveTakingEarlyData(fd); });
    }

    // A client that may send early data.
    struct EarlyDataClient {
        bool resume = true;    // resume `saved` (and offer early data); else save the session
        std::string early;     // sent as early data
        bool verifier = true;  // false: the verifier is gone before the handshake
        const char* priority = kTls13;
        // Also offered: an external pre-shared key (identity "client"), after the ticket.
        gnutls_psk_client_credentials_t psk = nullptr;
        // The program's own errno function, which calls every transport failure EAGAIN.
        bool retryingErrno = false;
    };

    // One handshake of `run` against `serve`, which returns what it received.
    Handshake handshakeWithEarlyData(const EarlyDataClient& run, std::string& received,
                                     const std::function<std::string(int)>& serve) {
        Handshake outcome;
        int fds[2];
        EXPECT_TRUE(loopbackConnection(fds));
        std::thread serverThread([&] { received = serve(fds[1]); });
        {
            ClientSession session(fds[0], run.priority, GNUTLS_ENABLE_EARLY_DATA);
            if (run.psk != nullptr) {
                gnutls_credentials_set(session.get(), GNUTLS_CRD_PSK, run.psk);
            }
            if (run.retryingErrno) {
                gnutls_transport_set_errno_function(session.get(),
                                                    [](gnutls_transport_ptr_t) { return EAGAIN; });
            }
            if (run.resume) {
                EXPECT_EQ(gnutls_session_set_data(session.get(), saved.data, saved.size), 0);
            }
            if (!run.early.empty()) {
                // Buffered until the ClientHello is out (GnuTLS 3.7.9 answers 0 on success).
                EXPECT_GE(gnutls_record_send_early_data(session.get(), run.early.data(),
                                                        run.early.size()),
                          0);
            }
            auto verifier = std::make_unique<GnutlsSessionVerifier>(session.get(), *client, "https",
                                                                    "www.example.com");
            if (!run.verifier) {
                verifier.reset();
            }
            outcome.rc = session.handshake();
            outcome.resumed = outcome.rc == 0 && gnutls_session_is_resumed(session.get()) != 0;
            if (verifier) {
                outcome.verdict = verifier->verdict();
                outcome.error = verifier->error();
            }
            if (outcome.rc == 0 && !run.resume) {
                EXPECT_EQ(gnutls_session_get_data2(session.get(), &saved), 0);
            }
        }
        close(fds[0]);
        serverThread.join();
        return outcome;
    }

private:
    std::string serveTakingEarlyData(int fd) {
        gnutls_certificate_credentials_t credentials = nullptr;
        gnutls_certificate_allocate_credentials(&credentials);
        gnutls_x509_crt_t crt = nullptr;
        gnutls_x509_crt_init(&crt);
        gnutls_datum_t der{const_cast<unsigned char*>(leaf.der.data()),
                           static_cast<unsigned>(leaf.der.size())};
        gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER);
        gnutls_certificate_set_x509_key(credentials, &crt, 1, leaf.key.get());
        gnutls_session_t session = nullptr;
        gnutls_init(&session, GNUTLS_SERVER | GNUTLS_ENABLE_EARLY_DATA);
        gnutls_priority_set_direct(session, kTls13, nullptr);
        gnutls_session_ticket_enable_server(session, &ticketKey);
        gnutls_record_set_max_early_data_size(session, 1024);
        gnutls_anti_replay_enable(session, antiReplay);
        gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, credentials);
        gnutls_transport_set_int(session, fd);
        gnutls_handshake_set_timeout(session, 10000);
        int rc;
        do {
            rc = gnutls_handshake(session);
        } while (rc < 0 && !gnutls_error_is_fatal(rc));
        // Whatever early data arrived, also when the client then gave up on the handshake:
        // what matters is whether it was sent at all.
        std::string received;
        char buffer[1024];
        ssize_t got = gnutls_record_recv_early_data(session, buffer, sizeof buffer);
        if (got > 0) {
            received.assign(buffer, static_cast<std::size_t>(got));
        }
        if (rc == 0) {
            gnutls_bye(session, GNUTLS_SHUT_WR);
        }
        gnutls_deinit(session);
        gnutls_x509_crt_deinit(crt);
        gnutls_certificate_free_credentials(credentials);
        close(fd);
        return received;
    }

    gnutls_anti_replay_t antiReplay = nullptr;
};

TEST_F(GnutlsEarlyDataTest, EarlyDataGoesOnlyUnderAChainTheDaemonStillAccepts) {
    std::string received;
    Handshake full = handshakeWithEarlyData("", received);
    ASSERT_EQ(full.rc, 0) << gnutls_strerror(full.rc);
    ASSERT_GT(saved.size, 0u) << "the server issued no ticket";

    Handshake resumed = handshakeWithEarlyData("GET / HTTP/1.1\r\n", received);
    EXPECT_EQ(resumed.rc, 0) << gnutls_strerror(resumed.rc)
                             << (resumed.error ? ": " + resumed.error->message() : "");
    EXPECT_TRUE(resumed.resumed);
    EXPECT_EQ(received, "GET / HTTP/1.1\r\n") << "the test server took no early data";
    ASSERT_TRUE(resumed.verdict.has_value());
    EXPECT_EQ(resumed.verdict->reason, "anchor");

    ASSERT_TRUE(client->addDistrust({DistrustKind::Certificate, leaf.der, "leaked"}).ok());
    received = "unset";
    Handshake refused = handshakeWithEarlyData("GET /secret HTTP/1.1\r\n", received);
    EXPECT_LT(refused.rc, 0);
    ASSERT_TRUE(refused.verdict.has_value());
    EXPECT_EQ(refused.verdict->reason, "distrusted");
    EXPECT_EQ(received, "") << "early data reached a server whose key the daemon distrusts";

    // On the wire, to a listener that answers nothing: GnuTLS would send the early data
    // whatever the verifier answered for the hello, so the refusal must stop every byte.
    EarlyDataClient secret;
    secret.early = "GET /secret HTTP/1.1\r\n";
    std::string onTheWire = "unset";
    Handshake cut = handshakeWithEarlyData(secret, onTheWire, readUntilQuiet);
    EXPECT_LT(cut.rc, 0);
    ASSERT_TRUE(cut.verdict.has_value());
    EXPECT_EQ(cut.verdict->reason, "distrusted");
    EXPECT_EQ(onTheWire.size(), 0u) << "bytes left the client after the refusal";

    // Offered early data with none queued: GnuTLS then goes on to read the server's answer.
    // A program whose errno function calls every failure "try again" is not left retrying.
    secret.early.clear();
    secret.retryingErrno = true;
    onTheWire = "unset";
    auto start = std::chrono::steady_clock::now();
    Handshake again = handshakeWithEarlyData(secret, onTheWire, readUntilQuiet);
    EXPECT_LT(again.rc, 0);
    EXPECT_NE(again.rc, GNUTLS_E_TIMEDOUT)
        << "the refused handshake was retried until it timed out";
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_EQ(onTheWire.size(), 0u);
}

// A verifier destroyed before the handshake leaves no one to decide the early data: none goes
// out, and neither does the ClientHello.
TEST_F(GnutlsEarlyDataTest, WithoutAVerifierNoEarlyDataLeaves) {
    std::string received;
    ASSERT_EQ(handshakeWithEarlyData("", received).rc, 0);
    ASSERT_GT(saved.size, 0u) << "the server issued no ticket";
    EarlyDataClient unchecked;
    unchecked.early = "GET /secret HTTP/1.1\r\n";
    unchecked.verifier = false;
    std::string onTheWire = "unset";
    EXPECT_LT(handshakeWithEarlyData(unchecked, onTheWire, readUntilQuiet).rc, 0);
    EXPECT_EQ(onTheWire.size(), 0u) << "bytes left a client whose verifier was gone";
}

// The ClientHello offers the ticket (early data goes under it, and is decided) and an external
// pre-shared key; a server that cannot resume the ticket chooses the key. Deciding the ticket
// decided nothing of that handshake, which shows no certificate or key: it fails.
TEST_F(GnutlsEarlyDataTest, AnExternalKeyChosenOverTheTicketIsNotTakenAsDecided) {
    std::string received;
    ASSERT_EQ(handshakeWithEarlyData("", received).rc, 0);
    ASSERT_GT(saved.size, 0u) << "the server issued no ticket";
    gnutls_psk_client_credentials_t psk = nullptr;
    gnutls_psk_allocate_client_credentials(&psk);
    gnutls_psk_set_client_credentials(psk, "client", &kPskKey, GNUTLS_PSK_KEY_RAW);
    EarlyDataClient both;
    both.priority = kPskPriority;
    both.psk = psk;
    Handshake outcome = handshakeWithEarlyData(both, received, [](int fd) {
        servePsk(fd);
        return std::string();
    });
    gnutls_psk_free_client_credentials(psk);
    EXPECT_LT(outcome.rc, 0) << "a handshake authenticated by a pre-shared key went through";
    ASSERT_TRUE(outcome.error.has_value())
        << "the handshake failed for another reason: " << gnutls_strerror(outcome.rc);
    EXPECT_NE(outcome.error->message().find("no certificate or key"), std::string::npos)
        << outcome.error->message();
}

// A handshake authenticated by a pre-shared key shows no certificate or key, so no verify
// function runs: the verifier fails it at the server's Finished rather than let it through
// unasked.
TEST_F(GnutlsGlueTest, AHandshakeWithNothingToCheckFails) {
    int fds[2];
    ASSERT_TRUE(loopbackConnection(fds));
    std::thread serverThread([&] { servePsk(fds[1]); });
    gnutls_psk_client_credentials_t credentials = nullptr;
    gnutls_psk_allocate_client_credentials(&credentials);
    gnutls_psk_set_client_credentials(credentials, "client", &kPskKey, GNUTLS_PSK_KEY_RAW);
    gnutls_session_t session = nullptr;
    gnutls_init(&session, GNUTLS_CLIENT);
    gnutls_priority_set_direct(session, kPskPriority, nullptr);
    gnutls_credentials_set(session, GNUTLS_CRD_PSK, credentials);
    gnutls_transport_set_int(session, fds[0]);
    gnutls_handshake_set_timeout(session, 10000);
    int rc = 0;
    std::optional<Error> error;
    {
        GnutlsSessionVerifier verifier(session, *client, "https", "www.example.com");
        do {
            rc = gnutls_handshake(session);
        } while (rc < 0 && !gnutls_error_is_fatal(rc));
        EXPECT_FALSE(verifier.verdict().has_value());
        error = verifier.error();
    }
    gnutls_deinit(session);
    close(fds[0]);
    serverThread.join();
    gnutls_psk_free_client_credentials(credentials);
    EXPECT_LT(rc, 0) << "a handshake with no key to check went through";
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->message().find("no certificate or key"), std::string::npos)
        << error->message();
}

TEST_F(GnutlsGlueTest, UnknownSelfSignedKeyIsFirstUseUntilPinned) {
    Issued self = server("printer.lan", nullptr);
    std::optional<Verdict> verdict;
    EXPECT_LT(handshake("tls", "printer.lan", {&self}, verdict), 0);
    ASSERT_TRUE(verdict.has_value());
    EXPECT_EQ(verdict->reason, "first-use");
    ASSERT_TRUE(client->addPin({"tls", "printer.lan", KeyFormat::X509Chain, self.der}).ok());
    EXPECT_EQ(handshake("tls", "printer.lan", {&self}, verdict), 0);
    EXPECT_EQ(verdict->reason, "pinned");
}

TEST_F(GnutlsGlueTest, EmptyPeerIsTheServerNameTheSessionSends) {
    AnchorScope scope;
    scope.permitted = {{NameSubtree::Type::Dns, "example.com"}};
    ASSERT_TRUE(client->addAnchor({root.der, scope, "Glue Root"}).ok());
    Issued leaf = server("www.example.com", &root);

    Outcome named = connect("https", "", "www.example.com", {&leaf});
    EXPECT_EQ(named.rc, 0) << gnutls_strerror(named.rc);
    EXPECT_FALSE(named.error.has_value()) << named.error->message();
    ASSERT_TRUE(named.verdict.has_value());
    EXPECT_EQ(named.verdict->kind, VerdictKind::Accepted);
    EXPECT_EQ(named.verdict->details.peer, "www.example.com");

    // The name checked is the one sent, not one the certificate offers.
    Outcome other = connect("https", "", "mail.example.com", {&leaf});
    EXPECT_LT(other.rc, 0);
    ASSERT_TRUE(other.verdict.has_value());
    EXPECT_NE(other.verdict->kind, VerdictKind::Accepted);
    EXPECT_EQ(other.verdict->details.peer, "mail.example.com");
}

TEST_F(GnutlsGlueTest, EmptyPeerWithoutServerNameFailsInsteadOfGuessing) {
    AnchorScope scope;
    scope.permitted = {{NameSubtree::Type::Dns, "example.com"}};
    ASSERT_TRUE(client->addAnchor({root.der, scope, "Glue Root"}).ok());
    Issued leaf = server("www.example.com", &root);

    Outcome outcome = connect("https", "", std::nullopt, {&leaf});
    EXPECT_EQ(outcome.rc, GNUTLS_E_INVALID_REQUEST) << gnutls_strerror(outcome.rc);
    EXPECT_FALSE(outcome.verdict.has_value());
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_EQ(outcome.error->category(), ErrorCategory::InvalidInput);
    EXPECT_EQ(outcome.error->message(),
              "no peer given and the session sent no server name; pass the peer or call "
              "gnutls_server_name_set");
}

TEST_F(GnutlsGlueTest, TrustDatabaseKeepsGnutlsPinsInPeertrust) {
    auto tdb = makeTrustDatabase(*client);
    ASSERT_TRUE(tdb.ok());
    Issued first = server("nas.lan", nullptr);
    Issued other = server("nas.lan", nullptr);
    gnutls_datum_t firstDer{first.der.data(), static_cast<unsigned>(first.der.size())};
    gnutls_datum_t otherDer{other.der.data(), static_cast<unsigned>(other.der.size())};
    EXPECT_EQ(
        gnutls_verify_stored_pubkey(nullptr, *tdb, "nas.lan", "443", GNUTLS_CRT_X509, &firstDer, 0),
        GNUTLS_E_NO_CERTIFICATE_FOUND);
    EXPECT_EQ(
        gnutls_store_pubkey(nullptr, *tdb, "nas.lan", "443", GNUTLS_CRT_X509, &firstDer, 0, 0), 0);
    EXPECT_EQ(
        gnutls_verify_stored_pubkey(nullptr, *tdb, "nas.lan", "443", GNUTLS_CRT_X509, &firstDer, 0),
        0);
    EXPECT_EQ(
        gnutls_verify_stored_pubkey(nullptr, *tdb, "nas.lan", "443", GNUTLS_CRT_X509, &otherDer, 0),
        GNUTLS_E_CERTIFICATE_KEY_MISMATCH);
    // Another port is another peer, under the tls family.
    EXPECT_EQ(gnutls_verify_stored_pubkey(nullptr, *tdb, "nas.lan", "8443", GNUTLS_CRT_X509,
                                          &firstDer, 0),
              GNUTLS_E_NO_CERTIFICATE_FOUND);
    auto pins = client->listPins();
    ASSERT_TRUE(pins.ok());
    ASSERT_EQ(pins->size(), 1u);
    EXPECT_EQ(pins->front().peer, "nas.lan");
    EXPECT_EQ(pins->front().protocol, "https");
    EXPECT_EQ(pins->front().spkiSha256, first.spkiSha256Hex());
    // Taken from the program's own store, over D-Bus as in the engine.
    EXPECT_EQ(pins->front().origin, PinOrigin::Imported);

    // A key peertrust refuses, or a daemon that cannot be asked, is never "not found", which a
    // trust-on-first-use program would take as leave to trust the key.
    ASSERT_TRUE(client->addDistrust({DistrustKind::Spki, other.spkiDer, "bad key"}).ok());
    EXPECT_EQ(gnutls_verify_stored_pubkey(nullptr, *tdb, "nas.lan", "8443", GNUTLS_CRT_X509,
                                          &otherDer, 0),
              GNUTLS_E_CERTIFICATE_KEY_MISMATCH);
    daemon.reset();
    EXPECT_EQ(gnutls_verify_stored_pubkey(nullptr, *tdb, "nas.lan", "8443", GNUTLS_CRT_X509,
                                          &firstDer, 0),
              GNUTLS_E_CERTIFICATE_KEY_MISMATCH);
    gnutls_tdb_deinit(*tdb);
}

// What the tdb cannot keep as GnuTLS means it, it does not keep: a pin would not lapse, a
// service without a known port would be pinned for every TLS protocol of the host, and
// peertrust has no commitments. Each is refused (a mismatch), and nothing is pinned.
TEST_F(GnutlsGlueTest, TrustDatabaseStoresNothingItCannotKeepAsAsked) {
    auto tdb = makeTrustDatabase(*client);
    ASSERT_TRUE(tdb.ok());
    Issued key = server("nas.lan", nullptr);
    gnutls_datum_t der{key.der.data(), static_cast<unsigned>(key.der.size())};
    const time_t inAnHour = std::time(nullptr) + 3600;
    EXPECT_EQ(
        gnutls_store_pubkey(nullptr, *tdb, "nas.lan", "8443", GNUTLS_CRT_X509, &der, inAnHour, 0),
        GNUTLS_E_DB_ERROR)
        << "a refused store must say so";
    EXPECT_EQ(
        gnutls_verify_stored_pubkey(nullptr, *tdb, "nas.lan", "8443", GNUTLS_CRT_X509, &der, 0),
        GNUTLS_E_NO_CERTIFICATE_FOUND)
        << "a key stored to lapse in an hour was pinned for ever";

    EXPECT_EQ(gnutls_store_pubkey(nullptr, *tdb, "nas.lan", "gopher-over-tls", GNUTLS_CRT_X509,
                                  &der, 0, 0),
              GNUTLS_E_DB_ERROR);
    EXPECT_EQ(gnutls_verify_stored_pubkey(nullptr, *tdb, "nas.lan", "gopher-over-tls",
                                          GNUTLS_CRT_X509, &der, 0),
              GNUTLS_E_CERTIFICATE_KEY_MISMATCH);
    EXPECT_EQ(
        gnutls_verify_stored_pubkey(nullptr, *tdb, "nas.lan", "443", GNUTLS_CRT_X509, &der, 0),
        GNUTLS_E_NO_CERTIFICATE_FOUND)
        << "a key stored for an unknown service is accepted over https";

    std::array<unsigned char, 32> hash{};
    gnutls_datum_t digest{hash.data(), static_cast<unsigned>(hash.size())};
    EXPECT_LT(
        gnutls_store_commitment(nullptr, *tdb, "nas.lan", "443", GNUTLS_DIG_SHA256, &digest, 0, 0),
        0);
    auto pins = client->listPins();
    ASSERT_TRUE(pins.ok());
    EXPECT_TRUE(pins->empty()) << pins->size() << " pins";
    gnutls_tdb_deinit(*tdb);
}

// A TrustService that throws (the verifier takes any): the exception must not unwind through
// GnuTLS's C frames, and the handshake fails with error() saying why.
class ThrowingTrustService final : public TrustService {
public:
    Result<Verdict> verify(const VerifyRequest&) override {
        throw std::runtime_error("the service broke");
    }
    Result<AddOutcome> addPin(const PinAddRequest&) override { return refused(); }
    Result<void> removePin(const std::string&) override { return refused(); }
    Result<std::vector<PinInfo>> listPins() override { return refused(); }
    Result<std::size_t> forgetPins(const PinForgetRequest&) override { return refused(); }
    Result<ImportSummary> importKnownHosts(const Bytes&) override { return refused(); }
    Result<ImportSummary> importGnutlsKnownHosts(const Bytes&) override { return refused(); }
    Result<std::vector<KnownKey>> pinnedKeys(const std::string&, const std::string&) override {
        return refused();
    }
    Result<AddOutcome> addAnchor(const AnchorAddRequest&) override { return refused(); }
    Result<void> setAnchorScope(const std::string&, const AnchorScope&) override {
        return refused();
    }
    Result<void> removeAnchor(const std::string&) override { return refused(); }
    Result<std::vector<AnchorInfo>> listAnchors() override { return refused(); }
    Result<ImportSummary> importSystemAnchors(const Bytes&) override { return refused(); }
    Result<AnchorBundle> exportAnchors(const std::string&) override { return refused(); }
    Result<AddOutcome> addDistrust(const DistrustAddRequest&) override { return refused(); }
    Result<void> removeDistrust(const std::string&) override { return refused(); }
    Result<std::vector<DistrustInfo>> listDistrust() override { return refused(); }
    Result<AddOutcome> addCrl(const CrlAddRequest&) override { return refused(); }
    Result<void> removeCrl(const std::string&) override { return refused(); }
    Result<std::vector<CrlInfo>> listCrls() override { return refused(); }
    Result<std::vector<ProtocolInfo>> listProtocols() override { return refused(); }
    Result<AddOutcome> addProtocol(const ProtocolAddRequest&) override { return refused(); }

private:
    static Error refused() { return unavailable("not used by this test"); }
};

TEST_F(GnutlsGlueTest, AnExceptionFromTheServiceFailsTheHandshake) {
    ThrowingTrustService throwing;
    Issued known = server("www.example.com", &root);
    Outcome outcome =
        connect("https", "www.example.com", std::nullopt, {&known}, Verifiers::One, &throwing);
    EXPECT_EQ(outcome.rc, GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) << gnutls_strerror(outcome.rc);
    EXPECT_FALSE(outcome.verdict.has_value());
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_NE(outcome.error->message().find("the service broke"), std::string::npos)
        << outcome.error->message();
}

// The real gnutls-serv staples an OCSP response (--ocsp-response) for its certificate; the
// verifier hands it to the daemon with the chain.
class GnutlsServStapleTest : public GnutlsGlueTest {
protected:
    // One handshake against gnutls-serv serving `leaf` (issued by root) with `staple`.
    Outcome handshakeWithStaple(const Issued& leaf, const Bytes& staple) {
        gnutls_datum_t pem{nullptr, 0};
        EXPECT_EQ(gnutls_x509_privkey_export2(leaf.key.get(), GNUTLS_X509_FMT_PEM, &pem), 0);
        writeFile(dir / "srv.key", std::string(reinterpret_cast<char*>(pem.data), pem.size));
        gnutls_free(pem.data);
        writeFile(dir / "srv.pem", leaf.pem);
        writeFile(dir / "staple.der", std::string(staple.begin(), staple.end()));
        const int port = freeLoopbackPort();
        if (port < 0) {
            ADD_FAILURE() << "no free loopback port";
            return {};
        }
        // GnuTLS's server refuses to load a revoked response unless told to ignore that.
        ChildProcess serv({"/usr/bin/gnutls-serv", "--port", std::to_string(port), "--x509certfile",
                           (dir / "srv.pem").string(), "--x509keyfile", (dir / "srv.key").string(),
                           "--ocsp-response", (dir / "staple.der").string(),
                           "--ignore-ocsp-response-errors", "--quiet"});
        Outcome outcome;
        int fd = -1;
        for (int i = 0; i < 100 && fd < 0; ++i) {
            fd = socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in address{};
            address.sin_family = AF_INET;
            address.sin_port = htons(static_cast<std::uint16_t>(port));
            address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
                close(fd);
                fd = -1;
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        // gnutls-serv exits when it can listen nowhere; the port itself comes from the kernel's
        // ephemeral range, which the shell tests' servers stay out of.
        if (fd < 0 || !serv.running()) {
            ADD_FAILURE() << "gnutls-serv does not listen on port " << port;
            if (fd >= 0)
                close(fd);
            return outcome;
        }
        {
            ClientSession session(fd, nullptr);
            GnutlsSessionVerifier verifier(session.get(), *client, "https", "www.example.com");
            outcome.rc = session.handshake();
            outcome.verdict = verifier.verdict();
            outcome.error = verifier.error();
        }
        close(fd);
        serv.terminate();
        return outcome;
    }

    OcspSpec fresh(OcspSpec::Status status) {
        UnixTime now = static_cast<UnixTime>(std::time(nullptr));
        OcspSpec spec;
        spec.status = status;
        spec.thisUpdate = now - 3600;
        spec.nextUpdate = now + 86400;
        spec.revokedAt = now - 7200;
        return spec;
    }
};

TEST_F(GnutlsServStapleTest, RevokedStapleFailsTheHandshakeGoodOneChangesNothing) {
    ASSERT_TRUE(client->addAnchor({root.der, {}, "Glue Root"}).ok());
    Issued leaf = server("www.example.com", &root);

    Outcome good =
        handshakeWithStaple(leaf, makeOcspResponse(leaf, root, fresh(OcspSpec::Status::Good)));
    EXPECT_EQ(good.rc, 0) << gnutls_strerror(good.rc);
    ASSERT_TRUE(good.verdict.has_value()) << (good.error ? good.error->message() : "");
    EXPECT_EQ(good.verdict->reason, "anchor");

    Outcome revoked =
        handshakeWithStaple(leaf, makeOcspResponse(leaf, root, fresh(OcspSpec::Status::Revoked)));
    EXPECT_EQ(revoked.rc, GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) << gnutls_strerror(revoked.rc);
    ASSERT_TRUE(revoked.verdict.has_value()) << (revoked.error ? revoked.error->message() : "");
    EXPECT_EQ(revoked.verdict->kind, VerdictKind::Rejected);
    EXPECT_EQ(revoked.verdict->reason, "revoked");
    EXPECT_NE(revoked.verdict->explanation.find("CN=www.example.com"), std::string::npos);
}

TEST(GnutlsServiceMapping, WellKnownPortsAndNames) {
    using Named = std::pair<std::string, std::string>;
    auto named = [](const std::string& host, const std::string& service) {
        auto mapped = protocolForService(host, service);
        return mapped.ok() ? *mapped : Named{"error", mapped.error().message()};
    };
    EXPECT_EQ(named("h", "443"), (Named{"https", "h"}));
    EXPECT_EQ(named("h", "imaps"), (Named{"imap", "h"}));
    EXPECT_EQ(named("h", "587"), (Named{"smtp", "h"}));
    EXPECT_EQ(named("h", "8443"), (Named{"tls", "h:8443"}));
    EXPECT_EQ(named("2001:db8::1", "8443"), (Named{"tls", "[2001:db8::1]:8443"}));
    // No service, or GnuTLS's "*": any service of the host, the whole tls family.
    EXPECT_EQ(named("h", ""), (Named{"tls", "h"}));
    EXPECT_EQ(named("h", "*"), (Named{"tls", "h"}));
    // Another name is its port from the services database (netbase's /etc/services)...
    EXPECT_EQ(named("h", "ftps"), (Named{"tls", "h:990"}));
    EXPECT_EQ(named("h", "submissions"), (Named{"smtp", "h"}));  // 465
    // ...and a name without one is refused, never widened to the whole family.
    EXPECT_EQ(named("h", "gopher-over-tls").first, "error");
}

}  // namespace
}  // namespace peertrust::testing
