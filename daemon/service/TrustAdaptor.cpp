#include "service/TrustAdaptor.h"

#include "DbusWire.h"
#include "peertrust/TextExcerpt.h"
#include "service/AnswerOnWorker.h"

namespace peertrust::service {

namespace {

// The most a single string argument may carry (a PEM bundle is the largest, ~200 KiB).
constexpr std::size_t kMaxArgumentBytes = 4 * 1024 * 1024;

// The largest key Verify checks on the bus thread: a PEM chain of about five certificates.
constexpr std::size_t kInlineVerifyKeyBytes = 8 * 1024;

Result<void> checkSize(const std::string& value, const char* what) {
    if (value.size() > kMaxArgumentBytes) {
        return invalidInput(std::string(what) + " is larger than " +
                            std::to_string(kMaxArgumentBytes) + " bytes");
    }
    return {};
}

}  // namespace

TrustAdaptor::TrustAdaptor(sdbus::IConnection& connection, policy::PolicyEngine& engine,
                           CallerAuthority& authority, std::size_t workers)
    : AdaptorInterfaces(connection, wire::kObjectPath),
      m_engine(engine),
      m_authority(authority),
      m_workers(std::make_unique<WorkerPool>(workers)) {
    registerAdaptor();
}

TrustAdaptor::~TrustAdaptor() {
    unregisterAdaptor();
    m_workers.reset();  // answers what was already queued
}

TrustAdaptor::Caller TrustAdaptor::currentCaller() {
    return {m_authority.callerUid(getObject())};
}

Result<void> TrustAdaptor::authorizeWrite(const Caller& caller) {
    return m_authority.authorizeWrite(caller.uid, "change the machine's trust policy");
}

template <typename ResultType, typename Work>
void TrustAdaptor::answer(ResultType&& result, Work&& work) {
    answerOnWorker(*m_workers, std::forward<ResultType>(result), std::forward<Work>(work));
}

void TrustAdaptor::Verify(
    sdbus::Result<std::string, std::string, std::string, wire::VerdictDetailsWire>&& result,
    std::string protocol, std::string peer, std::string keyFormat, std::string key, Dict options) {
    Caller caller = currentCaller();
    auto request = [&]() -> Result<VerifyRequest> {
        PEERTRUST_TRY(checkSize(key, "the key"));
        VerifyRequest parsed;
        parsed.protocol = std::move(protocol);
        parsed.peer = std::move(peer);
        PEERTRUST_TRY_ASSIGN(parsed.keyFormat, parseKeyFormat(keyFormat));
        parsed.key = wire::textToBytes(key);
        PEERTRUST_TRY(wire::applyVerifyOptions(options, parsed));
        return parsed;
    }();
    if (!request) {
        result.returnError(wire::toDbusError(request.error()));
        return;
    }
    // A verdict that needs no waiting (cached, or a chain small enough to check in about a
    // millisecond) is answered here on the bus thread: handing it to a worker costs ~100 us of
    // thread wake-ups on top. Larger chains, writes and anything that would wait for a lock
    // go to the workers, so that one client's huge or slow request never holds up the others.
    if (request->key.size() <= kInlineVerifyKeyBytes) {
        if (auto now = m_engine.verifyWithoutWaiting(*request, caller.uid)) {
            if (!*now) {
                result.returnError(wire::toDbusError(now->error()));
                return;
            }
            auto [kind, reasonCode, explanation, details] = wire::verdictToWire(**now);
            result.returnResults(kind, reasonCode, explanation, details);
            return;
        }
    }
    answer(std::move(result), [this, caller, request = std::move(request).value()](auto& reply) {
        auto verdict = [&]() -> Result<Verdict> {
            if (request.pinOnFirstUse) {
                PEERTRUST_TRY(authorizeWrite(caller));
            }
            return m_engine.verifyAs(request, caller.uid);
        }();
        if (!verdict) {
            reply.returnError(wire::toDbusError(verdict.error()));
            return;
        }
        auto [kind, reasonCode, explanation, details] = wire::verdictToWire(*verdict);
        reply.returnResults(kind, reasonCode, explanation, details);
        if (verdict->reason == reason::TofuNew && !verdict->details.pins.empty()) {
            emitChanged("pin", verdict->details.pins.front().pinId);
        }
    });
}

void TrustAdaptor::VerifyKnown(sdbus::Result<bool>&& result, std::string protocol, std::string peer,
                               std::string keyFormat, std::string keySha256, Dict options,
                               std::string verdictSha256) {
    // Answered here on the bus thread: a cache lookup never waits.
    if (!m_engine.cachesVerdicts()) {
        result.returnError(wire::toDbusError(
            Error{ErrorCategory::Unavailable,
                  "this peertrustd keeps no verdicts (verdict_cache = no): call Verify"}));
        return;
    }
    Caller caller = currentCaller();
    auto known = [&]() -> Result<std::tuple<policy::VerdictCacheKey, std::optional<UnixTime>,
                                            wire::Sha256Digest>> {
        VerifyRequest parsed;  // for its options only: the key itself is not sent
        PEERTRUST_TRY(wire::applyVerifyOptions(options, parsed));
        policy::VerdictCacheKey key;
        key.protocol = std::move(protocol);
        key.peer = std::move(peer);
        PEERTRUST_TRY_ASSIGN(key.keyFormat, parseKeyFormat(keyFormat));
        PEERTRUST_TRY_ASSIGN(key.keySha256, wire::sha256FromWire(keySha256, "key_sha256"));
        key.pinOnFirstUse = parsed.pinOnFirstUse;
        key.uid = caller.uid;
        key.ocsp = std::move(parsed.ocsp);
        PEERTRUST_TRY_ASSIGN(auto verdict, wire::sha256FromWire(verdictSha256, "verdict_sha256"));
        return std::make_tuple(std::move(key), parsed.at, verdict);
    }();
    if (!known) {
        result.returnError(wire::toDbusError(known.error()));
        return;
    }
    const auto& [key, at, heldVerdict] = *known;
    result.returnResults(m_engine.cachedVerdictHolds(key, at, heldVerdict));
}

void TrustAdaptor::AddPin(sdbus::Result<std::string, bool>&& result, std::string protocol,
                          std::string peer, std::string keyFormat, std::string key, bool replace) {
    Caller caller = currentCaller();
    answer(std::move(result),
           [this, caller, protocol = std::move(protocol), peer = std::move(peer),
            keyFormat = std::move(keyFormat), key = std::move(key), replace](auto& reply) {
               auto added = [&]() -> Result<AddOutcome> {
                   PEERTRUST_TRY(authorizeWrite(caller));
                   PEERTRUST_TRY(checkSize(key, "the key"));
                   PEERTRUST_TRY_ASSIGN(KeyFormat format, parseKeyFormat(keyFormat));
                   return m_engine.addPin({protocol, peer, format, wire::textToBytes(key), replace,
                                           PinOrigin::Manual});
               }();
               if (!added) {
                   reply.returnError(wire::toDbusError(added.error()));
                   return;
               }
               reply.returnResults(added->id, added->created);
               if (added->created || replace) {
                   emitChanged("pin", added->id);
               }
           });
}

void TrustAdaptor::RemovePin(sdbus::Result<>&& result, std::string id) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, id = std::move(id)](auto& reply) {
        auto removed = [&]() -> Result<void> {
            PEERTRUST_TRY(authorizeWrite(caller));
            return m_engine.removePin(id);
        }();
        if (!removed) {
            reply.returnError(wire::toDbusError(removed.error()));
            return;
        }
        reply.returnResults();
        emitChanged("pin", id);
    });
}

