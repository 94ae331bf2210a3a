// Test certificates made with GnuTLS at test time: roots, intermediates and leaves with the
// extensions the scenarios need.
#pragma once

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "peertrust/Types.h"

namespace peertrust::testing {

enum class KeyType { EcdsaP256, Rsa2048, Ed25519 };

struct PrivateKeyDeleter {
    void operator()(gnutls_x509_privkey_t key) const { gnutls_x509_privkey_deinit(key); }
};
using UniquePrivateKey =
    std::unique_ptr<std::remove_pointer_t<gnutls_x509_privkey_t>, PrivateKeyDeleter>;

struct CertSpec {
    std::string commonName = "test";
    std::vector<std::string> dnsNames;
    std::vector<std::string> ipAddresses;
    std::vector<std::string> emails;
    bool isCa = false;
    int pathLength = -1;                    // -1: none
    std::vector<std::string> purposes;      // EKU OIDs; empty: no EKU extension
    std::vector<std::string> permittedDns;  // NameConstraints
    std::vector<std::string> excludedDns;
    UnixTime notBefore = 1700000000;  // 2023-11-14
    UnixTime notAfter = 2000000000;   // 2033-05-18
    KeyType keyType = KeyType::EcdsaP256;
    bool sha1 = false;           // sign with SHA-1 (insecure)
    bool authorityKeyId = true;  // false: no AKI, the issuer is known by name only
};

struct Issued {
    Bytes der;
    std::string pem;
    std::shared_ptr<std::remove_pointer_t<gnutls_x509_privkey_t>> key;
    std::string spkiDerPem;  // the public key as PEM "PUBLIC KEY"
    Bytes spkiDer;

    std::string spkiSha256Hex() const;
};

// A CA certificate's spec, and a TLS server's (SAN dNSName, serverAuth).
CertSpec caSpec(const std::string& commonName);
CertSpec serverSpec(const std::string& host);

UniquePrivateKey generateKey(KeyType type);
Issued selfSigned(const CertSpec& spec);
Issued issue(const CertSpec& spec, const Issued& issuer);
// A certificate for a public key (PEM "PUBLIC KEY") whose private half lives elsewhere, in a
// token; `key` is null.
Issued issueFor(const CertSpec& spec, const std::string& publicKeyPem, const Issued& issuer);
Bytes concat(const std::vector<const Issued*>& chain);  // DER, leaf first
std::string pemChain(const std::vector<const Issued*>& chain);
Bytes bytesOf(const std::string& text);

// The OpenSSH "ssh-ed25519 AAAA..." or "ecdsa-sha2-nistp256 AAAA..." line of a key.
std::string openSshLine(gnutls_x509_privkey_t key, const std::string& comment = "test");

}  // namespace peertrust::testing
