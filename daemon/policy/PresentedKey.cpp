#include "policy/PresentedKey.h"

#include "crypto/OpenSshKey.h"

namespace peertrust::policy {

Result<PresentedKey> parsePresentedKey(KeyFormat format, std::span<const std::uint8_t> data) {
    PresentedKey key;
    key.format = format;
    switch (format) {
        case KeyFormat::X509Chain: {
            PEERTRUST_TRY_ASSIGN(key.chain, crypto::parseChain(data));
            const crypto::Certificate& leaf = key.chain.front();
            PEERTRUST_TRY_ASSIGN(key.spkiSha256, crypto::computeSpkiSha256(leaf.crt.get()));
            key.storedForm = leaf.der;
            break;
        }
        case KeyFormat::Spki: {
            PEERTRUST_TRY_ASSIGN(crypto::UniquePubkey pubkey, crypto::parseSpki(data));
            PEERTRUST_TRY_ASSIGN(key.spkiDer, crypto::exportSpki(pubkey.get()));
            key.spkiSha256 = crypto::sha256(key.spkiDer);
            key.storedForm = key.spkiDer;
            break;
        }
        case KeyFormat::OpenSsh: {
            PEERTRUST_TRY_ASSIGN(crypto::OpenSshKey ssh, crypto::parseOpenSshLine(data));
            PEERTRUST_TRY_ASSIGN(key.spkiDer, crypto::exportSpki(ssh.key.get()));
            key.spkiSha256 = crypto::sha256(key.spkiDer);
            key.storedForm = std::move(ssh.blob);
            break;
        }
    }
    key.fingerprint = fingerprintOf(toString(format), key.storedForm, key.spkiSha256);
    return key;
}

std::string fingerprintOf(std::string_view keyFormat, std::span<const std::uint8_t> storedForm,
                          const crypto::Sha256& spkiSha256) {
    if (keyFormat == toString(KeyFormat::OpenSsh)) {
        return crypto::sha256Fingerprint(crypto::sha256(storedForm));
    }
    return crypto::sha256Fingerprint(spkiSha256);
}

}  // namespace peertrust::policy
