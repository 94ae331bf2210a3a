// What PKCS#11 objects need to know of a certificate: the DER pieces certificate objects,
// NSS trust objects and the key gateway's certificates carry.
#pragma once

#include "peertrust/Error.h"
#include "peertrust/Types.h"

namespace peertrust::pkcs11 {

struct CertificateFacts {
    Bytes der;
    Bytes subject;
    Bytes issuer;
    Bytes serialDer;  // the whole DER INTEGER, as NSS expects it
    Bytes spkiDer;
    Bytes keyId;  // SHA-1 of the public key, the usual CKA_ID
    bool isCa = false;
};

Result<CertificateFacts> factsOf(const Bytes& der);

}  // namespace peertrust::pkcs11
