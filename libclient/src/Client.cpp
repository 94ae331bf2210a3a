#include "peertrust/Client.h"

#include <sdbus-c++/sdbus-c++.h>

#include <mutex>

#include "BusCalls.h"
#include "DbusWire.h"
#include "RecentVerdicts.h"
#include "Trust1Proxy.h"  // generated from dbus/org.peertrust.Trust1.xml

namespace peertrust {

namespace {

// With a change handler the proxy asks the bus for the Changed signal (registerProxy adds
// the match rule); without one it only calls. A connection nobody reads from must not be sent
// signals: sd-bus would queue them unread with every call's reply, until the queue is full.
class Trust1Proxy final : public sdbus::ProxyInterfaces<org::peertrust::Trust1_proxy> {
public:
    Trust1Proxy(sdbus::IConnection& connection, Client::ChangeHandler onChange)
        : ProxyInterfaces(connection, wire::kBusName, wire::kObjectPath),
          m_onChange(std::move(onChange)) {
        if (m_onChange) {
            registerProxy();
        }
    }
    ~Trust1Proxy() { unregisterProxy(); }

private:
    void onChanged(const std::string& kind, const std::string& id) override {
        if (!m_onChange) {
            return;
        }
        s_handlerThread = this;
        try {
            m_onChange(kind, id);
        } catch (...) {
            // Nobody to tell on the signal thread; the subscription goes on.
        }
        s_handlerThread = nullptr;
    }

public:
    // Whether the calling thread is inside this proxy's handler, where the signal thread
    // cannot be stopped (it would wait for itself).
    bool inHandler() const { return s_handlerThread == this; }

private:
    static thread_local const Trust1Proxy* s_handlerThread;
    Client::ChangeHandler m_onChange;
};

thread_local const Trust1Proxy* Trust1Proxy::s_handlerThread = nullptr;

// A listing's values, one per dictionary; one that does not decode fails the listing.
template <typename Item>
Result<std::vector<Item>> listFromWire(const std::vector<wire::Dict>& reply,
                                       Result<Item> (*fromWire)(const wire::Dict&)) {
    std::vector<Item> items;
    items.reserve(reply.size());
    for (const wire::Dict& dict : reply) {
        PEERTRUST_TRY_ASSIGN(Item item, fromWire(dict));
        items.push_back(std::move(item));
    }
    return items;
}

}  // namespace

class Client::Impl {
public:
    Bus bus;
    // Calls go over a connection without an event-loop thread (a thread would add a hop to
    // every call); signals arrive on a second connection that has one.
    std::unique_ptr<sdbus::IConnection> calls;
    std::unique_ptr<Trust1Proxy> proxy;
    std::mutex callMutex;  // one call at a time on `calls`; guards the two below too
    RecentVerdicts recentVerdicts{64};
    bool askVerifyKnown = true;  // until the daemon says it keeps no verdicts
    std::unique_ptr<sdbus::IConnection> signals;
    std::unique_ptr<Trust1Proxy> signalProxy;

