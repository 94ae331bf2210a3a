// peertrust::verdictSha256 (Types.h): the digest VerifyKnown compares. Apart from the other
// value types so that a program using only those does not link GnuTLS.
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <stdexcept>
#include <string>

#include "peertrust/Types.h"

namespace peertrust {

std::array<std::uint8_t, 32> verdictSha256(const Verdict& verdict) {
    // D-Bus strings hold no NUL, so NUL-terminated fields cannot run into each other.
    std::string form;
    form.reserve(1024);
    auto field = [&form](std::string_view text) {
        form.append(text);
        form.push_back('\0');
    };
    const VerdictDetails& d = verdict.details;
    field(toString(verdict.kind));
    field(verdict.reason);
    field(verdict.explanation);
    for (const std::string* text :
         {&d.protocol, &d.peer, &d.keyFormat, &d.fingerprint, &d.spkiSha256}) {
        field(*text);
    }
    field(d.anchorId.value_or(""));
    field(d.anchorLabel);
    field(std::to_string(d.pins.size()));
    for (const PinnedKey& pin : d.pins) {
        field(pin.pinId);
        field(pin.protocol);
        field(pin.fingerprint);
        field(pin.spkiSha256);
        field(std::to_string(static_cast<std::int64_t>(pin.firstSeen)));
    }
    field(std::to_string(d.failures.size()));
    for (const std::string& failure : d.failures) {
        field(failure);
    }
    std::array<std::uint8_t, 32> digest{};
    // SHA-256 of a memory buffer cannot fail short of a broken GnuTLS build.
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, form.data(), form.size(), digest.data()) < 0) {
        throw std::runtime_error("GnuTLS cannot compute SHA-256");
    }
    return digest;
}

}  // namespace peertrust
