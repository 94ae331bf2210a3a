// libpeertrust: the trust daemon's D-Bus API as a TrustService, for C++ programs.
//
//   auto client = peertrust::Client::connect(peertrust::Bus::Session);
//   auto verdict = (*client)->verify({"https", "www.example.com",
//                                     peertrust::KeyFormat::X509Chain, chainDer});
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "peertrust/Bus.h"
#include "peertrust/Export.h"
#include "peertrust/TrustService.h"

namespace peertrust {

class PEERTRUST_API Client final : public TrustService {
public:
    static Result<std::unique_ptr<Client>> connect(Bus bus);
    ~Client() override;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    Result<Verdict> verify(const VerifyRequest& request) override;

    Result<AddOutcome> addPin(const PinAddRequest& request) override;
    Result<void> removePin(const std::string& id) override;
    Result<std::vector<PinInfo>> listPins() override;
    Result<std::size_t> forgetPins(const PinForgetRequest& request) override;
    Result<ImportSummary> importKnownHosts(const Bytes& text) override;
    Result<ImportSummary> importGnutlsKnownHosts(const Bytes& text) override;

    Result<AddOutcome> addAnchor(const AnchorAddRequest& request) override;
    Result<void> setAnchorScope(const std::string& id, const AnchorScope& scope) override;
    Result<void> removeAnchor(const std::string& id) override;
    Result<std::vector<AnchorInfo>> listAnchors() override;
    Result<ImportSummary> importSystemAnchors(const Bytes& pemBundle) override;
    Result<std::vector<KnownKey>> pinnedKeys(const std::string& protocol,
                                             const std::string& peer) override;
    Result<AnchorBundle> exportAnchors(const std::string& purpose) override;

    Result<AddOutcome> addDistrust(const DistrustAddRequest& request) override;
    Result<void> removeDistrust(const std::string& id) override;
    Result<std::vector<DistrustInfo>> listDistrust() override;

    Result<AddOutcome> addCrl(const CrlAddRequest& request) override;
    Result<void> removeCrl(const std::string& id) override;
    Result<std::vector<CrlInfo>> listCrls() override;

    Result<std::vector<ProtocolInfo>> listProtocols() override;
    Result<AddOutcome> addProtocol(const ProtocolAddRequest& request) override;

    // Calls `handler(kind, id)` for every Changed signal ("pin", "anchor", "distrust", "crl",
    // "protocol"; "store" with an empty id when another program wrote the store and anything
    // may have changed), on a thread of the library's, until the Client is destroyed.
    // Subscribing again replaces the handler. The handler runs on the thread that subscribe()
    // and ~Client stop: it must not destroy its Client, and subscribe() from it is refused
    // (Usage). An exception it throws is dropped; the subscription goes on.
    using ChangeHandler = std::function<void(const std::string& kind, const std::string& id)>;
    Result<void> subscribe(ChangeHandler handler);

private:
    class Impl;
    // Only connect() makes a Client: the constructor is public for make_unique, its key is not.
    class Key {
        friend class Client;
        Key() = default;
    };

public:
    Client(Key, std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace peertrust