void TrustAdaptor::ListPins(sdbus::Result<std::vector<Dict>>&& result) {
    answer(std::move(result), [this](auto& reply) {
        auto pins = m_engine.listPins();
        if (!pins) {
            reply.returnError(wire::toDbusError(pins.error()));
            return;
        }
        std::vector<Dict> out;
        for (const PinInfo& pin : *pins) {
            out.push_back(wire::pinToWire(pin));
        }
        reply.returnResults(out);
    });
}

void TrustAdaptor::ForgetPins(sdbus::Result<uint32_t>&& result, Dict criteria) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, criteria = std::move(criteria)](auto& reply) {
        auto forgotten = [&]() -> Result<std::size_t> {
            PEERTRUST_TRY(authorizeWrite(caller));
            PEERTRUST_TRY_ASSIGN(PinForgetRequest request, wire::forgetFromWire(criteria));
            return m_engine.forgetPins(request);
        }();
        if (!forgotten) {
            reply.returnError(wire::toDbusError(forgotten.error()));
            return;
        }
        reply.returnResults(static_cast<uint32_t>(*forgotten));
        if (*forgotten > 0) {
            emitChanged("pin", "");
        }
    });
}

void TrustAdaptor::ImportKnownHosts(ImportReply&& result, std::string text) {
    answerImport(std::move(result), std::move(text), &policy::PolicyEngine::importKnownHosts);
}

