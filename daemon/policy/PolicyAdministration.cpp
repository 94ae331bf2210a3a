// The management half of PolicyEngine: pins, anchors, distrust and protocols. Every write
// goes to the one layer this process may write; what lies in a lower layer is read-only.
#include <algorithm>

#include "crypto/HashedHostName.h"
#include "crypto/OpenSshKey.h"
#include "peertrust/DisplayText.h"
#include "peertrust/TextExcerpt.h"
#include "policy/AnchorExportRules.h"
#include "policy/AnchorScope.h"
#include "policy/KnownHostsFile.h"
#include "policy/PeerName.h"
#include "policy/PolicyEngine.h"
#include "policy/StableIds.h"
#include "store/AnchorStore.h"
#include "store/DistrustStore.h"
#include "store/HashedPinStore.h"
#include "store/PinStore.h"
#include "store/ProtocolStore.h"

namespace peertrust::policy {

namespace {

constexpr std::size_t kMaxBundleBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxLabelBytes = 256;

std::string certificateLabel(const crypto::Certificate& cert) {
    for (const char* oid : {GNUTLS_OID_X520_COMMON_NAME, GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME,
                            GNUTLS_OID_X520_ORGANIZATION_NAME}) {
        char buffer[256];
        std::size_t size = sizeof buffer;
        if (gnutls_x509_crt_get_dn_by_oid(cert.crt.get(), oid, 0, 0, buffer, &size) == 0 &&
            size > 0) {
            // A label goes into listings and PEM bundle comments: no line of the maker's own.
            return displayText(std::string_view(buffer, size));
        }
    }
    return cert.subject();
}

Result<std::string> checkedLabel(const std::string& label, const crypto::Certificate* cert) {
    if (label.size() > kMaxLabelBytes) {
        return invalidInput("the label is longer than " + std::to_string(kMaxLabelBytes) +
                            " bytes");
    }
    if (!isValidUtf8(label)) {
        return invalidInput("the label is not valid UTF-8");
    }
    // C0, DEL and C1 (U+0080..U+009F, which terminals take as escapes too).
    if (displayText(label) != label) {
        return invalidInput("the label contains control characters");
    }
    if (label.empty() && cert != nullptr) {
        return certificateLabel(*cert);
    }
    return label;
}

Result<void> checkScopeProtocols(const AnchorScope& scope, const ProtocolRegistry& registry) {
    for (const auto& name : scope.protocols) {
        PEERTRUST_TRY(registry.find(name));
    }
    return {};
}

// "ssh-ed25519 AAAA...": a stored SSH blob in the form known_hosts and Verify use.
Result<std::string> openSshLineOf(const Bytes& blob) {
    PEERTRUST_TRY_ASSIGN(crypto::OpenSshKey key, crypto::parseOpenSshBlob(blob));
    gnutls_datum_t in = crypto::datumOf(blob);
    crypto::OwnedDatum out;
    if (int rc = gnutls_base64_encode2(&in, out.out()); rc < 0) {
        return crypto::gnutlsError(ErrorCategory::Internal, "cannot encode an SSH key", rc);
    }
    return key.type + " " + out.str();
}

}  // namespace

Result<store::Layer*> PolicyEngine::writableLayerLocked() {
    store::Layer* layer = m_store->writableLayer();
    if (layer == nullptr) {
        return notAuthorized("this process has only read access to the store");
    }
    noteWriteStarting(*layer);
    return layer;
}

Result<PolicyEngine::ResolvedId> PolicyEngine::resolveIdLocked(std::string_view table,
                                                               std::string_view what,
                                                               const std::string& idOrPrefix,
                                                               std::string_view lowerLayerNote) {
    if (!isIdOrPrefix(idOrPrefix)) {
        return invalidInput("\"" + textExcerpt(idOrPrefix, 40) + "\" is not a " +
                            std::string(what) + " id (1-16 lower-case hex digits)");
    }
    std::vector<ResolvedId> found;
    for (store::Layer& layer : m_store->layers()) {
        Result<std::vector<std::string>> ids = std::vector<std::string>();
        if (layer.writer) {
            ids = store::findIdsByPrefix(*layer.writer, table, idOrPrefix);
        } else {
            std::lock_guard readLock(m_readMutex);
            ids = store::findIdsByPrefix(*layer.db, table, idOrPrefix);
        }
        if (!ids) {
            return ids.error();
        }
        for (auto& id : *ids) {
            found.push_back({&layer, std::move(id), table});
        }
    }
    // The same entry may exist in both layers; prefer the writable one.
    std::sort(found.begin(), found.end(), [](const ResolvedId& a, const ResolvedId& b) {
        return a.layer->writable > b.layer->writable;
    });
    if (found.empty()) {
        return notFound("no " + std::string(what) + " with id " + idOrPrefix);
    }
    for (const auto& other : found) {
        if (other.id != found.front().id) {
            return invalidInput("the id prefix " + idOrPrefix + " is ambiguous (" +
                                found.front().id + ", " + other.id + ", ...)");
        }
    }
    if (!found.front().layer->writable) {
        return notAuthorized("the " + std::string(what) + " " + found.front().id + " is in the " +
                             std::string(toString(found.front().layer->which)) +
                             " store, which this process may not change" +
                             (lowerLayerNote.empty() ? "" : "; " + std::string(lowerLayerNote)));
    }
    noteWriteStarting(*found.front().layer);
    return found.front();
}

Result<PolicyEngine::ResolvedId> PolicyEngine::resolveItemLocked(ItemKind kind,
                                                                 const std::string& idOrPrefix) {
    switch (kind) {
        case ItemKind::Pin: {
            // Plain and hashed pins share one id space: a prefix must name one entry of either.
            auto plain = resolveIdLocked("pins", "pin", idOrPrefix);
            if (!plain && plain.error().category() != ErrorCategory::NotFound) {
                return plain.error();
            }
            auto hashed = resolveIdLocked("hashed_pins", "pin", idOrPrefix);
            if (!hashed && hashed.error().category() != ErrorCategory::NotFound) {
                return hashed.error();
            }
            if (plain && hashed) {
                return invalidInput("the id prefix " + idOrPrefix + " is ambiguous (" + plain->id +
                                    ", " + hashed->id + ", ...)");
            }
            return hashed ? hashed : plain;
        }
        case ItemKind::Anchor:
            return resolveIdLocked("anchors", "anchor", idOrPrefix);
        case ItemKind::Distrust:
            return resolveIdLocked("distrust", "distrust entry", idOrPrefix,
                                   "the administrator's distrust cannot be lifted by a user");
        case ItemKind::Crl:
            return resolveIdLocked("crls", "CRL", idOrPrefix,
                                   "the administrator's CRLs cannot be removed by a user");
    }
    return internalError("unknown item kind");
}

Result<std::string> PolicyEngine::wholeId(ItemKind kind, const std::string& idOrPrefix) {
    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(ResolvedId resolved, resolveItemLocked(kind, idOrPrefix));
    return resolved.id;
}

// ---- pins ----

Result<AddOutcome> PolicyEngine::addPin(const PinAddRequest& request) {
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    PEERTRUST_TRY_ASSIGN(const Protocol* protocol, current->protocols().find(request.protocol));
    PEERTRUST_TRY_ASSIGN(PeerName peer, parsePeerName(request.peer, protocol->defaultPorts));
    PEERTRUST_TRY_ASSIGN(PresentedKey key, parsePresentedKey(request.keyFormat, request.key));
    if (auto match = current->distrustOfKey(key.spkiSha256)) {
        return invalidInput("the key " + key.fingerprint + " is distrusted (distrust entry " +
                            match->id + " in the " + std::string(toString(match->layer)) +
                            " store); pinning it would contradict that");
    }
    store::PinRow row;
    row.peer = peer.canonical();
    row.protocol = protocol->name;
    row.keyFormat = std::string(toString(key.format));
    row.spkiSha256 = key.spkiSha256;
    row.keyData = key.storedForm;
    row.firstSeen = m_clock();
    row.origin = std::string(toString(request.origin));
    row.id = pinIdFor(row.peer, row.protocol, key.spkiSha256);

    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(store::Layer * layer, writableLayerLocked());
    store::PinStore pins(*layer->writer);
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome, pins.add(row, request.replace));
    pinsChanged();
    return outcome;
}

