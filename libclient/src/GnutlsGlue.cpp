#include "peertrust/GnutlsGlue.h"

#include <gnutls/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "ClientHello.h"
#include "NewSessionTicket.h"
#include "ResumableSessions.h"

namespace peertrust {

namespace {

// GnuTLS's verify callback carries no user pointer: sessions find their verifier here.
std::mutex g_registryMutex;
std::unordered_map<gnutls_session_t, GnutlsSessionVerifier*> g_verifiers;

constexpr const char* kNoServerName =
    "no peer given and the session sent no server name; pass the peer or call "
    "gnutls_server_name_set";

GnutlsSessionVerifier* verifierFor(gnutls_session_t session) {
    std::lock_guard lock(g_registryMutex);
    auto found = g_verifiers.find(session);
    return found != g_verifiers.end() ? found->second : nullptr;
}

// Transport functions that fail: a session given them sends and receives nothing more.
ssize_t failingPush(gnutls_transport_ptr_t, const void*, size_t) {
    errno = EPIPE;
    return -1;
}
ssize_t failingVecPush(gnutls_transport_ptr_t, const giovec_t*, int) {
    errno = EPIPE;
    return -1;
}
ssize_t failingPull(gnutls_transport_ptr_t, void*, size_t) {
    errno = ECONNRESET;
    return -1;
}
int failingPullTimeout(gnutls_transport_ptr_t, unsigned int) {
    errno = ECONNRESET;
    return -1;
}
// GnuTLS asks the session's errno function what a failure was: a program's own might answer
// EAGAIN, and the refused handshake would then be retried for ever.
int brokenPipe(gnutls_transport_ptr_t) {
    return EPIPE;
}

// GnuTLS 3.7.9 sends a ClientHello's early data whatever the handshake hook answered for the
// hello (it drops the hook's error when early data is in flight), so refusing there is not
// enough: the session's transport is cut, and neither the hello nor the early data leave.
void cutTransport(gnutls_session_t session) {
    gnutls_transport_set_push_function(session, failingPush);
    gnutls_transport_set_vec_push_function(session, failingVecPush);
    gnutls_transport_set_pull_function(session, failingPull);
    gnutls_transport_set_pull_timeout_function(session, failingPullTimeout);
    gnutls_transport_set_errno_function(session, brokenPipe);
}

// The one service behind makeTrustDatabase (the tdb callbacks carry no user pointer either).
std::atomic<TrustService*> g_tdbService{nullptr};

Bytes bytesOf(const gnutls_datum_t* datum) {
    return Bytes(datum->data, datum->data + datum->size);
}

Result<Verdict> askAboutKey(const char* host, const char* service, const gnutls_datum_t* pubkey) {
    TrustService* trust = g_tdbService.load();
    if (trust == nullptr || host == nullptr || pubkey == nullptr) {
        return unavailable("no peertrust trust database is set up");
    }
    PEERTRUST_TRY_ASSIGN(auto named, protocolForService(host, service != nullptr ? service : ""));
    VerifyRequest request;
    request.protocol = std::move(named.first);
    request.peer = std::move(named.second);
    request.keyFormat = KeyFormat::Spki;
    request.key = bytesOf(pubkey);
    return trust->verify(request);
}

// gnutls_verify_stored_pubkey passes GNUTLS_E_CERTIFICATE_KEY_MISMATCH through and turns every
// other error into GNUTLS_E_NO_CERTIFICATE_FOUND, which a trust-on-first-use program takes as
// "never seen, may be trusted now". So only a key peertrust knows nothing against is "not
// found"; a key it refuses, or a daemon it cannot ask, is a mismatch: the program stops
// rather than trusting it.
int tdbVerify(const char*, const char* host, const char* service,
              const gnutls_datum_t* pubkey) noexcept try {
    auto verdict = askAboutKey(host, service, pubkey);
    if (!verdict) {
        return GNUTLS_E_CERTIFICATE_KEY_MISMATCH;
    }
    if (verdict->kind == VerdictKind::Accepted) {
        return 0;
    }
    if (verdict->kind == VerdictKind::Unknown || verdict->reason == reason::UntrustedIssuer) {
        return GNUTLS_E_NO_CERTIFICATE_FOUND;
    }
    return GNUTLS_E_CERTIFICATE_KEY_MISMATCH;
} catch (...) {
    // Nothing may unwind through GnuTLS's C frames; a failure is a refusal.
    return GNUTLS_E_CERTIFICATE_KEY_MISMATCH;
}

int tdbStore(const char*, const char* host, const char* service, time_t expiration,
             const gnutls_datum_t* pubkey) noexcept try {
    TrustService* trust = g_tdbService.load();
    // A peertrust pin does not expire: one stored for an hour would be accepted for ever, so
    // a key meant to lapse is not stored at all (the program asks again next time).
    if (trust == nullptr || host == nullptr || pubkey == nullptr || expiration != 0) {
        return GNUTLS_E_DB_ERROR;
    }
    auto named = protocolForService(host, service != nullptr ? service : "");
    if (!named) {
        return GNUTLS_E_DB_ERROR;
    }
    auto added = trust->addPin({named->first, named->second, KeyFormat::Spki, bytesOf(pubkey),
                                false, PinOrigin::Imported});
    return added ? 0 : GNUTLS_E_DB_ERROR;
} catch (...) {
    return GNUTLS_E_DB_ERROR;
}

// peertrust keeps keys, not commitments to hashes of them: GnuTLS calls this without a check
// for null, so the tdb has one, which refuses.
int tdbStoreCommitment(const char*, const char*, const char*, time_t, gnutls_digest_algorithm_t,
                       const gnutls_datum_t*) noexcept {
    return GNUTLS_E_DB_ERROR;
}

}  // namespace

GnutlsSessionVerifier::GnutlsSessionVerifier(gnutls_session_t session, TrustService& service,
                                             std::string protocol, std::string peer)
    : m_session(session),
      m_service(service),
      m_protocol(std::move(protocol)),
      m_peer(std::move(peer)) {
    {
        std::lock_guard lock(g_registryMutex);
        g_verifiers[session] = this;
    }
    gnutls_session_set_verify_function(session, &GnutlsSessionVerifier::check);
    // Every handshake message: the ClientHello sent (its server name, when that is the peer,
    // since GnuTLS 3.7 will not tell a client; the tickets it offers), a TLS 1.3 ticket
    // received, and the server's Finished of a resumed session (no verify function runs for
    // one).
    gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_BOTH,
                                       &GnutlsSessionVerifier::handshakeMessage);
    if (m_peer.empty()) {
        return;  // the peer is the server name the session sends
    }
    // SNI carries host names only: not addresses, not a port.
    std::string host = m_peer.substr(
        0, m_peer.rfind(':') == std::string::npos || m_peer.find(':') != m_peer.rfind(':')
               ? std::string::npos
               : m_peer.rfind(':'));
    bool hostName = !host.empty() && host.find_first_not_of("0123456789.") != std::string::npos &&
                    host.find(':') == std::string::npos && host.front() != '[';
    if (hostName) {
        gnutls_server_name_set(session, GNUTLS_NAME_DNS, host.data(), host.size());
    }
}

