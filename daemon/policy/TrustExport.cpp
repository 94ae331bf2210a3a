// PolicyEngine::trustExport: the store as outside programs may see it; and the PEM bundle
// made from it.
#include "policy/TrustExport.h"

#include "policy/AnchorExportRules.h"
#include "policy/PemBundle.h"
#include "policy/PolicyEngine.h"
#include "store/DistrustStore.h"
#include "store/PinStore.h"

namespace peertrust::policy {

Result<std::shared_ptr<const TrustExport>> PolicyEngine::trustExport() {
    // The snapshot and the change count under one lock: an export built from the policy before
    // a change must not carry the count after it.
    std::lock_guard lock(m_readMutex);
    PEERTRUST_TRY_ASSIGN(std::shared_ptr<const PolicySnapshot> current, snapshotLocked());
    if (m_export && m_export->generation == m_changes) {
        return m_export;
    }
    auto out = std::make_shared<TrustExport>();
    out->generation = m_changes;
    for (const CompiledAnchor& anchor : current->anchors()) {
        ExportedAnchor exported;
        exported.layer = anchor.layer;
        exported.id = anchor.row.id;
        exported.label = anchor.row.label;
        exported.certDer = anchor.row.certDer;
        exported.scope = anchor.row.scope;
        bool distrusted = current->distrustOfCertificate(anchor.cert).has_value();
        exported.distrustBelowId = distrustIdUnder(*current, anchor);
        exported.exports = computeAnchorExport(
            anchor.row.scope, distrusted, revocationListIdUnder(*current, anchor),
            current->protocols(), exported.distrustBelowId, ownLimitsOf(anchor.cert));
        out->anchors.push_back(std::move(exported));
    }
    {
        std::vector<TokenAnchor> inTokens;
        std::size_t i = 0;
        for (const CompiledAnchor& anchor : current->anchors()) {
            ExportedAnchor& exported = out->anchors[i++];
            inTokens.push_back({anchor.layer, anchor.cert.spkiSha256(), exported.id,
                                &exported.scope, &exported.exports});
        }
        withdrawSharedKeyStaples(inTokens);
    }
    for (store::Layer& layer : m_store->layers()) {
        store::DistrustStore distrust(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto rows, distrust.list());
        for (auto& row : rows) {
            ExportedDistrust exported;
            exported.layer = layer.which;
            exported.id = row.id;
            exported.label = row.label;
            exported.spkiSha256 = row.spkiSha256;
            if (row.kind == "certificate") {
                exported.certDer = std::move(row.data);
            } else {
                exported.spkiDer = std::move(row.data);
            }
            out->distrust.push_back(std::move(exported));
        }
        store::PinStore pins(*layer.db);
        PEERTRUST_TRY_ASSIGN(auto pinRows, pins.list());
        for (auto& row : pinRows) {
            PEERTRUST_TRY_ASSIGN(KeyFormat format, parseKeyFormat(row.keyFormat));
            // A pin the daemon never honours is nobody's: no client may trust it.
            if (current->distrustOfPin(row.spkiSha256, format, row.keyData)) {
                continue;
            }
            ExportedPin exported;
            exported.layer = layer.which;
            exported.id = row.id;
            exported.peer = row.peer;
            exported.protocol = row.protocol;
            if (auto protocol = current->protocols().find(row.protocol)) {
                exported.family = (*protocol)->family;
                if (auto family = current->protocols().find((*protocol)->family)) {
                    exported.purposeOid = (*family)->purposeOid;
                }
            }
            exported.keyFormat = format;
            exported.keyData = std::move(row.keyData);
            exported.spkiSha256 = row.spkiSha256;
            out->pins.push_back(std::move(exported));
        }
    }
    m_export = out;
    return m_export;
}

Result<AnchorBundle> PolicyEngine::exportAnchors(const std::string& purpose) {
    std::optional<std::string> purposeOid;
    if (!purpose.empty()) {
        PEERTRUST_TRY_ASSIGN(purposeOid, purposeForBundle(purpose));
    }
    PEERTRUST_TRY_ASSIGN(std::shared_ptr<const TrustExport> trust, trustExport());
    PemBundle bundle = pemBundle(*trust, purposeOid, m_clock());
    return AnchorBundle{std::move(bundle.text), bundle.included, bundle.leftOut};
}

}  // namespace peertrust::policy