Result<void> PolicyEngine::removePin(const std::string& id) {
    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(ResolvedId resolved, resolveItemLocked(ItemKind::Pin, id));
    if (resolved.table == "hashed_pins") {
        store::HashedPinStore pins(*resolved.layer->writer);
        PEERTRUST_TRY(pins.remove(resolved.id));
    } else {
        store::PinStore pins(*resolved.layer->writer);
        PEERTRUST_TRY(pins.remove(resolved.id));
    }
    pinsChanged();
    return {};
}

Result<std::vector<PinInfo>> PolicyEngine::listPins() {
    // Sightings not yet written (they are batched) go first, so that the list shows the use
    // of a moment ago. A store busy with another writer does not fail the listing: it shows
    // what was written, and the flusher writes the rest later.
    if (m_statistics.pending() > 0) {
        (void)flushPinStatistics();
        releaseReadSnapshots();
    }
    std::lock_guard lock(m_readMutex);
    std::vector<PinInfo> out;
    auto add = [&](const store::PinRow& row, StoreLayer layer) -> Result<void> {
        PinInfo info;
        info.id = row.id;
        info.peer = row.peer;
        info.protocol = row.protocol;
        PEERTRUST_TRY_ASSIGN(info.keyFormat, parseKeyFormat(row.keyFormat));
        info.fingerprint = fingerprintOf(row.keyFormat, row.keyData, row.spkiSha256);
        info.spkiSha256 = crypto::toHex(row.spkiSha256);
        info.firstSeen = row.firstSeen;
        info.lastSeen = row.lastSeen;
        info.seenCount = row.seenCount;
        PEERTRUST_TRY_ASSIGN(info.origin, parsePinOrigin(row.origin));
        info.layer = layer;
        out.push_back(std::move(info));
        return {};
    };
    for (store::Layer& layer : m_store->layers()) {
        store::PinStore pins(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto rows, pins.list());
        for (const auto& row : rows) {
            PEERTRUST_TRY(add(row, layer.which));
        }
        // Hashed pins show their hashed name ("|1|salt|hash"): the host cannot be recovered.
        store::HashedPinStore hashed(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto hashedRows, hashed.list());
        for (auto& row : hashedRows) {
            PEERTRUST_TRY(add(store::asPinRow(std::move(row)), layer.which));
        }
    }
    return out;
}

