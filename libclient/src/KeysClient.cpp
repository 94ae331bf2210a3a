#include "peertrust/KeysClient.h"

#include <sdbus-c++/sdbus-c++.h>

#include <mutex>

#include "BusCalls.h"
#include "DbusWire.h"
#include "Keys1Proxy.h"  // generated from dbus/org.peertrust.Keys1.xml
#include "KeysWire.h"

namespace peertrust {

namespace {

// Generating an RSA-3072 key in a software token can take longer than sd-bus's default 25 s
// wait when the machine is busy.
constexpr auto kCreateTimeout = std::chrono::minutes(2);

class Keys1Proxy final : public sdbus::ProxyInterfaces<org::peertrust::Keys1_proxy> {
public:
    explicit Keys1Proxy(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, wire::kBusName, wire::kObjectPath) {
        registerProxy();
    }
    ~Keys1Proxy() { unregisterProxy(); }

    // Create as generated, with a longer timeout (the generated method takes none).
    wire::KeyWire createWithPatience(const KeySpec& spec) {
        wire::KeyWire key;
        getProxy()
            .callMethod("Create")
            .onInterface(INTERFACE_NAME)
            .withTimeout(kCreateTimeout)
            .withArguments(spec.type, spec.use, spec.label, spec.set)
            .storeResultsTo(key);
        return key;
    }
};

}  // namespace

class KeysClient::Impl {
public:
    // No event-loop thread: every call is synchronous, and there are no signals to receive.
    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<Keys1Proxy> proxy;
    std::mutex callMutex;  // one call at a time on `connection`
};

KeysClient::KeysClient(Key, std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

KeysClient::~KeysClient() = default;

Result<std::unique_ptr<KeysClient>> KeysClient::connect(Bus bus) {
    auto impl = std::make_unique<Impl>();
    try {
        impl->connection = openConnection(bus);
        impl->proxy = std::make_unique<Keys1Proxy>(*impl->connection);
    } catch (const sdbus::Error& e) {
        return unavailable(std::string("cannot connect to the ") +
                           (bus == Bus::System ? "system" : "session") + " bus: " + e.getMessage());
    }
    return std::make_unique<KeysClient>(Key(), std::move(impl));
}

Result<KeyInfo> KeysClient::create(const KeySpec& spec) {
    PEERTRUST_TRY(wire::wholeTexts({{"the key type", spec.type},
                                    {"the key use", spec.use},
                                    {"the label", spec.label},
                                    {"the set", spec.set}}));
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(wire::KeyWire reply,
                         guarded([&] { return m_impl->proxy->createWithPatience(spec); }));
    return wire::keyFromWire(reply);
}

Result<void> KeysClient::importCertificate(const std::string& key, const Bytes& certificate) {
    PEERTRUST_TRY(wire::wholeTexts({{"the key id", key}}));
    PEERTRUST_TRY_ASSIGN(std::string pem, wire::keyToText(KeyFormat::X509Chain, certificate));
    std::lock_guard lock(m_impl->callMutex);
    return guardedVoid([&] { m_impl->proxy->ImportCertificate(key, pem); });
}

Result<void> KeysClient::grant(const std::string& subject, uid_t uid,
                               std::optional<UnixTime> until) {
    if (until && *until <= 0) {
        return invalidInput("a grant's end must be after 1970");
    }
    PEERTRUST_TRY(wire::wholeTexts({{"the key id or set", subject}}));
    std::lock_guard lock(m_impl->callMutex);
    return guardedVoid(
        [&] { m_impl->proxy->Grant(subject, static_cast<std::uint32_t>(uid), until.value_or(0)); });
}

Result<void> KeysClient::revoke(const std::string& subject, uid_t uid) {
    PEERTRUST_TRY(wire::wholeTexts({{"the key id or set", subject}}));
    std::lock_guard lock(m_impl->callMutex);
    return guardedVoid([&] { m_impl->proxy->Revoke(subject, static_cast<std::uint32_t>(uid)); });
}

Result<void> KeysClient::dispose(const std::string& key) {
    // D-Bus would send the text only up to a NUL: "ab12\0..." would dispose of the key whose id
    // starts with "ab12".
    PEERTRUST_TRY(wire::wholeTexts({{"the key id", key}}));
    std::lock_guard lock(m_impl->callMutex);
    return guardedVoid([&] { m_impl->proxy->Dispose(key); });
}

Result<std::vector<KeyInfo>> KeysClient::list() {
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] { return m_impl->proxy->List(); }));
    std::vector<KeyInfo> keys;
    for (const wire::KeyWire& key : reply) {
        keys.push_back(wire::keyFromWire(key));
    }
    return keys;
}

Result<std::vector<KeyAuditEntry>> KeysClient::audit(std::int64_t sinceMs) {
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] { return m_impl->proxy->Audit(sinceMs); }));
    std::vector<KeyAuditEntry> rows;
    for (const wire::KeyAuditWire& row : reply) {
        rows.push_back(wire::auditFromWire(row));
    }
    return rows;
}

}  // namespace peertrust