void TrustAdaptor::ImportGnutlsKnownHosts(ImportReply&& result, std::string text) {
    answerImport(std::move(result), std::move(text), &policy::PolicyEngine::importGnutlsKnownHosts);
}

void TrustAdaptor::answerImport(
    ImportReply&& result, std::string text,
    Result<ImportSummary> (policy::PolicyEngine::*import)(const Bytes&)) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, import, text = std::move(text)](auto& reply) {
        auto imported = [&]() -> Result<ImportSummary> {
            PEERTRUST_TRY(authorizeWrite(caller));
            PEERTRUST_TRY(checkSize(text, "the file"));
            return (m_engine.*import)(wire::textToBytes(text));
        }();
        if (!imported) {
            reply.returnError(wire::toDbusError(imported.error()));
            return;
        }
        std::vector<sdbus::Struct<uint32_t, std::string, std::string>> skipped;
        for (const ImportIssue& issue : imported->issues) {
            skipped.emplace_back(static_cast<uint32_t>(issue.line), issue.kind, issue.reason);
        }
        reply.returnResults(static_cast<uint32_t>(imported->imported),
                            static_cast<uint32_t>(imported->alreadyPresent),
                            static_cast<uint32_t>(imported->distrustAdded), skipped);
        if (imported->distrustAdded > 0) {
            emitChanged("distrust", "");
        }
        if (imported->imported > 0) {
            emitChanged("pin", "");
        }
    });
}

void TrustAdaptor::AddAnchor(sdbus::Result<std::string, bool>&& result, std::string certificate,
                             Dict scope, std::string label) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, certificate = std::move(certificate),
                               scope = std::move(scope), label = std::move(label)](auto& reply) {
        auto added = [&]() -> Result<AddOutcome> {
            PEERTRUST_TRY(authorizeWrite(caller));
            PEERTRUST_TRY(checkSize(certificate, "the certificate"));
            PEERTRUST_TRY_ASSIGN(AnchorScope parsed, wire::scopeFromWire(scope));
            return m_engine.addAnchor({wire::textToBytes(certificate), parsed, label});
        }();
        if (!added) {
            reply.returnError(wire::toDbusError(added.error()));
            return;
        }
        reply.returnResults(added->id, added->created);
        if (added->created) {
            emitChanged("anchor", added->id);
        }
    });
}

void TrustAdaptor::SetAnchorScope(sdbus::Result<>&& result, std::string id, Dict scope) {
    Caller caller = currentCaller();
    answer(std::move(result),
           [this, caller, id = std::move(id), scope = std::move(scope)](auto& reply) {
               auto set = [&]() -> Result<void> {
                   PEERTRUST_TRY(authorizeWrite(caller));
                   PEERTRUST_TRY_ASSIGN(AnchorScope parsed, wire::scopeFromWire(scope));
                   return m_engine.setAnchorScope(id, parsed);
               }();
               if (!set) {
                   reply.returnError(wire::toDbusError(set.error()));
                   return;
               }
               reply.returnResults();
               emitChanged("anchor", id);
           });
}

void TrustAdaptor::RemoveAnchor(sdbus::Result<>&& result, std::string id) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, id = std::move(id)](auto& reply) {
        auto removed = [&]() -> Result<void> {
            PEERTRUST_TRY(authorizeWrite(caller));
            return m_engine.removeAnchor(id);
        }();
        if (!removed) {
            reply.returnError(wire::toDbusError(removed.error()));
            return;
        }
        reply.returnResults();
        emitChanged("anchor", id);
    });
}