Result<std::vector<KnownKey>> PolicyEngine::pinnedKeys(const std::string& protocolName,
                                                       const std::string& peerText) {
    PEERTRUST_TRY_ASSIGN(std::shared_ptr<const PolicySnapshot> current, snapshot());
    PEERTRUST_TRY_ASSIGN(const Protocol* protocol, current->protocols().find(protocolName));
    PEERTRUST_TRY_ASSIGN(PeerName peer, parsePeerName(peerText, protocol->defaultPorts));
    std::lock_guard lock(m_readMutex);
    std::vector<KnownKey> out;
    const std::string sshName = knownHostsName(peer);
    for (store::Layer& layer : m_store->layers()) {
        store::PinStore pins(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto rows, pinsAnswering(pins, peer, *protocol));
        // Pins imported from hashed known_hosts names count too: Verify accepts them.
        store::HashedPinStore hashedPins(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto hashedRows,
                             hashedPins.forProtocol(protocol->name, protocol->family));
        for (auto& hashed : hashedRows) {
            if (crypto::hashedNameMatches(hashed.name, sshName)) {
                rows.push_back(store::asPinRow(std::move(hashed)));
            }
        }
        for (auto& row : rows) {
            KnownKey known;
            PEERTRUST_TRY_ASSIGN(known.keyFormat, parseKeyFormat(row.keyFormat));
            // Verify would refuse a distrusted key whatever its pin says.
            if (current->distrustOfPin(row.spkiSha256, known.keyFormat, row.keyData)) {
                continue;
            }
            known.pinId = row.id;
            known.protocol = row.protocol;
            if (known.keyFormat == KeyFormat::OpenSsh) {
                PEERTRUST_TRY_ASSIGN(std::string line, openSshLineOf(row.keyData));
                known.key.assign(line.begin(), line.end());
            } else {
                known.key = std::move(row.keyData);
            }
            out.push_back(std::move(known));
        }
    }
    return out;
}