    // Stops the signal thread, then drops the proxy before the connection it uses.
    void unsubscribe() {
        if (signals) {
            signals->leaveEventLoop();
        }
        signalProxy.reset();
        signals.reset();
    }
};

Client::Client(Key, std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Client::~Client() {
    m_impl->unsubscribe();
}

Result<std::unique_ptr<Client>> Client::connect(Bus bus) {
    auto impl = std::make_unique<Impl>();
    impl->bus = bus;
    try {
        impl->calls = openConnection(bus);
        impl->proxy = std::make_unique<Trust1Proxy>(*impl->calls, nullptr);
    } catch (const sdbus::Error& e) {
        return unavailable(std::string("cannot connect to the ") +
                           (bus == Bus::System ? "system" : "session") + " bus: " + e.getMessage());
    }
    return std::make_unique<Client>(Key(), std::move(impl));
}

Result<void> Client::subscribe(ChangeHandler handler) {
    if (m_impl->signalProxy && m_impl->signalProxy->inHandler()) {
        return usageError(
            "subscribe() was called from the change handler, whose thread it would have to stop; "
            "call it from another thread");
    }
    m_impl->unsubscribe();  // a second subscription replaces the first
    try {
        m_impl->signals = openConnection(m_impl->bus);
        m_impl->signalProxy = std::make_unique<Trust1Proxy>(*m_impl->signals, std::move(handler));
        m_impl->signals->enterEventLoopAsync();
    } catch (const sdbus::Error& e) {
        return unavailable("cannot subscribe to changes: " + e.getMessage());
    }
    return {};
}

Result<Verdict> Client::verify(const VerifyRequest& request) {
    PEERTRUST_TRY(
        wire::wholeTexts({{"the protocol", request.protocol}, {"the peer", request.peer}}));
    std::lock_guard lock(m_impl->callMutex);
    wire::Dict options = wire::verifyOptions(request);
    const std::string format(toString(request.keyFormat));
    // The same input as a moment ago: ask whether the verdict we got then still holds, with
    // two digests instead of the key, and send the key only if it does not.
    std::string identity;
    if (m_impl->askVerifyKnown && !request.pinOnFirstUse) {
        identity = RecentVerdicts::identity(request);
        if (const auto* recent = m_impl->recentVerdicts.find(identity)) {
            try {
                if (m_impl->proxy->VerifyKnown(request.protocol, request.peer, format,
                                               wire::sha256ToWire(recent->keyTextSha256), options,
                                               wire::sha256ToWire(recent->verdictSha256))) {
                    return recent->verdict;
                }
            } catch (const sdbus::Error& e) {
                // Only a daemon that keeps no verdicts, or has no VerifyKnown, ends the
                // repeats; a bus error (the daemon restarting, a timeout) may pass.
                if (e.getName() == wire::errorName(ErrorCategory::Unavailable) ||
                    e.getName() == "org.freedesktop.DBus.Error.UnknownMethod") {
                    m_impl->askVerifyKnown = false;
                }
            }
        }
    }
    PEERTRUST_TRY_ASSIGN(std::string key, wire::keyToText(request.keyFormat, request.key));
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] {
                             return m_impl->proxy->Verify(request.protocol, request.peer, format,
                                                          key, options);
                         }));
    const auto& [kind, reasonCode, explanation, details] = reply;
    PEERTRUST_TRY_ASSIGN(Verdict verdict,
                         wire::verdictFromWire(kind, reasonCode, explanation, details));
    if (m_impl->askVerifyKnown && !request.pinOnFirstUse) {
        m_impl->recentVerdicts.remember(
            std::move(identity), {wire::keyTextSha256(key), verdict, verdictSha256(verdict)});
    }
    return verdict;
}

Result<AddOutcome> Client::addPin(const PinAddRequest& request) {
    PEERTRUST_TRY(
        wire::wholeTexts({{"the protocol", request.protocol}, {"the peer", request.peer}}));
    PEERTRUST_TRY_ASSIGN(std::string key, wire::keyToText(request.keyFormat, request.key));
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] {
                             return m_impl->proxy->AddPin(request.protocol, request.peer,
                                                          std::string(toString(request.keyFormat)),
                                                          key, request.replace,
                                                          wire::addPinOptions(request));
                         }));
    return AddOutcome{std::get<0>(reply), std::get<1>(reply)};
}

Result<void> Client::removePin(const std::string& id) {
    PEERTRUST_TRY(wire::wholeTexts({{"the id", id}}));
    std::lock_guard lock(m_impl->callMutex);
    return guardedVoid([&] { m_impl->proxy->RemovePin(id); });
}

Result<std::vector<PinInfo>> Client::listPins() {
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] { return m_impl->proxy->ListPins(); }));
    return listFromWire(reply, &wire::pinFromWire);
}

Result<std::vector<KnownKey>> Client::pinnedKeys(const std::string& protocol,
                                                 const std::string& peer) {
    PEERTRUST_TRY(wire::wholeTexts({{"the protocol", protocol}, {"the peer", peer}}));
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply,
                         guarded([&] { return m_impl->proxy->PinnedKeys(protocol, peer); }));
    std::vector<KnownKey> out;
    for (const auto& entry : reply) {
        KnownKey key;
        key.pinId = entry.get<0>();
        key.protocol = entry.get<1>();
        PEERTRUST_TRY_ASSIGN(key.keyFormat, parseKeyFormat(entry.get<2>()));
        // The wire carries PEM; KnownKey holds DER, as the engine's own answer does.
        PEERTRUST_TRY_ASSIGN(key.key, wire::keyFromText(key.keyFormat, entry.get<3>()));
        out.push_back(std::move(key));
    }
    return out;
}