GnutlsSessionVerifier::~GnutlsSessionVerifier() {
    std::lock_guard lock(g_registryMutex);
    auto registered = g_verifiers.find(m_session);
    if (registered == g_verifiers.end() || registered->second != this) {
        return;  // a newer verifier took the session over, and it stays in force
    }
    g_verifiers.erase(registered);
    // The verify function and the hook stay installed: a handshake after this one is gone,
    // full or resumed, fails closed (they find no verifier) instead of going unchecked.
}

int GnutlsSessionVerifier::check(gnutls_session_t session) noexcept {
    GnutlsSessionVerifier* verifier = verifierFor(session);
    // No verifier: fail closed rather than accept an unchecked peer.
    if (verifier == nullptr) {
        return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
    }
    return verifier->failingClosed([&] { return verifier->checkThis(session); },
                                   GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR);
}

template <typename Work>
int GnutlsSessionVerifier::failingClosed(Work&& work, int failure) noexcept {
    // Nothing may unwind through GnuTLS's C frames (the service is any TrustService): an
    // exception fails the handshake, and error() says why.
    try {
        return work();
    } catch (const std::exception& e) {
        failedWith(e.what());
    } catch (...) {
        failedWith("an unknown exception");
    }
    return failure;
}

void GnutlsSessionVerifier::failedWith(const char* what) noexcept {
    m_verdict.reset();
    try {
        m_error = internalError(std::string("the check of the peer failed: ") + what);
    } catch (...) {
        m_error.reset();  // no memory for the message; the handshake fails all the same
    }
}