Result<std::size_t> PolicyEngine::forgetPins(const PinForgetRequest& request) {
    if (request.peer.has_value() == request.seenBefore.has_value()) {
        return invalidInput("forget takes either a peer or an age, not both and not neither");
    }
    std::optional<std::string> peer;
    std::optional<std::string> sshName;
    // "host:22" is also ssh's "host", stored without its default port, and "host:443" https's,
    // and so are the pins of their families on "host", which answer for them there.
    std::string bareHost;
    std::vector<std::string> defaultingProtocols;
    if (request.peer) {
        // No protocol here, so no default port is dropped: "host" also forgets "host:PORT".
        PEERTRUST_TRY_ASSIGN(PeerName parsed, parsePeerName(*request.peer, {}));
        peer = parsed.canonical();
        sshName = knownHostsName(parsed);
        if (parsed.port) {
            PEERTRUST_TRY_ASSIGN(auto current, snapshot());
            defaultingProtocols = current->protocols().withDefaultPort(*parsed.port);
            for (std::size_t i = 0, members = defaultingProtocols.size(); i < members; ++i) {
                auto protocol = current->protocols().find(defaultingProtocols[i]);
                if (protocol && std::find(defaultingProtocols.begin(), defaultingProtocols.end(),
                                          (*protocol)->family) == defaultingProtocols.end()) {
                    defaultingProtocols.push_back((*protocol)->family);
                }
            }
            PeerName bare = parsed;
            bare.port.reset();
            bareHost = bare.canonical();
            if (std::find(defaultingProtocols.begin(), defaultingProtocols.end(), "ssh") !=
                defaultingProtocols.end()) {
                sshName = knownHostsName(bare);  // OpenSSH hashes "host" for port 22
            }
        }
    }
    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(store::Layer * layer, writableLayerLocked());
    PEERTRUST_TRY(m_statistics.flush(*m_store));  // the age test reads last_seen
    // Plain and hashed pins in one transaction: a failure forgets neither.
    PEERTRUST_TRY_ASSIGN(store::Transaction tx, store::Transaction::begin(*layer->writer));
    store::PinStore pins(*layer->writer);
    PEERTRUST_TRY_ASSIGN(std::size_t removed, peer ? pins.forgetPeer(*peer)
                                                   : pins.forgetSeenBefore(*request.seenBefore));
    PEERTRUST_TRY_ASSIGN(std::size_t removedBare,
                         pins.forgetPeerOver(bareHost, defaultingProtocols));
    removed += removedBare;
    // Hashed pins: those whose name tests true for the peer (other ports cannot be tested).
    store::HashedPinStore hashed(*layer->writer);
    std::size_t removedHashed = 0;
    if (sshName) {
        PEERTRUST_TRY_ASSIGN(auto rows, hashed.list());
        std::vector<std::string> matching;
        for (const auto& row : rows) {
            if (crypto::hashedNameMatches(row.name, *sshName)) {
                matching.push_back(row.id);
            }
        }
        PEERTRUST_TRY_ASSIGN(removedHashed, hashed.removeIds(matching));
    } else {
        PEERTRUST_TRY_ASSIGN(removedHashed, hashed.forgetSeenBefore(*request.seenBefore));
    }
    PEERTRUST_TRY(tx.commit());
    pinsChanged();
    return removed + removedHashed;
}

// ---- anchors ----

Result<AddOutcome> PolicyEngine::addAnchor(const AnchorAddRequest& request) {
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    PEERTRUST_TRY_ASSIGN(crypto::Certificate cert, crypto::parseCertificate(request.certificate));
    if (auto match = current->distrustOfCertificate(cert)) {
        return invalidInput("the certificate \"" + cert.subject() +
                            "\" is distrusted (distrust entry " + match->id + " in the " +
                            std::string(toString(match->layer)) +
                            " store); anchoring it would contradict that");
    }
    PEERTRUST_TRY_ASSIGN(AnchorScope scope, canonicalScope(request.scope));
    PEERTRUST_TRY(checkScopeProtocols(scope, current->protocols()));
    store::AnchorRow row;
    row.id = anchorIdFor(cert.der);
    PEERTRUST_TRY_ASSIGN(row.label, checkedLabel(request.label, &cert));
    row.subject = cert.subject();
    row.certDer = cert.der;
    row.spkiSha256 = cert.spkiSha256();
    row.source = "manual";
    row.created = m_clock();
    row.scope = std::move(scope);

    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(store::Layer * layer, writableLayerLocked());
    for (const CompiledAnchor* existing : current->anchorsFor(cert.certSha256)) {
        if (existing->layer == layer->which && existing->row.scope != row.scope) {
            return conflict("the anchor " + row.id + " already exists with another scope (" +
                            formatNameScope(existing->row.scope) +
                            "); change it with peertrust anchor scope " + row.id);
        }
    }
    store::AnchorStore anchors(*layer->writer);
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome, anchors.add(row));
    policyChanged();
    return outcome;
}