void TrustAdaptor::ListAnchors(sdbus::Result<std::vector<Dict>>&& result) {
    answer(std::move(result), [this](auto& reply) {
        auto anchors = m_engine.listAnchors();
        if (!anchors) {
            reply.returnError(wire::toDbusError(anchors.error()));
            return;
        }
        std::vector<Dict> out;
        for (const AnchorInfo& anchor : *anchors) {
            out.push_back(wire::anchorToWire(anchor));
        }
        reply.returnResults(out);
    });
}

void TrustAdaptor::PinnedKeys(
    sdbus::Result<std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>>>&&
        result,
    std::string protocol, std::string peer) {
    answer(std::move(result),
           [this, protocol = std::move(protocol), peer = std::move(peer)](auto& reply) {
               auto known = m_engine.pinnedKeys(protocol, peer);
               if (!known) {
                   reply.returnError(wire::toDbusError(known.error()));
                   return;
               }
               std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> out;
               for (const KnownKey& key : *known) {
                   auto text = wire::keyToText(key.keyFormat, key.key);
                   if (!text) {
                       reply.returnError(wire::toDbusError(text.error()));
                       return;
                   }
                   out.emplace_back(key.pinId, key.protocol, std::string(toString(key.keyFormat)),
                                    std::move(text).value());
               }
               reply.returnResults(out);
           });
}

void TrustAdaptor::ExportAnchors(sdbus::Result<std::string, uint32_t, uint32_t>&& result,
                                 std::string purpose) {
    answer(std::move(result), [this, purpose = std::move(purpose)](auto& reply) {
        auto bundle = m_engine.exportAnchors(purpose);
        if (!bundle) {
            reply.returnError(wire::toDbusError(bundle.error()));
            return;
        }
        reply.returnResults(bundle->pem, static_cast<uint32_t>(bundle->included),
                            static_cast<uint32_t>(bundle->leftOut));
    });
}

void TrustAdaptor::ImportSystemAnchors(
    sdbus::Result<uint32_t, uint32_t, uint32_t, std::vector<std::string>>&& result,
    std::string bundle) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, bundle = std::move(bundle)](auto& reply) {
        auto imported = [&]() -> Result<ImportSummary> {
            PEERTRUST_TRY(authorizeWrite(caller));
            return m_engine.importSystemAnchors(wire::textToBytes(bundle));
        }();
        if (!imported) {
            reply.returnError(wire::toDbusError(imported.error()));
            return;
        }
        reply.returnResults(static_cast<uint32_t>(imported->imported),
                            static_cast<uint32_t>(imported->alreadyPresent),
                            static_cast<uint32_t>(imported->skipped), imported->skippedReasons);
        if (imported->imported > 0) {
            emitChanged("anchor", "");
        }
    });
}

void TrustAdaptor::AddDistrust(sdbus::Result<std::string, bool>&& result, std::string kind,
                               std::string data, std::string label) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, kind = std::move(kind), data = std::move(data),
                               label = std::move(label)](auto& reply) {
        auto added = [&]() -> Result<AddOutcome> {
            PEERTRUST_TRY(authorizeWrite(caller));
            PEERTRUST_TRY(checkSize(data, "the distrusted item"));
            DistrustKind parsed;
            if (kind == "certificate") {
                parsed = DistrustKind::Certificate;
            } else if (kind == "spki") {
                parsed = DistrustKind::Spki;
            } else {
                return invalidInput("unknown distrust kind \"" + textExcerpt(kind, 40) +
                                    "\" (certificate, spki)");
            }
            return m_engine.addDistrust({parsed, wire::textToBytes(data), label});
        }();
        if (!added) {
            reply.returnError(wire::toDbusError(added.error()));
            return;
        }
        reply.returnResults(added->id, added->created);
        if (added->created) {
            emitChanged("distrust", added->id);
        }
    });
}

