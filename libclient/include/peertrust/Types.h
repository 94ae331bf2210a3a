// Value types shared by every face of peertrust: the engine, the D-Bus adaptor, the client
// library and the CLI all speak in these.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "peertrust/Error.h"
#include "peertrust/Export.h"

namespace peertrust {

using Bytes = std::vector<std::uint8_t>;
using UnixTime = std::int64_t;  // seconds since the epoch, UTC

enum class KeyFormat { X509Chain, Spki, OpenSsh };
PEERTRUST_API std::string_view toString(KeyFormat format);
PEERTRUST_API Result<KeyFormat> parseKeyFormat(
    std::string_view text);  // "x509-chain", "spki", "openssh"

enum class VerdictKind { Accepted, Rejected, Unknown };
PEERTRUST_API std::string_view toString(VerdictKind kind);

// Reason codes (DESIGN.md, "Verify: the decision"). Stable strings: scripts match on them.
namespace reason {
inline constexpr std::string_view Pinned = "pinned";
inline constexpr std::string_view Anchor = "anchor";
inline constexpr std::string_view TofuNew = "tofu-new";
inline constexpr std::string_view FirstUse = "first-use";
inline constexpr std::string_view Distrusted = "distrusted";
inline constexpr std::string_view PinMismatch = "pin-mismatch";
inline constexpr std::string_view BadSignature = "bad-signature";
inline constexpr std::string_view InsecureAlgorithm = "insecure-algorithm";
inline constexpr std::string_view UntrustedIssuer = "untrusted-issuer";
inline constexpr std::string_view OutOfScope = "out-of-scope";
inline constexpr std::string_view NameConstraint = "name-constraint";
inline constexpr std::string_view BadPurpose = "bad-purpose";
inline constexpr std::string_view Expired = "expired";
inline constexpr std::string_view NotYetValid = "not-yet-valid";
inline constexpr std::string_view NameMismatch = "name-mismatch";
inline constexpr std::string_view BadIssuer = "bad-issuer";  // issuer not a CA, path length
inline constexpr std::string_view Revoked = "revoked";
// A stapled OCSP response that cannot be relied on (not for this certificate, not signed by
// its issuer or a responder it delegated to, out of date, status unknown): GnuTLS's
// GNUTLS_CERT_INVALID_OCSP_STATUS. Never ignored, never a reason to accept.
inline constexpr std::string_view BadOcsp = "bad-ocsp";
}  // namespace reason

struct VerifyRequest {
    std::string protocol;
    std::string peer;
    KeyFormat keyFormat = KeyFormat::X509Chain;
    Bytes key;  // chain (DER, PEM or PEM bundle, leaf first), SPKI (DER/PEM), or an OpenSSH line
    std::optional<UnixTime> at;  // default: now
    bool pinOnFirstUse = false;
    // A stapled OCSP response for the leaf (DER or PEM); empty: none. The initializer keeps
    // the positional aggregate initialisations that end before it free of warnings.
    Bytes ocsp = {};
};

enum class PinOrigin { Tofu, Manual, Imported, Gcr };
PEERTRUST_API std::string_view toString(PinOrigin origin);
PEERTRUST_API Result<PinOrigin> parsePinOrigin(std::string_view text);

enum class StoreLayer { System, User };
PEERTRUST_API std::string_view toString(StoreLayer layer);

struct PinnedKey {
    std::string pinId;
    std::string protocol;
    std::string fingerprint;
    std::string spkiSha256;
    UnixTime firstSeen = 0;
};

struct VerdictDetails {
    std::string protocol;
    std::string peer;  // canonical form
    std::string keyFormat;
    std::string fingerprint;  // of the presented key, in DESIGN.md's form
    std::string spkiSha256;   // hex: the identity used for matching
    std::optional<std::string> anchorId;
    std::string anchorLabel;
    std::vector<PinnedKey> pins;        // the matching pin, or the pinned set on a mismatch
    std::vector<std::string> failures;  // every failed check, most important first
};

struct Verdict {
    VerdictKind kind = VerdictKind::Rejected;
    std::string reason;
    std::string explanation;
    VerdictDetails details;
};

// The SHA-256 of a verdict's canonical form (every field, in the order and encoding that
// Trust1.VerifyKnown's verdict_sha256 documents): equal digests, equal verdicts.
PEERTRUST_API std::array<std::uint8_t, 32> verdictSha256(const Verdict& verdict);

struct AddOutcome {
    std::string id;
    bool created = false;  // false: it already existed (adding is idempotent)
    // The entry this one took the place of (a CRL: the older list of the same issuer);
    // empty when none.
    std::string replacedId = {};
};

struct PinInfo {
    std::string id;
    std::string peer;
    std::string protocol;
    KeyFormat keyFormat = KeyFormat::Spki;
    std::string fingerprint;
    std::string spkiSha256;
    UnixTime firstSeen = 0;
    std::optional<UnixTime> lastSeen;
    std::uint64_t seenCount = 0;
    PinOrigin origin = PinOrigin::Manual;
    StoreLayer layer = StoreLayer::User;
};

struct PinAddRequest {
    std::string protocol;
    std::string peer;
    KeyFormat keyFormat = KeyFormat::X509Chain;
    Bytes key;
    bool replace = false;  // replace the whole key set of (peer, protocol) with this key
    PinOrigin origin = PinOrigin::Manual;
};

struct PinForgetRequest {
    std::optional<std::string> peer;
    std::optional<UnixTime> seenBefore;  // pins not seen (or first seen) since then
};

struct NameSubtree {
    enum class Type { Dns, Ip, Email };
    Type type = Type::Dns;
    std::string value;  // canonical: "br", "192.0.2.0/24", "example.org"

