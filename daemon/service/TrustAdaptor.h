// org.peertrust.Trust1 on the bus: decodes each call on the bus thread, answers it there when
// that needs no waiting (Verify of a small key) and otherwise from the worker pool, and maps
// errors to org.peertrust.Error.* names. It only translates; every decision is the engine's.
// A write's Changed signal goes out before its reply: a caller that acts on the reply cannot
// make a change whose signal (sent from another worker) overtakes this one's.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <functional>
#include <memory>
#include <string>

#include "DbusWire.h"
#include "Trust1Adaptor.h"  // generated from dbus/org.peertrust.Trust1.xml
#include "policy/PolicyEngine.h"
#include "service/BusMode.h"
#include "service/CallerAuthority.h"
#include "service/WorkerPool.h"

namespace peertrust::service {

class TrustAdaptor final : public sdbus::AdaptorInterfaces<org::peertrust::Trust1_adaptor> {
public:
    // `authority` decides who calls and who writes, for every interface peertrustd serves.
    // `afterSend` runs after each reply or signal sent off the bus thread (BusLoop::flushSoon).
    TrustAdaptor(sdbus::IConnection& connection, policy::PolicyEngine& engine,
                 CallerAuthority& authority, std::size_t workers,
                 std::function<void()> afterSend = {});
    ~TrustAdaptor();

    // After another process wrote the store (StoreWatch): Changed("store", "") when the write
    // altered what this daemon decides on, so that open programs refresh everything.
    void announceChangesByOthers();

private:
    using Dict = wire::Dict;
    using ItemKind = policy::PolicyEngine::ItemKind;
    struct Caller {
        uid_t uid = 0;
    };

    Caller currentCaller();
    // Runs `work` on a worker; an Error it returns goes back as the D-Bus error.
    template <typename ResultType, typename Work>
    void answer(ResultType&& result, Work&& work);
    Result<void> authorizeWrite(const Caller& caller);
    // The shapes most methods share. A write: authorised, then `work()`; its error is the
    // answer, or `send(reply, value)` answers and signals what changed.
    template <typename ResultType, typename Work, typename Send>
    void answerWrite(ResultType&& result, Work&& work, Send&& send);
    // A write that adds one item (`add()`): answers (id, created), signals a new item.
    template <typename Add>
    void answerAdd(sdbus::Result<std::string, bool>&& result, const char* kind, Add&& add);
    // A write that removes the item `id` (or the one its prefix names), and signals it as
    // changed by its whole id.
    void answerRemove(sdbus::Result<>&& result, ItemKind kind, std::string id,
                      Result<void> (policy::PolicyEngine::*remove)(const std::string&));
    // A listing, one dictionary per item.
    template <typename Item>
    void answerList(sdbus::Result<std::vector<Dict>>&& result,
                    Result<std::vector<Item>> (policy::PolicyEngine::*list)(),
                    Dict (*toWire)(const Item&));

    void Verify(
        sdbus::Result<std::string, std::string, std::string, wire::VerdictDetailsWire>&& result,
        std::string protocol, std::string peer, std::string keyFormat, std::string key,
        Dict options) override;
    void VerifyKnown(sdbus::Result<bool>&& result, std::string protocol, std::string peer,
                     std::string keyFormat, std::string keySha256, Dict options,
                     std::string verdictSha256) override;
    void AddPin(sdbus::Result<std::string, bool>&& result, std::string protocol, std::string peer,
                std::string keyFormat, std::string key, bool replace, Dict options) override;
    void RemovePin(sdbus::Result<>&& result, std::string id) override;
    void ListPins(sdbus::Result<std::vector<Dict>>&& result) override;
    void PinnedKeys(sdbus::Result<std::vector<sdbus::Struct<std::string, std::string, std::string,
                                                            std::string>>>&& result,
                    std::string protocol, std::string peer) override;
    void ForgetPins(sdbus::Result<uint32_t>&& result, Dict criteria) override;
    using ImportReply =
        sdbus::Result<uint32_t, uint32_t, uint32_t,
                      std::vector<sdbus::Struct<uint32_t, std::string, std::string>>>;
    void ImportKnownHosts(ImportReply&& result, std::string text) override;
    void ImportGnutlsKnownHosts(ImportReply&& result, std::string text) override;
    void answerImport(ImportReply&& result, std::string text,
                      Result<ImportSummary> (policy::PolicyEngine::*import)(const Bytes&));
    void AddAnchor(sdbus::Result<std::string, bool>&& result, std::string certificate, Dict scope,
                   std::string label) override;
    void SetAnchorScope(sdbus::Result<>&& result, std::string id, Dict scope) override;
    void RemoveAnchor(sdbus::Result<>&& result, std::string id) override;
    void ListAnchors(sdbus::Result<std::vector<Dict>>&& result) override;
    void ExportAnchors(sdbus::Result<std::string, uint32_t, uint32_t>&& result,
                       std::string purpose) override;
    void ImportSystemAnchors(
        sdbus::Result<uint32_t, uint32_t, uint32_t, std::vector<std::string>>&& result,
        std::string bundle) override;
    void AddDistrust(sdbus::Result<std::string, bool>&& result, std::string kind, std::string data,
                     std::string label) override;
    void RemoveDistrust(sdbus::Result<>&& result, std::string id) override;
    void ListDistrust(sdbus::Result<std::vector<Dict>>&& result) override;
    void AddCrl(sdbus::Result<std::string, bool, std::string>&& result, std::string crl,
                std::string issuerCertificate) override;
    void RemoveCrl(sdbus::Result<>&& result, std::string id) override;
    void ListCrls(sdbus::Result<std::vector<Dict>>&& result) override;
    void ListProtocols(sdbus::Result<std::vector<Dict>>&& result) override;
    void AddProtocol(sdbus::Result<std::string, bool>&& result, std::string name,
                     std::string family, std::string policy) override;

    policy::PolicyEngine& m_engine;
    CallerAuthority& m_authority;
    std::function<void()> m_afterSend;
    // Declared last: destroyed first, so queued calls finish while the rest still exists.
    std::unique_ptr<WorkerPool> m_workers;
};

}  // namespace peertrust::service
