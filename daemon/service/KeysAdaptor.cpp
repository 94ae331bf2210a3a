#include "service/KeysAdaptor.h"

#include <ctime>
#include <type_traits>

#include "DbusWire.h"
#include "service/AnswerOnWorker.h"

namespace peertrust::service {

namespace {

// A PEM certificate is a few KiB; anything near this is not one.
constexpr std::size_t kMaxCertificateBytes = 64 * 1024;
constexpr const char* kAdministerKeys = "administer the machine's keys";

UnixTime now() {
    return static_cast<UnixTime>(std::time(nullptr));
}

// A grant as the listing shows it; `viewer` set: only that uid's grants (a user who is not an
// administrator learns what they may use, not who else may).
Result<KeyInfo> keyInfo(const keys::KeyRecord& key, const std::vector<keys::KeyGrant>& grants,
                        std::optional<uid_t> viewer) {
    KeyInfo info;
    info.id = key.id;
    info.label = key.label;
    info.set = key.set;
    info.type = std::string(keys::toString(key.type));
    info.use = std::string(keys::toString(key.use));
    info.uri = keys::keyUri(key);
    PEERTRUST_TRY_ASSIGN(info.publicKeyPem, wire::keyToText(KeyFormat::Spki, key.publicKey));
    if (key.certificate) {
        PEERTRUST_TRY_ASSIGN(info.certificate,
                             wire::keyToText(KeyFormat::X509Chain, *key.certificate));
    }
    info.created = key.created;
    for (const keys::KeyGrant& grant : grants) {
        const bool covers = grant.kind == keys::GrantSubject::Key ? grant.subject == key.id
                                                                  : grant.subject == key.set;
        if (covers && (!viewer || *viewer == grant.uid)) {
            info.grants.push_back({grant.kind == keys::GrantSubject::Key ? "key" : "set",
                                   grant.subject, grant.uid, grant.until});
        }
    }
    return info;
}

}  // namespace

KeysAdaptor::KeysAdaptor(sdbus::IConnection& connection, keys::KeyAdministration* keys,
                         CallerAuthority& authority, std::function<void()> afterSend)
    : AdaptorInterfaces(connection, wire::kObjectPath),
      m_keys(keys),
      m_authority(authority),
      m_workers(std::make_unique<WorkerPool>(1, std::move(afterSend))) {
    registerAdaptor();
}

KeysAdaptor::~KeysAdaptor() {
    // The workers first: what they answer or signal goes out through the object, so it must
    // stay registered until the last of them is done.
    m_workers.reset();  // answers what was already queued
    unregisterAdaptor();
}

template <typename ResultType, typename Work>
void KeysAdaptor::answer(ResultType&& result, bool write, Work&& work) {
    if (m_keys == nullptr) {
        result.returnError(wire::toDbusError(
            unavailable("the key layer is not running: start peertrustd with --keys-socket PATH "
                        "or --keys (keys = yes in peertrustd.conf)")));
        return;
    }
    const uid_t uid = m_authority.callerUid(getObject());
    answerOnWorker(*m_workers, std::forward<ResultType>(result),
                   [this, uid, write, work = std::forward<Work>(work)](auto& reply) mutable {
                       // On the worker: the group database may be sssd or LDAP, and slow.
                       if (write) {
                           if (auto allowed = m_authority.authorizeWrite(uid, kAdministerKeys);
                               !allowed) {
                               reply.returnError(wire::toDbusError(allowed.error()));
                               return;
                           }
                       }
                       auto outcome = work(*m_keys, uid);
                       if (!outcome) {
                           reply.returnError(wire::toDbusError(outcome.error()));
                       } else if constexpr (std::is_same_v<decltype(outcome), Result<void>>) {
                           reply.returnResults();
                       } else {
                           reply.returnResults(*outcome);
                       }
                   });
}

void KeysAdaptor::Create(sdbus::Result<wire::KeyWire>&& result, std::string type, std::string use,
                         std::string label, std::string set) {
    answer(std::move(result), true,
           [type = std::move(type), use = std::move(use), label = std::move(label),
            set = std::move(set)](keys::KeyAdministration& admin, uid_t) -> Result<wire::KeyWire> {
               keys::KeyCreateRequest request;
               PEERTRUST_TRY_ASSIGN(request.type, keys::parseKeyType(type));
               PEERTRUST_TRY_ASSIGN(request.use, keys::parseKeyUse(use));
               request.label = label;
               request.set = set;
               PEERTRUST_TRY_ASSIGN(keys::KeyRecord key, admin.create(request, now()));
               PEERTRUST_TRY_ASSIGN(KeyInfo info, keyInfo(key, {}, std::nullopt));
               return wire::keyToWire(info);
           });
}

void KeysAdaptor::ImportCertificate(sdbus::Result<>&& result, std::string key,
                                    std::string certificate) {
    answer(std::move(result), true,
           [key = std::move(key), certificate = std::move(certificate)](
               keys::KeyAdministration& admin, uid_t) -> Result<void> {
               if (certificate.size() > kMaxCertificateBytes) {
                   return invalidInput("the certificate is larger than " +
                                       std::to_string(kMaxCertificateBytes) + " bytes");
               }
               return admin.importCertificate(key, wire::textToBytes(certificate));
           });
}

void KeysAdaptor::Grant(sdbus::Result<>&& result, std::string subject, uint32_t uid,
                        int64_t until) {
    answer(std::move(result), true,
           [subject = std::move(subject), uid, until](keys::KeyAdministration& admin,
                                                      uid_t) -> Result<void> {
               if (until < 0) {
                   return invalidInput("a grant's end is a Unix time, or 0 for none");
               }
               return admin.grant(subject, static_cast<uid_t>(uid),
                                  until == 0 ? std::nullopt : std::optional<UnixTime>(until));
           });
}

void KeysAdaptor::Revoke(sdbus::Result<>&& result, std::string subject, uint32_t uid) {
    answer(std::move(result), true,
           [subject = std::move(subject), uid](keys::KeyAdministration& admin, uid_t) {
               return admin.revoke(subject, static_cast<uid_t>(uid));
           });
}

void KeysAdaptor::Dispose(sdbus::Result<>&& result, std::string key) {
    answer(std::move(result), true, [key = std::move(key)](keys::KeyAdministration& admin, uid_t) {
        return admin.dispose(key);
    });
}

void KeysAdaptor::List(sdbus::Result<std::vector<wire::KeyWire>>&& result) {
    answer(std::move(result), false,
           [this](keys::KeyAdministration& admin, uid_t uid) -> Result<std::vector<wire::KeyWire>> {
               const bool everything = m_authority.mayWrite(uid);
               PEERTRUST_TRY_ASSIGN(auto records,
                                    everything ? admin.list() : admin.listUsableBy(uid, now()));
               PEERTRUST_TRY_ASSIGN(auto grants, admin.grants());
               std::vector<wire::KeyWire> out;
               for (const keys::KeyRecord& record : records) {
                   PEERTRUST_TRY_ASSIGN(
                       KeyInfo info,
                       keyInfo(record, grants, everything ? std::nullopt : std::optional(uid)));
                   out.push_back(wire::keyToWire(info));
               }
               return out;
           });
}

void KeysAdaptor::Audit(sdbus::Result<std::vector<wire::KeyAuditWire>>&& result, int64_t sinceMs) {
    answer(std::move(result), true,
           [sinceMs](keys::KeyAdministration& admin,
                     uid_t) -> Result<std::vector<wire::KeyAuditWire>> {
               PEERTRUST_TRY_ASSIGN(auto rows, admin.audit(sinceMs));
               std::vector<wire::KeyAuditWire> out;
               out.reserve(rows.size());
               for (const keys::AuditRecord& row : rows) {
                   out.push_back(wire::auditToWire({row.atMs, row.uid, row.pid, row.keyId,
                                                    std::string(keys::toString(row.operation)),
                                                    row.mechanism, row.result}));
               }
               return out;
           });
}

}  // namespace peertrust::service
