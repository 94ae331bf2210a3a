// peertrust for programs that use GnuTLS directly.
//
// A TLS client lets the daemon decide its handshakes:
//
//   peertrust::GnutlsSessionVerifier verifier(session, *client, "https", "www.example.com");
//   if (gnutls_handshake(session) < 0 && verifier.verdict()) {
//       std::cerr << verifier.verdict()->explanation << '\n';
//   }
//
// or, with the peer taken from the server name the session sends:
//
//   gnutls_server_name_set(session, GNUTLS_NAME_DNS, "www.example.com", 15);
//   peertrust::GnutlsSessionVerifier verifier(session, *client, "https");
//
// A program that pins with gnutls_store_pubkey / gnutls_verify_stored_pubkey keeps doing so,
// with its pins kept by peertrust: pass makeTrustDatabase(client) as the tdb.
#pragma once

#include <gnutls/gnutls.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "peertrust/Client.h"
#include "peertrust/Export.h"
#include "peertrust/ServiceProtocol.h"  // protocolForService: the tdb's (host, service) mapping

namespace peertrust {

// Installs itself with gnutls_session_set_verify_function and a handshake hook (keep it alive
// until the session is done, and destroy it before gnutls_deinit: its destructor touches the
// session). Each handshake asks the daemon about the chain the peer sent (or its raw public key)
// for `protocol` and `peer`; anything but "accepted" fails the handshake, and so does a daemon
// that cannot be asked. A resumed handshake, for which the peer sends no certificate (and, in
// TLS 1.3, GnuTLS calls no verify function), is decided too, when the server's Finished arrives, by
// the chain the session was established with: a key distrusted since is refused on resumption as
// well. TLS 1.2 sessions keep that chain; for TLS 1.3, whose resumed sessions GnuTLS keeps none
// for, the verifier keeps it, in this process, under each ticket the server gives the session it
// accepted, so keep the verifier until the session is closed. A TLS 1.3 session resumed with
// a ticket no verifier of this process kept (one saved by another run) fails. Early data
// (0-RTT) goes out only after the session its ticket resumes is accepted: that is decided when
// the ClientHello goes out. GnuTLS sends early data whatever the handshake hook answers then,
// so a refusal cuts the session's transport (its push and pull functions are replaced by ones
// that fail): neither the ClientHello nor the early data leave, and the session is only fit to
// be deinitialised. A verifier destroyed before such a handshake leaves the same. (A GnuTLS
// built with kernel TLS, which Debian's is not, writes early data to the socket past these
// functions: do not offer early data with such a build.) A
// handshake in which the peer shows no certificate or key (a pre-shared key or an anonymous
// suite) fails at the server's Finished: there is nothing to ask the daemon about. A second
// verifier for the same session replaces the first, which then has no more say, not even when
// it is destroyed. Once the one in force is destroyed, the session's handshakes fail: no one is
// left to check them.
//
// GnuTLS keeps one handshake hook per session (gnutls_handshake_set_hook_function): the
// verifier owns it from construction on and leaves it in place when destroyed. Do not set
// another one.
class PEERTRUST_API GnutlsSessionVerifier {
public:
    // A non-empty `peer` is also set as the session's server name (SNI) when it is a host name.
    //
    // An empty `peer` means the server name the session sends: the one the program set with
    // gnutls_server_name_set (before or after this constructor, before the handshake). The
    // verifier reads it from each ClientHello the session sends, through its handshake hook.
    // A ClientHello without a server name fails the handshake before it is sent
    // (GNUTLS_E_INVALID_REQUEST), with error() saying so: the verifier does not guess a peer.
    GnutlsSessionVerifier(gnutls_session_t session, TrustService& service, std::string protocol,
                          std::string peer = {});
    ~GnutlsSessionVerifier();
    GnutlsSessionVerifier(const GnutlsSessionVerifier&) = delete;
    GnutlsSessionVerifier& operator=(const GnutlsSessionVerifier&) = delete;

    // The verdict of the last check, or the error that kept it from being asked.
    const std::optional<Verdict>& verdict() const { return m_verdict; }
    const std::optional<Error>& error() const { return m_error; }

private:
    // What the daemon was asked (or could not be) about in this handshake: the session a
    // ticket offered for early data resumes, or the key the handshake itself authenticated.
    enum class Decided : unsigned char { Nothing, EarlyDataTicket, HandshakeKey };

    // GnuTLS's callbacks: no exception leaves them (one fails the handshake instead).
    static int check(gnutls_session_t session) noexcept;
    static int handshakeMessage(gnutls_session_t session, unsigned type, unsigned when,
                                unsigned incoming, const gnutls_datum_t* message) noexcept;
    void failedWith(const char* what) noexcept;
    // `work()`, or `failure` with error() set when it throws.
    template <typename Work>
    int failingClosed(Work&& work, int failure) noexcept;
    int checkThis(gnutls_session_t session);
    int checkResumed(gnutls_session_t session);
    // A TLS 1.3 resumption by the chain kept under `ticket` (none: fails closed).
    int checkResumedBy(const Bytes* ticket, Decided what);
    // A handshake that reached the server's Finished without a key to ask about.
    int refuseUncheckable();
    // 0 when the last verdict accepts, else the handshake's failure.
    int acceptedNow() const;
    // Asks the daemon about `request`'s key for this verifier's protocol and peer.
    int decide(VerifyRequest request);
    int clientHelloSent(const gnutls_datum_t* message);

    gnutls_session_t m_session;
    TrustService& m_service;
    std::string m_protocol;
    std::string m_peer;
    std::string m_sentServerName;         // with an empty m_peer: from the last ClientHello sent
    std::vector<Bytes> m_offeredTickets;  // TLS 1.3 tickets the last ClientHello offered
    // What the last handshake accepted (its key's format and bytes): a ticket that comes
    // after it is kept with it.
    std::optional<std::pair<KeyFormat, Bytes>> m_accepted;
    Decided m_decided = Decided::Nothing;  // one byte, as the bool it replaced in 0.3
    std::optional<Verdict> m_verdict;
    std::optional<Error> m_error;
};

// A gnutls_tdb_t whose pins are peertrust's (GnuTLS's `service` becomes a protocol by its
// well-known port or name, else the tls family with the port kept in the peer). The tdb uses
// `service` for every later call: keep it alive as long as the tdb. Free the tdb with
// gnutls_tdb_deinit. One daemon-backed tdb service per process. gnutls_verify_stored_pubkey
// then answers 0 for a key peertrust accepts, GNUTLS_E_NO_CERTIFICATE_FOUND for one it knows
// nothing about (first use, or no anchor for it), and GNUTLS_E_CERTIFICATE_KEY_MISMATCH for
// any other refusal and when the daemon cannot be asked: never "not found" for a key refused.
// A service protocolForService cannot map is refused too. gnutls_store_pubkey with an
// expiration stores nothing (peertrust pins do not expire), nor does gnutls_store_commitment.
PEERTRUST_API Result<gnutls_tdb_t> makeTrustDatabase(TrustService& service);

}  // namespace peertrust