Result<void> PolicyEngine::setAnchorScope(const std::string& id, const AnchorScope& scope) {
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    PEERTRUST_TRY_ASSIGN(AnchorScope canonical, canonicalScope(scope));
    PEERTRUST_TRY(checkScopeProtocols(canonical, current->protocols()));
    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(ResolvedId resolved, resolveItemLocked(ItemKind::Anchor, id));
    store::AnchorStore anchors(*resolved.layer->writer);
    PEERTRUST_TRY(anchors.setScope(resolved.id, canonical));
    policyChanged();
    return {};
}

Result<void> PolicyEngine::removeAnchor(const std::string& id) {
    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(ResolvedId resolved, resolveItemLocked(ItemKind::Anchor, id));
    store::AnchorStore anchors(*resolved.layer->writer);
    PEERTRUST_TRY(anchors.remove(resolved.id));
    policyChanged();
    return {};
}

Result<std::vector<AnchorInfo>> PolicyEngine::listAnchors() {
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    std::vector<AnchorInfo> out;
    for (const CompiledAnchor& anchor : current->anchors()) {
        AnchorInfo info;
        info.id = anchor.row.id;
        info.label = anchor.row.label;
        info.subject = anchor.row.subject;
        info.source = anchor.row.source;
        info.layer = anchor.layer;
        info.fingerprint = crypto::sha256Fingerprint(anchor.cert.spkiSha256());
        info.spkiSha256 = crypto::toHex(anchor.cert.spkiSha256());
        info.created = anchor.row.created;
        info.certificateNotAfter = anchor.cert.notAfter;
        info.scope = anchor.row.scope;
        info.distrusted = current->distrustOfCertificate(anchor.cert).has_value();
        info.exports = computeAnchorExport(
            info.scope, info.distrusted, revocationListIdUnder(*current, anchor),
            current->protocols(), distrustIdUnder(*current, anchor), ownLimitsOf(anchor.cert));
        out.push_back(std::move(info));
    }
    // As the trust module exports them.
    std::vector<TokenAnchor> inTokens;
    std::size_t i = 0;
    for (const CompiledAnchor& anchor : current->anchors()) {
        AnchorInfo& info = out[i++];
        inTokens.push_back(
            {anchor.layer, anchor.cert.spkiSha256(), info.id, &info.scope, &info.exports});
    }
    withdrawSharedKeyStaples(inTokens);
    return out;
}

Result<ImportSummary> PolicyEngine::importSystemAnchors(const Bytes& pemBundle) {
    if (pemBundle.size() > kMaxBundleBytes) {
        return invalidInput("the bundle is larger than " + std::to_string(kMaxBundleBytes) +
                            " bytes");
    }
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    gnutls_x509_crt_t* raw = nullptr;
    unsigned count = 0;
    gnutls_datum_t datum = crypto::datumOf(pemBundle);
    int rc = gnutls_x509_crt_list_import2(&raw, &count, &datum, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0) {
        return crypto::gnutlsError(ErrorCategory::InvalidInput, "cannot read the PEM bundle", rc);
    }
    std::vector<crypto::UniqueCrt> owned;
    for (unsigned i = 0; i < count; ++i) {
        owned.emplace_back(raw[i]);
    }
    gnutls_free(raw);

    ImportSummary summary;
    std::vector<store::AnchorRow> rows;
    for (auto& crt : owned) {
        auto cert = crypto::describeCertificate(std::move(crt));
        if (!cert) {
            ++summary.skipped;
            summary.skippedReasons.push_back(cert.error().message());
            continue;
        }
        if (current->distrustOfCertificate(*cert)) {
            ++summary.skipped;
            summary.skippedReasons.push_back("distrusted: " + cert->subject());
            continue;
        }
        store::AnchorRow row;
        row.id = anchorIdFor(cert->der);
        row.label = certificateLabel(*cert);
        row.subject = cert->subject();
        row.certDer = cert->der;
        row.spkiSha256 = cert->spkiSha256();
        row.source = "system";
        row.created = m_clock();
        // Mozilla's bundle holds server-authentication roots: the tls family only.
        row.scope.protocols = {"tls"};
        rows.push_back(std::move(row));
    }
    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(store::Layer * layer, writableLayerLocked());
    store::AnchorStore anchors(*layer->writer);
    PEERTRUST_TRY_ASSIGN(auto outcomes, anchors.addMany(rows));
    for (const auto& outcome : outcomes) {
        ++(outcome.created ? summary.imported : summary.alreadyPresent);
    }
    policyChanged();
    return summary;
}

// ---- distrust ----

