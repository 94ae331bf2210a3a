#include "keys/KeyAdministration.h"

#include <cctype>
#include <cstdio>

#include "crypto/Certificate.h"
#include "crypto/Digest.h"

namespace peertrust::keys {
namespace {

bool validName(std::string_view text) {
    if (text.empty() || text.size() > 32) {  // a token label has 32 bytes
        return false;
    }
    for (char ch : text) {
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') {
            return false;
        }
    }
    return true;
}

std::string percentEncoded(std::string_view text) {
    std::string out;
    for (unsigned char ch : text) {
        if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.') {
            out.push_back(static_cast<char>(ch));
        } else {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", ch);
            out += escaped;
        }
    }
    return out;
}

}  // namespace

std::string keyUri(const KeyRecord& key) {
    std::string id;
    for (std::size_t i = 0; i + 1 < key.id.size(); i += 2) {
        id += "%" + key.id.substr(i, 2);
    }
    return "pkcs11:manufacturer=peertrust;token=" + percentEncoded(key.set) +
           ";object=" + percentEncoded(key.label) + ";id=" + id + ";type=private";
}

Result<KeyRecord> KeyAdministration::create(const KeyCreateRequest& request, UnixTime now) {
    if (!validName(request.label)) {
        return invalidInput("a key label is 1 to 32 letters, digits, '-', '_' or '.': '" +
                            request.label + "'");
    }
    const std::string set = request.set.empty() ? request.label : request.set;
    if (!validName(set)) {
        return invalidInput("a set name is 1 to 32 letters, digits, '-', '_' or '.': '" + set +
                            "'");
    }
    auto existing = m_registry.findKey(request.label);
    if (existing) {
        return conflict("a key labelled '" + request.label + "' exists already (" + existing->id +
                        ")");
    }
    PEERTRUST_TRY_ASSIGN(GeneratedKey generated,
                         m_backend.generate(request.type, request.use, request.label));
    KeyRecord key;
    key.id = crypto::toHex(crypto::sha256(generated.publicKey)).substr(0, 16);
    key.label = request.label;
    key.set = set;
    key.type = request.type;
    key.use = request.use;
    key.backendId = generated.backendId;
    key.publicKey = generated.publicKey;
    key.created = now;
    auto added = m_registry.addKey(key);
    if (!added) {
        (void)m_backend.destroy(generated.backendId);  // no key the registry does not know
        return added.error();
    }
    return key;
}

Result<void> KeyAdministration::importCertificate(std::string_view keyName,
                                                  const Bytes& certificate) {
    PEERTRUST_TRY_ASSIGN(KeyRecord key, m_registry.findKey(keyName));
    PEERTRUST_TRY_ASSIGN(crypto::Certificate cert, crypto::parseCertificate(certificate));
    if (cert.spkiSha256() != crypto::sha256(key.publicKey)) {
        return invalidInput("the certificate is for another key than " + key.label + " (" + key.id +
                            ")");
    }
    return m_registry.attachCertificate(key.id, cert.der);
}

Result<std::pair<GrantSubject, std::string>> KeyAdministration::subjectOf(
    std::string_view subject) {
    auto key = m_registry.findKey(subject);
    if (key) {
        return std::pair{GrantSubject::Key, key->id};
    }
    if (key.error().category() != ErrorCategory::NotFound) {
        return key.error();
    }
    PEERTRUST_TRY_ASSIGN(auto keys, m_registry.keys());
    for (const auto& k : keys) {
        if (k.set == subject) {
            return std::pair{GrantSubject::Set, k.set};
        }
    }
    return notFound("no key or set named '" + std::string(subject) + "' (see peertrust keys list)");
}

Result<void> KeyAdministration::grant(std::string_view subject, uid_t uid,
                                      std::optional<UnixTime> until) {
    PEERTRUST_TRY_ASSIGN(auto target, subjectOf(subject));
    return m_registry.grant(KeyGrant{target.first, target.second, uid, until});
}

Result<void> KeyAdministration::revoke(std::string_view subject, uid_t uid) {
    // A name can be a key and a set at once (a key's set defaults to its label; a key created
    // later may take a set's name): revoke every grant of `uid` the name can stand for, so
    // that a grant on the set is never left in force behind "no grant on the key".
    bool removed = false;
    auto key = m_registry.findKey(subject);
    if (key) {
        PEERTRUST_TRY_ASSIGN(removed, m_registry.revoke(GrantSubject::Key, key->id, uid));
    } else if (key.error().category() != ErrorCategory::NotFound) {
        return key.error();
    }
    PEERTRUST_TRY_ASSIGN(bool fromSet, m_registry.revoke(GrantSubject::Set, subject, uid));
    if (!removed && !fromSet) {
        if (!key) {
            return notFound("no key or set named '" + std::string(subject) +
                            "' with a grant to uid " + std::to_string(uid) +
                            " (see peertrust keys list)");
        }
        return notFound("uid " + std::to_string(uid) + " has no grant on '" + std::string(subject) +
                        "'");
    }
    return {};
}

Result<void> KeyAdministration::dispose(std::string_view keyName) {
    PEERTRUST_TRY_ASSIGN(KeyRecord key, m_registry.findKey(keyName));
    PEERTRUST_TRY(m_backend.destroy(key.backendId));
    return m_registry.removeKey(key.id);
}

Result<std::vector<AuditRecord>> KeyAdministration::audit(std::int64_t sinceMs) {
    m_audit.flush();
    return m_registry.audit(sinceMs);
}

}  // namespace peertrust::keys