void TrustAdaptor::RemoveDistrust(sdbus::Result<>&& result, std::string id) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, id = std::move(id)](auto& reply) {
        auto removed = [&]() -> Result<void> {
            PEERTRUST_TRY(authorizeWrite(caller));
            return m_engine.removeDistrust(id);
        }();
        if (!removed) {
            reply.returnError(wire::toDbusError(removed.error()));
            return;
        }
        reply.returnResults();
        emitChanged("distrust", id);
    });
}

void TrustAdaptor::ListDistrust(sdbus::Result<std::vector<Dict>>&& result) {
    answer(std::move(result), [this](auto& reply) {
        auto entries = m_engine.listDistrust();
        if (!entries) {
            reply.returnError(wire::toDbusError(entries.error()));
            return;
        }
        std::vector<Dict> out;
        for (const DistrustInfo& entry : *entries) {
            out.push_back(wire::distrustToWire(entry));
        }
        reply.returnResults(out);
    });
}

void TrustAdaptor::AddCrl(sdbus::Result<std::string, bool>&& result, std::string crl,
                          std::string issuerCertificate) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, crl = std::move(crl),
                               issuerCertificate = std::move(issuerCertificate)](auto& reply) {
        auto added = [&]() -> Result<AddOutcome> {
            PEERTRUST_TRY(authorizeWrite(caller));
            PEERTRUST_TRY(checkSize(crl, "the CRL"));
            PEERTRUST_TRY(checkSize(issuerCertificate, "the issuer certificate"));
            return m_engine.addCrl({wire::textToBytes(crl), wire::textToBytes(issuerCertificate)});
        }();
        if (!added) {
            reply.returnError(wire::toDbusError(added.error()));
            return;
        }
        reply.returnResults(added->id, added->created);
        if (added->created) {
            emitChanged("crl", added->id);
        }
    });
}

void TrustAdaptor::RemoveCrl(sdbus::Result<>&& result, std::string id) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, id = std::move(id)](auto& reply) {
        auto removed = [&]() -> Result<void> {
            PEERTRUST_TRY(authorizeWrite(caller));
            return m_engine.removeCrl(id);
        }();
        if (!removed) {
            reply.returnError(wire::toDbusError(removed.error()));
            return;
        }
        reply.returnResults();
        emitChanged("crl", id);
    });
}

void TrustAdaptor::ListCrls(sdbus::Result<std::vector<Dict>>&& result) {
    answer(std::move(result), [this](auto& reply) {
        auto crls = m_engine.listCrls();
        if (!crls) {
            reply.returnError(wire::toDbusError(crls.error()));
            return;
        }
        std::vector<Dict> out;
        for (const CrlInfo& crl : *crls) {
            out.push_back(wire::crlToWire(crl));
        }
        reply.returnResults(out);
    });
}

void TrustAdaptor::ListProtocols(sdbus::Result<std::vector<Dict>>&& result) {
    answer(std::move(result), [this](auto& reply) {
        auto protocols = m_engine.listProtocols();
        if (!protocols) {
            reply.returnError(wire::toDbusError(protocols.error()));
            return;
        }
        std::vector<Dict> out;
        for (const ProtocolInfo& protocol : *protocols) {
            out.push_back(wire::protocolToWire(protocol));
        }
        reply.returnResults(out);
    });
}

void TrustAdaptor::AddProtocol(sdbus::Result<std::string, bool>&& result, std::string name,
                               std::string family, std::string policy) {
    Caller caller = currentCaller();
    answer(std::move(result), [this, caller, name = std::move(name), family = std::move(family),
                               policy = std::move(policy)](auto& reply) {
        auto added = [&]() -> Result<AddOutcome> {
            PEERTRUST_TRY(authorizeWrite(caller));
            PEERTRUST_TRY_ASSIGN(ProtocolPolicy parsed, parseProtocolPolicy(policy));
            return m_engine.addProtocol({name, family, parsed});
        }();
        if (!added) {
            reply.returnError(wire::toDbusError(added.error()));
            return;
        }
        reply.returnResults(added->id, added->created);
        if (added->created) {
            emitChanged("protocol", added->id);
        }
    });
}

}  // namespace peertrust::service