Result<AddOutcome> PolicyEngine::addDistrust(const DistrustAddRequest& request) {
    store::DistrustRow row;
    row.kind = std::string(toString(request.kind));
    const crypto::Certificate* certForLabel = nullptr;
    std::optional<crypto::Certificate> cert;
    if (request.kind == DistrustKind::Certificate) {
        PEERTRUST_TRY_ASSIGN(cert, crypto::parseCertificate(request.data));
        row.certSha256 = cert->certSha256;
        row.spkiSha256 = cert->spkiSha256();
        row.data = cert->der;
        row.id = distrustIdFor(row.kind, cert->certSha256);
        certForLabel = &*cert;
    } else {
        // A key as SPKI (DER/PEM) or as an OpenSSH public key line.
        std::string_view text(reinterpret_cast<const char*>(request.data.data()),
                              request.data.size());
        bool sshLine = text.starts_with("ssh-") || text.starts_with("ecdsa-sha2-");
        PEERTRUST_TRY_ASSIGN(
            PresentedKey key,
            parsePresentedKey(sshLine ? KeyFormat::OpenSsh : KeyFormat::Spki, request.data));
        row.spkiSha256 = key.spkiSha256;
        row.data = key.spkiDer;
        row.id = distrustIdFor(row.kind, key.spkiSha256);
        if (request.label.empty()) {
            row.label = "key " + key.fingerprint;
        }
    }
    if (row.label.empty()) {
        PEERTRUST_TRY_ASSIGN(row.label, checkedLabel(request.label, certForLabel));
    }
    row.created = m_clock();
    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(store::Layer * layer, writableLayerLocked());
    store::DistrustStore distrust(*layer->writer);
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome, distrust.add(row));
    policyChanged();
    return outcome;
}

Result<void> PolicyEngine::removeDistrust(const std::string& id) {
    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(ResolvedId resolved, resolveItemLocked(ItemKind::Distrust, id));
    store::DistrustStore distrust(*resolved.layer->writer);
    PEERTRUST_TRY(distrust.remove(resolved.id));
    policyChanged();
    return {};
}

Result<std::vector<DistrustInfo>> PolicyEngine::listDistrust() {
    std::lock_guard lock(m_readMutex);
    std::vector<DistrustInfo> out;
    for (store::Layer& layer : m_store->layers()) {
        store::DistrustStore distrust(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto rows, distrust.list());
        for (const auto& row : rows) {
            DistrustInfo info;
            info.id = row.id;
            info.kind = row.kind == "spki" ? DistrustKind::Spki : DistrustKind::Certificate;
            info.label = row.label;
            info.fingerprint = crypto::sha256Fingerprint(row.spkiSha256);
            info.spkiSha256 = crypto::toHex(row.spkiSha256);
            info.layer = layer.which;
            info.created = row.created;
            out.push_back(std::move(info));
        }
    }
    return out;
}

// ---- protocols ----

Result<std::vector<ProtocolInfo>> PolicyEngine::listProtocols() {
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    return current->protocols().list();
}

Result<AddOutcome> PolicyEngine::addProtocol(const ProtocolAddRequest& request) {
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    PEERTRUST_TRY_ASSIGN(Protocol protocol, current->protocols().validateAddition(request));
    std::lock_guard lock(m_writeMutex);
    PEERTRUST_TRY_ASSIGN(store::Layer * layer, writableLayerLocked());
    store::ProtocolStore protocols(*layer->writer);
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome,
                         protocols.add({protocol.name, protocol.family,
                                        std::string(toString(protocol.policy)), m_clock()}));
    policyChanged();
    return outcome;
}

Result<ConfiguredProtocolOutcome> PolicyEngine::addConfiguredProtocol(
    const ProtocolAddRequest& request) {
    PEERTRUST_TRY_ASSIGN(auto current, snapshot());
    PEERTRUST_TRY(current->protocols().validateAddition(request));
    // The system daemon writes the same configuration into the system store. A protocol stored
    // there is left to it: a copy in the user's store would outlive the administrator's later
    // change, and override it for good.
    for (store::Layer& layer : m_store->layers()) {
        if (layer.writable || layer.which != StoreLayer::System) {
            continue;
        }
        store::ProtocolStore protocols(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto rows, protocols.list());
        for (const auto& row : rows) {
            if (row.name == request.name) {
                return ConfiguredProtocolOutcome{{request.name, false}, true};
            }
        }
    }
    PEERTRUST_TRY_ASSIGN(AddOutcome added, addProtocol(request));
    return ConfiguredProtocolOutcome{std::move(added), false};
}

}  // namespace peertrust::policy
