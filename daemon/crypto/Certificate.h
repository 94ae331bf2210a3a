// An X.509 certificate parsed by GnuTLS, with the hashes peertrust matches on.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/Digest.h"
#include "crypto/GnutlsHandles.h"
#include "peertrust/Types.h"

namespace peertrust::crypto {

// Input limits: a chain is at most this big and this long, whatever its encoding.
inline constexpr std::size_t kMaxChainBytes = 64 * 1024;
inline constexpr std::size_t kMaxChainCertificates = 16;
inline constexpr std::size_t kMaxKeyBytes = 16 * 1024;

struct Certificate {
    UniqueCrt crt;
    Bytes der;
    Sha256 certSha256{};
    UnixTime notBefore = 0;
    UnixTime notAfter = 0;

    std::string subject() const;  // RFC 4514 string, for people
    // SHA-256 of the SubjectPublicKeyInfo DER as GnuTLS encodes it. Computed on first use:
    // re-encoding a key is not free, and most certificates of a chain never need it. All
    // zeros when GnuTLS cannot encode the key (parsePresentedKey refuses such a leaf).
    const Sha256& spkiSha256() const;

private:
    mutable std::optional<Sha256> m_spkiSha256;
};

Result<Sha256> computeSpkiSha256(gnutls_x509_crt_t crt);

// One certificate, DER or PEM.
Result<Certificate> parseCertificate(std::span<const std::uint8_t> data);
// A chain, leaf first: concatenated DER, or PEM (one or more CERTIFICATE blocks).
Result<std::vector<Certificate>> parseChain(std::span<const std::uint8_t> data);
// Wraps a certificate GnuTLS already parsed (takes ownership); `der` when the caller has its
// encoding at hand, saving a re-encoding.
Result<Certificate> describeCertificate(UniqueCrt crt, std::span<const std::uint8_t> der = {});

// The canonical SPKI DER of a public key (GnuTLS re-encodes it, so one key has one form).
Result<Bytes> exportSpki(gnutls_pubkey_t key);
// A bare SubjectPublicKeyInfo, DER or PEM ("PUBLIC KEY").
Result<UniquePubkey> parseSpki(std::span<const std::uint8_t> data);

}  // namespace peertrust::crypto
