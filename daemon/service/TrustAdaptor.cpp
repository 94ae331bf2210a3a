#include "service/TrustAdaptor.h"

#include <type_traits>

#include "DbusWire.h"
#include "peertrust/TextExcerpt.h"
#include "service/AnswerOnWorker.h"
#include "service/DaemonLog.h"

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

// At log level debug, one line per Verify answered: who asked about which peer, and the answer.
void logVerify(const VerifyRequest& request, uid_t uid, const Result<Verdict>& outcome) {
    if (!logs(LogLevel::Debug)) {
        return;
    }
    std::string line = "Verify " + textExcerpt(request.protocol, 64) + " " +
                       textExcerpt(request.peer, 256) + " for uid " + std::to_string(uid) + ": ";
    if (outcome) {
        line += std::string(toString(outcome->kind)) + " (" + outcome->reason + ")";
    } else {
        line += "error: " + outcome.error().message();
    }
    log(LogLevel::Debug, line);
}

// Answers with the error of a failed outcome, or with what `send` makes of its value.
template <typename Reply, typename T, typename Send>
void replyWith(Reply& reply, const Result<T>& outcome, Send&& send) {
    if (!outcome) {
        reply.returnError(wire::toDbusError(outcome.error()));
        return;
    }
    if constexpr (std::is_void_v<T>) {
        send();
    } else {
        send(*outcome);
    }
}

// The Changed signal's kind of an item.
const char* signalKind(policy::PolicyEngine::ItemKind kind) {
    switch (kind) {
        case policy::PolicyEngine::ItemKind::Pin:
            return "pin";
        case policy::PolicyEngine::ItemKind::Anchor:
            return "anchor";
        case policy::PolicyEngine::ItemKind::Distrust:
            return "distrust";
        case policy::PolicyEngine::ItemKind::Crl:
            return "crl";
    }
    return "";
}

}  // namespace

TrustAdaptor::TrustAdaptor(sdbus::IConnection& connection, policy::PolicyEngine& engine,
                           CallerAuthority& authority, std::size_t workers,
                           std::function<void()> afterSend)
    : AdaptorInterfaces(connection, wire::kObjectPath),
      m_engine(engine),
      m_authority(authority),
      m_afterSend(std::move(afterSend)),
      m_workers(std::make_unique<WorkerPool>(workers, m_afterSend)) {
    registerAdaptor();
}

TrustAdaptor::~TrustAdaptor() {
    // The workers first: what they answer or signal goes out through the object, so it must
    // stay registered until the last of them is done.
    m_workers.reset();  // answers what was already queued
    unregisterAdaptor();
}

TrustAdaptor::Caller TrustAdaptor::currentCaller() {
    return {m_authority.callerUid(getObject())};
}

Result<void> TrustAdaptor::authorizeWrite(const Caller& caller) {
    return m_authority.authorizeWrite(caller.uid, "change the machine's trust policy");
}

void TrustAdaptor::announceChangesByOthers() {
    Result<bool> changed = m_engine.takeChangesByOthers();
    if (!changed) {
        log(LogLevel::Warning,
            "cannot tell whether another program changed the store: " + changed.error().message());
        return;
    }
    if (*changed) {
        try {
            emitChanged("store", "");
            if (m_afterSend) {
                m_afterSend();
            }
        } catch (const sdbus::Error& e) {
            log(LogLevel::Warning, "cannot announce a change to the store: " + e.getMessage());
        }
    }
}

template <typename ResultType, typename Work>
void TrustAdaptor::answer(ResultType&& result, Work&& work) {
    answerOnWorker(*m_workers, std::forward<ResultType>(result), std::forward<Work>(work));
}

template <typename ResultType, typename Work, typename Send>
void TrustAdaptor::answerWrite(ResultType&& result, Work&& work, Send&& send) {
    Caller caller = currentCaller();
    answer(std::forward<ResultType>(result), [this, caller, work = std::forward<Work>(work),
                                              send = std::forward<Send>(send)](auto& reply) {
        auto outcome = [&]() -> decltype(work()) {
            PEERTRUST_TRY(authorizeWrite(caller));
            return work();
        }();
        replyWith(reply, outcome, [&](const auto&... value) { send(reply, value...); });
    });
}