namespace {

ImportSummary importSummaryFromWire(
    const std::tuple<uint32_t, uint32_t, uint32_t,
                     std::vector<sdbus::Struct<uint32_t, std::string, std::string>>>& reply) {
    ImportSummary summary;
    summary.imported = std::get<0>(reply);
    summary.alreadyPresent = std::get<1>(reply);
    summary.distrustAdded = std::get<2>(reply);
    for (const auto& entry : std::get<3>(reply)) {
        ImportIssue issue{entry.get<0>(), entry.get<1>(), entry.get<2>()};
        summary.skippedReasons.push_back("line " + std::to_string(issue.line) + ": " + issue.kind +
                                         ": " + issue.reason);
        summary.issues.push_back(std::move(issue));
    }
    summary.skipped = summary.issues.size();
    return summary;
}

}  // namespace

Result<ImportSummary> Client::importKnownHosts(const Bytes& text) {
    PEERTRUST_TRY_ASSIGN(std::string data, wire::textForWire(text, "the known_hosts file"));
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply,
                         guarded([&] { return m_impl->proxy->ImportKnownHosts(data); }));
    return importSummaryFromWire(reply);
}

Result<ImportSummary> Client::importGnutlsKnownHosts(const Bytes& text) {
    PEERTRUST_TRY_ASSIGN(std::string data, wire::textForWire(text, "the GnuTLS known_hosts file"));
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply,
                         guarded([&] { return m_impl->proxy->ImportGnutlsKnownHosts(data); }));
    return importSummaryFromWire(reply);
}

Result<std::size_t> Client::forgetPins(const PinForgetRequest& request) {
    PEERTRUST_TRY(wire::wholeTexts({{"the peer", request.peer.value_or("")}}));
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto count, guarded([&] {
                             return m_impl->proxy->ForgetPins(wire::forgetToWire(request));
                         }));
    return static_cast<std::size_t>(count);
}

namespace {

// Every text of a scope whole, as for wholeTexts: an excluded name cut short at a NUL would
// exclude another subtree than the one meant.
Result<void> wholeScope(const AnchorScope& scope) {
    for (const auto& protocol : scope.protocols) {
        PEERTRUST_TRY(wire::wholeTexts({{"a protocol of the scope", protocol}}));
    }
    for (const auto* trees : {&scope.permitted, &scope.excluded}) {
        for (const auto& tree : *trees) {
            PEERTRUST_TRY(wire::wholeTexts({{"a name of the scope", tree.value}}));
        }
    }
    return {};
}

}  // namespace

Result<AddOutcome> Client::addAnchor(const AnchorAddRequest& request) {
    PEERTRUST_TRY(wire::wholeTexts({{"the label", request.label}}));
    PEERTRUST_TRY(wholeScope(request.scope));
    PEERTRUST_TRY_ASSIGN(std::string certificate,
                         wire::keyToText(KeyFormat::X509Chain, request.certificate));
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] {
                             return m_impl->proxy->AddAnchor(
                                 certificate, wire::scopeToWire(request.scope), request.label);
                         }));
    return AddOutcome{std::get<0>(reply), std::get<1>(reply)};
}

Result<void> Client::setAnchorScope(const std::string& id, const AnchorScope& scope) {
    PEERTRUST_TRY(wire::wholeTexts({{"the id", id}}));
    PEERTRUST_TRY(wholeScope(scope));
    std::lock_guard lock(m_impl->callMutex);
    return guardedVoid([&] { m_impl->proxy->SetAnchorScope(id, wire::scopeToWire(scope)); });
}

Result<void> Client::removeAnchor(const std::string& id) {
    PEERTRUST_TRY(wire::wholeTexts({{"the id", id}}));
    std::lock_guard lock(m_impl->callMutex);
    return guardedVoid([&] { m_impl->proxy->RemoveAnchor(id); });
}

Result<std::vector<AnchorInfo>> Client::listAnchors() {
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] { return m_impl->proxy->ListAnchors(); }));
    return listFromWire(reply, &wire::anchorFromWire);
}