int GnutlsSessionVerifier::handshakeMessage(gnutls_session_t session, unsigned type, unsigned when,
                                            unsigned incoming,
                                            const gnutls_datum_t* message) noexcept {
    GnutlsSessionVerifier* verifier = verifierFor(session);
    // A TLS 1.3 ticket for the session just checked: the chain is kept under it. Read before
    // GnuTLS processes the message: GnuTLS 3.7.9 hands the hook no ticket afterwards.
    if (type == GNUTLS_HANDSHAKE_NEW_SESSION_TICKET && when == GNUTLS_HOOK_PRE && incoming != 0 &&
        verifier != nullptr && verifier->m_decided == Decided::HandshakeKey &&
        verifier->m_accepted && message != nullptr &&
        gnutls_protocol_get_version(session) == GNUTLS_TLS1_3) {
        try {
            if (auto ticket = parseNewSessionTicket(message->data, message->size)) {
                ResumableSessions::instance().remember(
                    std::move(ticket).value(),
                    {verifier->m_accepted->first, verifier->m_accepted->second});
            }
        } catch (...) {
            // No memory to keep it: resuming with this ticket fails closed, nothing worse.
        }
        return 0;  // a ticket not understood is not kept either
    }
    if (when != GNUTLS_HOOK_POST) {
        return 0;
    }
    if (type == GNUTLS_HANDSHAKE_CLIENT_HELLO && incoming == 0) {
        int rc = GNUTLS_E_INVALID_REQUEST;
        if (verifier != nullptr) {
            rc = verifier->failingClosed([&] { return verifier->clientHelloSent(message); },
                                         GNUTLS_E_INVALID_REQUEST);
        } else {
            // Without a verifier the verify function fails a full handshake, and the check
            // below a resumed one; early data would go out before either, so it is stopped.
            try {
                auto earlyData =
                    clientHelloOffersEarlyData(message != nullptr ? message->data : nullptr,
                                               message != nullptr ? message->size : 0);
                rc = earlyData && !*earlyData ? 0 : GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
            } catch (...) {
                rc = GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;  // no memory to read it
            }
        }
        if (rc < 0) {
            cutTransport(session);
        }
        return rc;
    }
    // The server's Finished: the last word before the session is used. A resumed session was
    // established by an earlier handshake, under the policy of then: it is decided again now.
    // A full handshake was decided by the verify function, unless the peer authenticated with
    // nothing peertrust can check (a PSK or anonymous suite): then it fails here.
    if (type == GNUTLS_HANDSHAKE_FINISHED && incoming != 0) {
        if (verifier == nullptr) {
            return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
        }
        if (gnutls_session_is_resumed(session)) {
            return verifier->failingClosed([&] { return verifier->checkResumed(session); },
                                           GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR);
        }
        // Deciding the ticket offered for early data decides nothing of a handshake that did
        // not resume with it (the server may have chosen an external pre-shared key instead).
        if (verifier->m_decided != Decided::HandshakeKey) {
            return verifier->failingClosed([&] { return verifier->refuseUncheckable(); },
                                           GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR);
        }
        return verifier->acceptedNow();
    }
    return 0;
}

int GnutlsSessionVerifier::checkResumed(gnutls_session_t session) {
    if (m_decided == Decided::HandshakeKey) {
        return acceptedNow();  // TLS 1.2: GnuTLS ran the verify function for this one too
    }
    unsigned count = 0;
    if (gnutls_certificate_get_peers(session, &count) != nullptr && count > 0) {
        return checkThis(session);  // TLS 1.2 keeps the chain the session was established with
    }
    // TLS 1.3: GnuTLS keeps no certificate of the peer for a resumed session, so the chain is
    // the one checked when the ticket the session offered was issued (GnuTLS offers one).
    if (m_decided == Decided::EarlyDataTicket) {
        m_decided = Decided::HandshakeKey;  // the session early data went under resumed
        return acceptedNow();
    }
    return checkResumedBy(m_offeredTickets.empty() ? nullptr : &m_offeredTickets.front(),
                          Decided::HandshakeKey);
}

int GnutlsSessionVerifier::acceptedNow() const {
    return m_verdict && m_verdict->kind == VerdictKind::Accepted
               ? 0
               : GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
}

int GnutlsSessionVerifier::refuseUncheckable() {
    m_accepted.reset();  // no ticket of this handshake is kept under an earlier chain
    m_verdict.reset();
    m_error = invalidInput(
        "the peer authenticated with no certificate or key (a pre-shared key or an anonymous "
        "suite), which peertrust cannot check");
    return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
}

int GnutlsSessionVerifier::checkResumedBy(const Bytes* ticket, Decided what) {
    m_decided = what;
    std::optional<ResumableSessions::Presented> presented;
    if (ticket != nullptr) {
        presented = ResumableSessions::instance().find(*ticket);
    }
    if (!presented) {
        m_verdict.reset();
        m_error = unavailable(
            "the session was resumed (TLS 1.3) with a ticket that no checked handshake of this "
            "program was given, and GnuTLS keeps no certificate of the peer for it, so it "
            "cannot be checked against today's policy");
        return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
    }
    VerifyRequest request;
    request.keyFormat = presented->format;
    request.key = std::move(presented->key);
    return decide(std::move(request));
}

