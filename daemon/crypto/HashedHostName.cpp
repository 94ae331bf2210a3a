#include "crypto/HashedHostName.h"

#include <gnutls/crypto.h>

#include "crypto/GnutlsHandles.h"

namespace peertrust::crypto {

namespace {

constexpr std::string_view kMagic = "|1|";

Result<Sha1> decodeSha1Sized(std::string_view text, const char* what) {
    gnutls_datum_t in{reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
                      static_cast<unsigned>(text.size())};
    OwnedDatum out;
    if (text.empty() || gnutls_base64_decode2(&in, out.out()) < 0) {
        return invalidInput(std::string("the hashed host name's ") + what + " is not base64");
    }
    Sha1 value{};
    if (out.bytes().size() != value.size()) {
        return invalidInput(std::string("the hashed host name's ") + what + " is " +
                            std::to_string(out.bytes().size()) + " bytes, not 20");
    }
    std::copy(out.bytes().begin(), out.bytes().end(), value.begin());
    return value;
}

std::string encode(const Sha1& value) {
    gnutls_datum_t in{const_cast<unsigned char*>(value.data()),
                      static_cast<unsigned>(value.size())};
    OwnedDatum out;
    if (gnutls_base64_encode2(&in, out.out()) < 0) {
        return {};
    }
    return out.str();
}

}  // namespace

Result<HashedHostName> parseHashedHostName(std::string_view text) {
    if (!text.starts_with(kMagic)) {
        return invalidInput("a hashed host name starts with |1|");
    }
    text.remove_prefix(kMagic.size());
    std::size_t bar = text.find('|');
    if (bar == std::string_view::npos) {
        return invalidInput("a hashed host name is |1|salt|hash");
    }
    HashedHostName name;
    PEERTRUST_TRY_ASSIGN(name.salt, decodeSha1Sized(text.substr(0, bar), "salt"));
    PEERTRUST_TRY_ASSIGN(name.hmac, decodeSha1Sized(text.substr(bar + 1), "hash"));
    return name;
}

std::string formatHashedHostName(const HashedHostName& name) {
    return std::string(kMagic) + encode(name.salt) + "|" + encode(name.hmac);
}

Sha1 hostHmac(const Sha1& salt, std::string_view host) {
    Sha1 digest{};
    gnutls_hmac_fast(GNUTLS_MAC_SHA1, salt.data(), salt.size(), host.data(), host.size(),
                     digest.data());
    return digest;
}

bool hashedNameMatches(const HashedHostName& name, std::string_view host) {
    return hostHmac(name.salt, host) == name.hmac;
}

}  // namespace peertrust::crypto
