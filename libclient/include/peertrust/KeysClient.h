// libpeertrust: the key layer's administration (org.peertrust.Keys1) for C++ programs. The
// keys themselves are used through PKCS#11 (the gateway's socket), never through this class.
//
//   auto keys = peertrust::KeysClient::connect(peertrust::Bus::System);
//   auto key = (*keys)->create({"ec-p256", "sign", "web", ""});
//   (*keys)->grant("web", 33, std::nullopt);
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "peertrust/Bus.h"
#include "peertrust/Error.h"
#include "peertrust/Export.h"
#include "peertrust/KeyInfo.h"

namespace peertrust {

class PEERTRUST_API KeysClient final {
public:
    static Result<std::unique_ptr<KeysClient>> connect(Bus bus);
    ~KeysClient();
    KeysClient(const KeysClient&) = delete;
    KeysClient& operator=(const KeysClient&) = delete;

    // Keys are named by id, unique id prefix or label; a grant's subject by those or a set.
    Result<KeyInfo> create(const KeySpec& spec);
    Result<void> importCertificate(const std::string& key, const Bytes& certificate);  // PEM/DER
    Result<void> grant(const std::string& subject, uid_t uid, std::optional<UnixTime> until);
    Result<void> revoke(const std::string& subject, uid_t uid);
    Result<void> dispose(const std::string& key);
    Result<std::vector<KeyInfo>> list();
    Result<std::vector<KeyAuditEntry>> audit(std::int64_t sinceMs);

private:
    class Impl;
    // Only connect() makes a KeysClient: the constructor is public for make_unique, its key is
    // not.
    class Key {
        friend class KeysClient;
        Key() = default;
    };

public:
    KeysClient(Key, std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace peertrust