int GnutlsSessionVerifier::clientHelloSent(const gnutls_datum_t* message) {
    // A ClientHello starts a handshake: what the last one decided no longer holds.
    m_verdict.reset();
    m_error.reset();
    m_accepted.reset();
    m_decided = Decided::Nothing;
    // GnuTLS 3.7 hands the hook the message body, without the 4-byte handshake header.
    const unsigned char* data = message != nullptr ? message->data : nullptr;
    const std::size_t size = message != nullptr ? message->size : 0;
    // The tickets it offers to resume with; one not understood resumes nothing checked.
    auto tickets = parseClientHelloPskIdentities(data, size);
    m_offeredTickets = tickets ? std::move(tickets).value() : std::vector<Bytes>{};
    if (m_peer.empty()) {
        m_sentServerName.clear();
        auto name = parseClientHelloServerName(data, size);
        if (!name) {
            m_error = name.error().withContext(
                "no peer given and the server name could not be read from the session's "
                "ClientHello");
            return GNUTLS_E_INVALID_REQUEST;
        }
        if (!name->has_value()) {
            m_error = invalidInput(kNoServerName);
            return GNUTLS_E_INVALID_REQUEST;
        }
        m_sentServerName = std::move(**name);
    }
    // Early data goes out under the first offered ticket right after this hello, long before
    // the server's Finished: the session it resumes is decided now, and a refusal cuts the
    // transport before any of it is sent.
    auto earlyData = clientHelloOffersEarlyData(data, size);
    if (!earlyData) {
        m_error = earlyData.error().withContext("the session's ClientHello could not be read");
        return GNUTLS_E_INVALID_REQUEST;
    }
    if (*earlyData) {
        return checkResumedBy(m_offeredTickets.empty() ? nullptr : &m_offeredTickets.front(),
                              Decided::EarlyDataTicket);
    }
    return 0;
}

int GnutlsSessionVerifier::checkThis(gnutls_session_t session) {
    m_decided = Decided::HandshakeKey;
    m_verdict.reset();
    m_error.reset();
    unsigned count = 0;
    const gnutls_datum_t* certs = gnutls_certificate_get_peers(session, &count);
    if (certs == nullptr || count == 0) {
        m_error = invalidInput("the peer sent no certificate or key");
        return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
    }
    VerifyRequest request;
    if (gnutls_certificate_type_get2(session, GNUTLS_CTYPE_PEERS) == GNUTLS_CRT_RAWPK) {
        request.keyFormat = KeyFormat::Spki;
        request.key = bytesOf(&certs[0]);
    } else {
        request.keyFormat = KeyFormat::X509Chain;
        for (unsigned i = 0; i < count; ++i) {
            request.key.insert(request.key.end(), certs[i].data, certs[i].data + certs[i].size);
        }
        // The leaf's stapled OCSP response, if the server sent one: the daemon checks it, so a
        // revoked certificate fails here and a bad staple is not silently dropped.
        gnutls_datum_t ocsp{nullptr, 0};
        if (gnutls_ocsp_status_request_get(session, &ocsp) == 0 && ocsp.size > 0) {
            request.ocsp = bytesOf(&ocsp);
        }
    }
    return decide(std::move(request));
}

int GnutlsSessionVerifier::decide(VerifyRequest request) {
    m_verdict.reset();
    m_error.reset();
    m_accepted.reset();
    const std::string& peer = m_peer.empty() ? m_sentServerName : m_peer;
    if (peer.empty()) {
        m_error = invalidInput(kNoServerName);
        return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
    }
    request.protocol = m_protocol;
    request.peer = peer;
    auto verdict = m_service.verify(request);
    if (!verdict) {
        m_error = verdict.error();
        return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
    }
    m_verdict = std::move(verdict).value();
    if (m_verdict->kind != VerdictKind::Accepted) {
        return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
    }
    m_accepted.emplace(request.keyFormat, std::move(request.key));
    return 0;
}

Result<gnutls_tdb_t> makeTrustDatabase(TrustService& service) {
    gnutls_tdb_t tdb = nullptr;
    int rc = gnutls_tdb_init(&tdb);
    if (rc < 0) {
        return internalError(std::string("gnutls_tdb_init: ") + gnutls_strerror(rc));
    }
    g_tdbService.store(&service);
    gnutls_tdb_set_verify_func(tdb, &tdbVerify);
    gnutls_tdb_set_store_func(tdb, &tdbStore);
    gnutls_tdb_set_store_commitment_func(tdb, &tdbStoreCommitment);
    return tdb;
}

}  // namespace peertrust