    bool operator==(const NameSubtree&) const = default;
};

// The CLI and wire form of a subtree: ".example.org", "192.0.2.0/24", "@example.org". Reading
// one only tells the kinds apart; the daemon canonicalises and validates.
PEERTRUST_API std::string toString(const NameSubtree& subtree);
PEERTRUST_API NameSubtree nameSubtreeFromText(const std::string& text);

struct AnchorScope {
    std::vector<std::string> protocols;  // protocols or families; empty: every protocol
    std::vector<NameSubtree> permitted;  // empty: every name
    std::vector<NameSubtree> excluded;
    std::optional<UnixTime> notAfter;

    bool admitsEveryProtocol() const { return protocols.empty(); }
    bool hasNameScope() const { return !permitted.empty() || !excluded.empty(); }
    bool operator==(const AnchorScope&) const = default;
};

// What one kind of client can be given for an anchor without trusting more than the daemon.
enum class ExportLevel {
    Anchor,                     // a trust anchor for the listed purposes
    AnchorWithNameConstraints,  // an anchor with stapled NameConstraints (GnuTLS only)
    MustVerify,                 // known but not trusted (NSS "must verify")
    None,                       // not exported at all
};
PEERTRUST_API std::string_view toString(ExportLevel level);

struct ClientExport {
    ExportLevel level = ExportLevel::None;
    std::vector<std::string> purposes;  // key purpose OIDs the anchor is exported for
    std::string why;                    // one sentence a person can read
};

struct AnchorExport {
    ClientExport gnutls;   // GnuTLS via the PKCS#11 trust module (enforces stapled extensions)
    ClientExport nss;      // NSS: one trust bit per purpose, ignores stapled extensions
    ClientExport pemFile;  // programs reading a PEM bundle: no purposes, no constraints
};

struct AnchorInfo {
    std::string id;
    std::string label;
    std::string subject;
    std::string source;  // "manual" or "system"
    StoreLayer layer = StoreLayer::User;
    std::string fingerprint;
    std::string spkiSha256;
    UnixTime created = 0;
    UnixTime certificateNotAfter = 0;
    AnchorScope scope;
    bool distrusted = false;
    AnchorExport exports;
};

struct AnchorAddRequest {
    Bytes certificate;  // DER or PEM, one certificate
    AnchorScope scope;
    std::string label;  // empty: derived from the subject
};

// A key pinned for a peer, as Verify takes it: what a program that checks keys itself
// (OpenSSH through `peertrust ssh-known-hosts`) is told the daemon accepts.
struct KnownKey {
    std::string pinId;
    std::string protocol;  // the pin's protocol: the one asked for or its family
    KeyFormat keyFormat = KeyFormat::X509Chain;
    Bytes key;  // as Verify takes it: leaf certificate DER, SPKI DER, or an OpenSSH line
};

// The anchors a program reading a PEM bundle may be given (peertrust anchor export).
struct AnchorBundle {
    std::string pem;  // a header saying what was left out and why, then the certificates
    std::size_t included = 0;
    std::size_t leftOut = 0;
};

// One entry of an imported file that was not imported, and why (pin import-known-hosts,
// import-gnutls).
struct ImportIssue {
    std::size_t line = 0;  // 1-based line of the file
    // Stable words scripts may count by: malformed, not-supported, wildcard, expired,
    // distrusted, commitment.
    std::string kind;
    std::string reason;  // one sentence a person can read
};

struct ImportSummary {
    std::size_t imported = 0;
    std::size_t alreadyPresent = 0;
    std::size_t skipped = 0;
    std::vector<std::string> skippedReasons;
    // File imports: new distrust entries (known_hosts @revoked) and every skipped entry.
    std::size_t distrustAdded = 0;
    std::vector<ImportIssue> issues;
};

enum class DistrustKind { Certificate, Spki };
PEERTRUST_API std::string_view toString(DistrustKind kind);

struct DistrustInfo {
    std::string id;
    DistrustKind kind = DistrustKind::Certificate;
    std::string label;
    std::string fingerprint;
    std::string spkiSha256;
    StoreLayer layer = StoreLayer::User;
    UnixTime created = 0;
};

struct DistrustAddRequest {
    DistrustKind kind = DistrustKind::Certificate;
    Bytes data;  // a certificate (DER/PEM), or a public key (SPKI DER/PEM, or an OpenSSH line)
    std::string label;
};

// A certificate revocation list added by an administrator (system store) or a user (user
// store). Never fetched; applied by Verify whatever its nextUpdate says.
struct CrlInfo {
    std::string id;
    std::string issuer;    // the CRL's issuer name (RFC 4514)
    std::string signerId;  // the anchor id of the certificate that signed it (its hash prefix)
    StoreLayer layer = StoreLayer::User;
    UnixTime thisUpdate = 0;
    std::optional<UnixTime> nextUpdate;
    std::string crlNumber;  // hex; empty: the CRL carries none
    std::uint64_t entries = 0;
    bool stale = false;  // its nextUpdate has passed: still applied, but a newer one is due
    UnixTime created = 0;
};

struct CrlAddRequest {
    Bytes crl;  // DER or PEM ("X509 CRL")
    // The certificate that signed the CRL (DER or PEM), when that is not an anchor; it must
    // be issued by an anchor. Empty: an anchor signed it.
    Bytes issuerCertificate = {};
};

enum class ProtocolPolicy { Tofu, CaOnly };
PEERTRUST_API std::string_view toString(ProtocolPolicy policy);
PEERTRUST_API Result<ProtocolPolicy> parseProtocolPolicy(std::string_view text);

struct ProtocolInfo {
    std::string name;
    std::string family;
    std::string purposeOid;  // empty: no X.509 purpose (ssh)
    ProtocolPolicy policy = ProtocolPolicy::CaOnly;
    bool builtin = false;
};

struct ProtocolAddRequest {
    std::string name;
    std::string family;
    ProtocolPolicy policy = ProtocolPolicy::CaOnly;
};

}  // namespace peertrust