template <typename Add>
void TrustAdaptor::answerAdd(sdbus::Result<std::string, bool>&& result, const char* kind,
                             Add&& add) {
    answerWrite(std::move(result), std::forward<Add>(add),
                [this, kind](auto& reply, const AddOutcome& added) {
                    if (added.created) {
                        emitChanged(kind, added.id);
                    }
                    reply.returnResults(added.id, added.created);
                });
}

void TrustAdaptor::answerRemove(sdbus::Result<>&& result, ItemKind kind, std::string id,
                                Result<void> (policy::PolicyEngine::*remove)(const std::string&)) {
    answerWrite(
        std::move(result),
        [this, kind, remove, id]() -> Result<std::string> {
            // The signal names the item by its whole id, whatever prefix the caller used.
            PEERTRUST_TRY_ASSIGN(std::string whole, m_engine.wholeId(kind, id));
            PEERTRUST_TRY((m_engine.*remove)(whole));
            return whole;
        },
        [this, kind](auto& reply, const std::string& whole) {
            emitChanged(signalKind(kind), whole);
            reply.returnResults();
        });
}

template <typename Item>
void TrustAdaptor::answerList(sdbus::Result<std::vector<Dict>>&& result,
                              Result<std::vector<Item>> (policy::PolicyEngine::*list)(),
                              Dict (*toWire)(const Item&)) {
    answer(std::move(result), [this, list, toWire](auto& reply) {
        replyWith(reply, (m_engine.*list)(), [&](const std::vector<Item>& items) {
            std::vector<Dict> out;
            out.reserve(items.size());
            for (const Item& item : items) {
                out.push_back(toWire(item));
            }
            reply.returnResults(out);
        });
    });
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
        if (logs(LogLevel::Debug)) {
            log(LogLevel::Debug, "Verify for uid " + std::to_string(caller.uid) +
                                     " refused: " + request.error().message());
        }
        result.returnError(wire::toDbusError(request.error()));
        return;
    }
    // A verdict that needs no waiting (cached, or a chain small enough to check in about a
    // millisecond) is answered here on the bus thread: handing it to a worker costs ~100 us of
    // thread wake-ups on top. Larger chains, writes and anything that would wait for a lock
    // go to the workers, so that one client's huge or slow request never holds up the others.
    if (request->key.size() <= kInlineVerifyKeyBytes) {
        if (auto now = m_engine.verifyWithoutWaiting(*request, caller.uid)) {
            logVerify(*request, caller.uid, *now);
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
        logVerify(request, caller.uid, verdict);
        replyWith(reply, verdict, [&](const Verdict& decided) {
            auto [kind, reasonCode, explanation, details] = wire::verdictToWire(decided);
            if (decided.reason == reason::TofuNew && !decided.details.pins.empty()) {
                emitChanged("pin", decided.details.pins.front().pinId);
            }
            reply.returnResults(kind, reasonCode, explanation, details);
        });
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
    const bool holds = m_engine.cachedVerdictHolds(key, at, heldVerdict);
    if (logs(LogLevel::Debug)) {
        log(LogLevel::Debug, "VerifyKnown " + textExcerpt(key.protocol, 64) + " " +
                                 textExcerpt(key.peer, 256) + " for uid " +
                                 std::to_string(caller.uid) +
                                 (holds ? ": the verdict held holds" : ": ask Verify"));
    }
    result.returnResults(holds);
}

void TrustAdaptor::AddPin(sdbus::Result<std::string, bool>&& result, std::string protocol,
                          std::string peer, std::string keyFormat, std::string key, bool replace,
                          Dict options) {
    answerWrite(
        std::move(result),
        [this, protocol = std::move(protocol), peer = std::move(peer),
         keyFormat = std::move(keyFormat), key = std::move(key), replace,
         options = std::move(options)]() -> Result<AddOutcome> {
            PEERTRUST_TRY(checkSize(key, "the key"));
            PinAddRequest request{protocol, peer, KeyFormat::X509Chain, {}, replace};
            PEERTRUST_TRY_ASSIGN(request.keyFormat, parseKeyFormat(keyFormat));
            PEERTRUST_TRY(wire::applyAddPinOptions(options, request));
            request.key = wire::textToBytes(key);
            return m_engine.addPin(request);
        },
        [this, replace](auto& reply, const AddOutcome& added) {
            if (added.created || replace) {  // a replacement changes the pin in place
                emitChanged("pin", added.id);
            }
            reply.returnResults(added.id, added.created);
        });
}

void TrustAdaptor::RemovePin(sdbus::Result<>&& result, std::string id) {
    answerRemove(std::move(result), ItemKind::Pin, std::move(id), &policy::PolicyEngine::removePin);
}

void TrustAdaptor::ListPins(sdbus::Result<std::vector<Dict>>&& result) {
    answerList(std::move(result), &policy::PolicyEngine::listPins, &wire::pinToWire);
}

void TrustAdaptor::ForgetPins(sdbus::Result<uint32_t>&& result, Dict criteria) {
    answerWrite(
        std::move(result),
        [this, criteria = std::move(criteria)]() -> Result<std::size_t> {
            PEERTRUST_TRY_ASSIGN(PinForgetRequest request, wire::forgetFromWire(criteria));
            return m_engine.forgetPins(request);
        },
        [this](auto& reply, std::size_t forgotten) {
            if (forgotten > 0) {
                emitChanged("pin", "");
            }
            reply.returnResults(static_cast<uint32_t>(forgotten));
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
    answerWrite(
        std::move(result),
        [this, import, text = std::move(text)]() -> Result<ImportSummary> {
            PEERTRUST_TRY(checkSize(text, "the file"));
            return (m_engine.*import)(wire::textToBytes(text));
        },
        [this](auto& reply, const ImportSummary& imported) {
            std::vector<sdbus::Struct<uint32_t, std::string, std::string>> skipped;
            for (const ImportIssue& issue : imported.issues) {
                skipped.emplace_back(static_cast<uint32_t>(issue.line), issue.kind, issue.reason);
            }
            if (imported.distrustAdded > 0) {
                emitChanged("distrust", "");
            }
            if (imported.imported > 0) {
                emitChanged("pin", "");
            }
            reply.returnResults(static_cast<uint32_t>(imported.imported),
                                static_cast<uint32_t>(imported.alreadyPresent),
                                static_cast<uint32_t>(imported.distrustAdded), skipped);
        });
}

void TrustAdaptor::AddAnchor(sdbus::Result<std::string, bool>&& result, std::string certificate,
                             Dict scope, std::string label) {
    answerAdd(std::move(result), "anchor",
              [this, certificate = std::move(certificate), scope = std::move(scope),
               label = std::move(label)]() -> Result<AddOutcome> {
                  PEERTRUST_TRY(checkSize(certificate, "the certificate"));
                  PEERTRUST_TRY_ASSIGN(AnchorScope parsed, wire::scopeFromWire(scope));
                  return m_engine.addAnchor({wire::textToBytes(certificate), parsed, label});
              });
}

void TrustAdaptor::SetAnchorScope(sdbus::Result<>&& result, std::string id, Dict scope) {
    answerWrite(
        std::move(result),
        [this, id, scope = std::move(scope)]() -> Result<std::string> {
            PEERTRUST_TRY_ASSIGN(AnchorScope parsed, wire::scopeFromWire(scope));
            PEERTRUST_TRY_ASSIGN(std::string whole, m_engine.wholeId(ItemKind::Anchor, id));
            PEERTRUST_TRY(m_engine.setAnchorScope(whole, parsed));
            return whole;
        },
        [this](auto& reply, const std::string& whole) {
            emitChanged("anchor", whole);
            reply.returnResults();
        });
}

void TrustAdaptor::RemoveAnchor(sdbus::Result<>&& result, std::string id) {
    answerRemove(std::move(result), ItemKind::Anchor, std::move(id),
                 &policy::PolicyEngine::removeAnchor);
}

void TrustAdaptor::ListAnchors(sdbus::Result<std::vector<Dict>>&& result) {
    answerList(std::move(result), &policy::PolicyEngine::listAnchors, &wire::anchorToWire);
}

void TrustAdaptor::PinnedKeys(
    sdbus::Result<std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>>>&&
        result,
    std::string protocol, std::string peer) {
    using KeyRow = sdbus::Struct<std::string, std::string, std::string, std::string>;
    answer(std::move(result), [this, protocol = std::move(protocol),
                               peer = std::move(peer)](auto& reply) {
        auto rows = [&]() -> Result<std::vector<KeyRow>> {
            PEERTRUST_TRY_ASSIGN(std::vector<KnownKey> known, m_engine.pinnedKeys(protocol, peer));
            std::vector<KeyRow> out;
            for (const KnownKey& key : known) {
                PEERTRUST_TRY_ASSIGN(std::string text, wire::keyToText(key.keyFormat, key.key));
                out.emplace_back(key.pinId, key.protocol, std::string(toString(key.keyFormat)),
                                 std::move(text));
            }
            return out;
        }();
        replyWith(reply, rows, [&](const std::vector<KeyRow>& out) { reply.returnResults(out); });
    });
}

void TrustAdaptor::ExportAnchors(sdbus::Result<std::string, uint32_t, uint32_t>&& result,
                                 std::string purpose) {
    answer(std::move(result), [this, purpose = std::move(purpose)](auto& reply) {
        replyWith(reply, m_engine.exportAnchors(purpose), [&](const AnchorBundle& bundle) {
            reply.returnResults(bundle.pem, static_cast<uint32_t>(bundle.included),
                                static_cast<uint32_t>(bundle.leftOut));
        });
    });
}

void TrustAdaptor::ImportSystemAnchors(
    sdbus::Result<uint32_t, uint32_t, uint32_t, std::vector<std::string>>&& result,
    std::string bundle) {
    answerWrite(
        std::move(result),
        [this, bundle = std::move(bundle)]() {
            return m_engine.importSystemAnchors(wire::textToBytes(bundle));
        },
        [this](auto& reply, const ImportSummary& imported) {
            if (imported.imported > 0) {
                emitChanged("anchor", "");
            }
            reply.returnResults(static_cast<uint32_t>(imported.imported),
                                static_cast<uint32_t>(imported.alreadyPresent),
                                static_cast<uint32_t>(imported.skipped), imported.skippedReasons);
        });
}

void TrustAdaptor::AddDistrust(sdbus::Result<std::string, bool>&& result, std::string kind,
                               std::string data, std::string label) {
    answerAdd(std::move(result), "distrust",
              [this, kind = std::move(kind), data = std::move(data),
               label = std::move(label)]() -> Result<AddOutcome> {
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
              });
}

void TrustAdaptor::RemoveDistrust(sdbus::Result<>&& result, std::string id) {
    answerRemove(std::move(result), ItemKind::Distrust, std::move(id),
                 &policy::PolicyEngine::removeDistrust);
}

void TrustAdaptor::ListDistrust(sdbus::Result<std::vector<Dict>>&& result) {
    answerList(std::move(result), &policy::PolicyEngine::listDistrust, &wire::distrustToWire);
}

void TrustAdaptor::AddCrl(sdbus::Result<std::string, bool, std::string>&& result, std::string crl,
                          std::string issuerCertificate) {
    answerWrite(
        std::move(result),
        [this, crl = std::move(crl),
         issuerCertificate = std::move(issuerCertificate)]() -> Result<AddOutcome> {
            PEERTRUST_TRY(checkSize(crl, "the CRL"));
            PEERTRUST_TRY(checkSize(issuerCertificate, "the issuer certificate"));
            return m_engine.addCrl({wire::textToBytes(crl), wire::textToBytes(issuerCertificate)});
        },
        [this](auto& reply, const AddOutcome& added) {
            // The older list is gone: a subscriber that shows CRLs drops it.
            if (!added.replacedId.empty()) {
                emitChanged("crl", added.replacedId);
            }
            if (added.created) {
                emitChanged("crl", added.id);
            }
            reply.returnResults(added.id, added.created, added.replacedId);
        });
}

void TrustAdaptor::RemoveCrl(sdbus::Result<>&& result, std::string id) {
    answerRemove(std::move(result), ItemKind::Crl, std::move(id), &policy::PolicyEngine::removeCrl);
}

void TrustAdaptor::ListCrls(sdbus::Result<std::vector<Dict>>&& result) {
    answerList(std::move(result), &policy::PolicyEngine::listCrls, &wire::crlToWire);
}

void TrustAdaptor::ListProtocols(sdbus::Result<std::vector<Dict>>&& result) {
    answerList(std::move(result), &policy::PolicyEngine::listProtocols, &wire::protocolToWire);
}

void TrustAdaptor::AddProtocol(sdbus::Result<std::string, bool>&& result, std::string name,
                               std::string family, std::string policy) {
    answerAdd(std::move(result), "protocol",
              [this, name = std::move(name), family = std::move(family),
               policy = std::move(policy)]() -> Result<AddOutcome> {
                  PEERTRUST_TRY_ASSIGN(ProtocolPolicy parsed, parseProtocolPolicy(policy));
                  return m_engine.addProtocol({name, family, parsed});
              });
}

}  // namespace peertrust::service
