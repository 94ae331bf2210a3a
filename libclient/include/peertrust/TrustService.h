// The one interface of peertrust's trust decisions. The policy engine implements it in
// process; the D-Bus adaptor forwards to it; the client library offers it to callers.
#pragma once

#include <string>
#include <vector>

#include "peertrust/Error.h"
#include "peertrust/Export.h"
#include "peertrust/Types.h"

namespace peertrust {

class PEERTRUST_API TrustService {
public:
    virtual ~TrustService() = default;

    virtual Result<Verdict> verify(const VerifyRequest& request) = 0;

    virtual Result<AddOutcome> addPin(const PinAddRequest& request) = 0;
    virtual Result<void> removePin(const std::string& id) = 0;
    virtual Result<std::vector<PinInfo>> listPins() = 0;
    virtual Result<std::size_t> forgetPins(const PinForgetRequest& request) = 0;
    // Imports of existing pin files, given as the file's bytes (a daemon never reads a user's
    // files by path): OpenSSH known_hosts (plain and hashed names, @revoked -> distrust) and
    // GnuTLS's known_hosts (|g0| lines). Pins get origin "imported"; importing again changes
    // nothing. Lines that cannot be imported are counted in the summary, never fatal; only
    // content with not a single readable entry is InvalidInput.
    virtual Result<ImportSummary> importKnownHosts(const Bytes& text) = 0;
    virtual Result<ImportSummary> importGnutlsKnownHosts(const Bytes& text) = 0;
    // The pinned keys Verify would accept for `peer` over `protocol` (its own pins and its
    // family's), without the distrusted ones.
    virtual Result<std::vector<KnownKey>> pinnedKeys(const std::string& protocol,
                                                     const std::string& peer) = 0;

    virtual Result<AddOutcome> addAnchor(const AnchorAddRequest& request) = 0;
    virtual Result<void> setAnchorScope(const std::string& id, const AnchorScope& scope) = 0;
    virtual Result<void> removeAnchor(const std::string& id) = 0;
    virtual Result<std::vector<AnchorInfo>> listAnchors() = 0;
    virtual Result<ImportSummary> importSystemAnchors(const Bytes& pemBundle) = 0;
    // `purpose`: "" for a file for every use, or server-auth, client-auth, email, code-signing.
    virtual Result<AnchorBundle> exportAnchors(const std::string& purpose) = 0;

    virtual Result<AddOutcome> addDistrust(const DistrustAddRequest& request) = 0;
    virtual Result<void> removeDistrust(const std::string& id) = 0;
    virtual Result<std::vector<DistrustInfo>> listDistrust() = 0;

    // Certificate revocation lists (DER or PEM), signed by an anchor or by a certificate an
    // anchor issued; one per issuer, a newer one replacing the older. Verify rejects what they
    // list ("revoked").
    virtual Result<AddOutcome> addCrl(const CrlAddRequest& request) = 0;
    virtual Result<void> removeCrl(const std::string& id) = 0;
    virtual Result<std::vector<CrlInfo>> listCrls() = 0;

    virtual Result<std::vector<ProtocolInfo>> listProtocols() = 0;
    virtual Result<AddOutcome> addProtocol(const ProtocolAddRequest& request) = 0;
};

}  // namespace peertrust