Result<ImportSummary> Client::importSystemAnchors(const Bytes& pemBundle) {
    PEERTRUST_TRY_ASSIGN(std::string bundle, wire::textForWire(pemBundle, "the PEM bundle"));
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply,
                         guarded([&] { return m_impl->proxy->ImportSystemAnchors(bundle); }));
    ImportSummary summary;
    summary.imported = std::get<0>(reply);
    summary.alreadyPresent = std::get<1>(reply);
    summary.skipped = std::get<2>(reply);
    summary.skippedReasons = std::get<3>(reply);
    return summary;
}

Result<AnchorBundle> Client::exportAnchors(const std::string& purpose) {
    PEERTRUST_TRY(wire::wholeTexts({{"the purpose", purpose}}));
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply,
                         guarded([&] { return m_impl->proxy->ExportAnchors(purpose); }));
    return AnchorBundle{std::get<0>(reply), std::get<1>(reply), std::get<2>(reply)};
}

Result<AddOutcome> Client::addDistrust(const DistrustAddRequest& request) {
    PEERTRUST_TRY(wire::wholeTexts({{"the label", request.label}}));
    std::string data;
    if (request.kind == DistrustKind::Certificate) {
        PEERTRUST_TRY_ASSIGN(data, wire::keyToText(KeyFormat::X509Chain, request.data));
    } else {
        std::string_view text(reinterpret_cast<const char*>(request.data.data()),
                              request.data.size());
        bool sshLine = text.starts_with("ssh-") || text.starts_with("ecdsa-sha2-");
        PEERTRUST_TRY_ASSIGN(
            data, wire::keyToText(sshLine ? KeyFormat::OpenSsh : KeyFormat::Spki, request.data));
    }
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] {
                             return m_impl->proxy->AddDistrust(std::string(toString(request.kind)),
                                                               data, request.label);
                         }));
    return AddOutcome{std::get<0>(reply), std::get<1>(reply)};
}

Result<void> Client::removeDistrust(const std::string& id) {
    PEERTRUST_TRY(wire::wholeTexts({{"the id", id}}));
    std::lock_guard lock(m_impl->callMutex);
    return guardedVoid([&] { m_impl->proxy->RemoveDistrust(id); });
}

Result<std::vector<DistrustInfo>> Client::listDistrust() {
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] { return m_impl->proxy->ListDistrust(); }));
    return listFromWire(reply, &wire::distrustFromWire);
}

Result<AddOutcome> Client::addCrl(const CrlAddRequest& request) {
    PEERTRUST_TRY_ASSIGN(std::string crl, wire::crlToText(request.crl));
    std::string issuer;
    if (!request.issuerCertificate.empty()) {
        PEERTRUST_TRY_ASSIGN(issuer,
                             wire::keyToText(KeyFormat::X509Chain, request.issuerCertificate));
    }
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] { return m_impl->proxy->AddCrl(crl, issuer); }));
    return AddOutcome{std::get<0>(reply), std::get<1>(reply), std::get<2>(reply)};
}

Result<void> Client::removeCrl(const std::string& id) {
    PEERTRUST_TRY(wire::wholeTexts({{"the id", id}}));
    std::lock_guard lock(m_impl->callMutex);
    return guardedVoid([&] { m_impl->proxy->RemoveCrl(id); });
}

Result<std::vector<CrlInfo>> Client::listCrls() {
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] { return m_impl->proxy->ListCrls(); }));
    return listFromWire(reply, &wire::crlFromWire);
}

Result<std::vector<ProtocolInfo>> Client::listProtocols() {
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] { return m_impl->proxy->ListProtocols(); }));
    return listFromWire(reply, &wire::protocolFromWire);
}

Result<AddOutcome> Client::addProtocol(const ProtocolAddRequest& request) {
    PEERTRUST_TRY(
        wire::wholeTexts({{"the protocol name", request.name}, {"the family", request.family}}));
    std::lock_guard lock(m_impl->callMutex);
    PEERTRUST_TRY_ASSIGN(auto reply, guarded([&] {
                             return m_impl->proxy->AddProtocol(
                                 request.name, request.family,
                                 std::string(toString(request.policy)));
                         }));
    return AddOutcome{std::get<0>(reply), std::get<1>(reply)};
}

}  // namespace peertrust
