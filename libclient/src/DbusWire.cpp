#include "DbusWire.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <array>
#include <optional>
#include <span>
#include <stdexcept>

#include "peertrust/Der.h"
#include "peertrust/DisplayText.h"
#include "peertrust/TextExcerpt.h"

namespace peertrust::wire {

namespace {

template <typename T>
Result<T> get(const Dict& dict, const char* key) {
    auto found = dict.find(key);
    if (found == dict.end()) {
        return invalidInput(std::string("\"") + key + "\" is missing");
    }
    if (!found->second.containsValueOfType<T>()) {
        return invalidInput(std::string("\"") + key + "\" has the wrong type (" +
                            found->second.peekValueType() + ")");
    }
    return found->second.get<T>();
}

template <typename T>
Result<std::optional<T>> getOptional(const Dict& dict, const char* key) {
    if (dict.find(key) == dict.end()) {
        return std::optional<T>();
    }
    PEERTRUST_TRY_ASSIGN(T value, get<T>(dict, key));
    return std::optional<T>(std::move(value));
}

Result<void> onlyKeys(const Dict& dict, std::initializer_list<const char*> keys, const char* what) {
    for (const auto& [key, value] : dict) {
        bool known = false;
        for (const char* k : keys) {
            known = known || key == k;
        }
        if (!known) {
            return invalidInput(std::string("unknown ") + what + " \"" + textExcerpt(key, 40) +
                                "\"");
        }
    }
    return {};
}

Dict clientExportToWire(const ClientExport& client) {
    return {{"level", sdbus::Variant(std::string(toString(client.level)))},
            {"purposes", sdbus::Variant(client.purposes)},
            {"why", sdbus::Variant(client.why)}};
}

Result<ClientExport> clientExportFromWire(const Dict& dict) {
    ClientExport client;
    PEERTRUST_TRY_ASSIGN(std::string level, get<std::string>(dict, "level"));
    bool known = false;
    for (ExportLevel l : {ExportLevel::Anchor, ExportLevel::AnchorWithNameConstraints,
                          ExportLevel::MustVerify, ExportLevel::None}) {
        if (level == toString(l)) {
            client.level = l;
            known = true;
        }
    }
    if (!known) {
        return invalidInput("unknown export level \"" + level + "\"");
    }
    PEERTRUST_TRY_ASSIGN(client.purposes, get<std::vector<std::string>>(dict, "purposes"));
    PEERTRUST_TRY_ASSIGN(client.why, get<std::string>(dict, "why"));
    return client;
}

Result<StoreLayer> layerFromText(const std::string& text) {
    if (text == "system") {
        return StoreLayer::System;
    }
    if (text == "user") {
        return StoreLayer::User;
    }
    return invalidInput("unknown store layer \"" + text + "\"");
}

Result<std::string> pemBlock(const char* type, std::span<const std::uint8_t> der) {
    gnutls_datum_t in{const_cast<unsigned char*>(der.data()), static_cast<unsigned>(der.size())};
    gnutls_datum_t out{nullptr, 0};
    int rc = gnutls_pem_base64_encode2(type, &in, &out);
    if (rc < 0) {
        return invalidInput(std::string("cannot encode as PEM: ") + gnutls_strerror(rc));
    }
    std::string text(reinterpret_cast<const char*>(out.data), out.size);
    gnutls_free(out.data);
    return text;
}

// Concatenated DER certificates to PEM blocks; the daemon parses and checks them.
Result<std::string> derChainToPem(const Bytes& der) {
    std::string pem;
    std::span<const std::uint8_t> rest(der);
    while (!rest.empty()) {
        std::size_t length = derSequenceLength(rest);
        if (length == 0) {
            return invalidInput("the certificate chain is neither PEM nor complete DER");
        }
        PEERTRUST_TRY_ASSIGN(std::string block, pemBlock("CERTIFICATE", rest.first(length)));
        pem += block;
        rest = rest.subspan(length);
    }
    return pem;
}

// Base64 of a little more than the daemon's 64 KiB limit for an OCSP response, so the
// daemon, not the wire, says "too big".
constexpr std::size_t kMaxOcspBase64 = 4 * ((64 * 1024 + 2) / 3) + 1024;

}  // namespace

Result<void> wholeTexts(
    std::initializer_list<std::pair<std::string_view, std::string_view>> texts) {
    for (const auto& [what, text] : texts) {
        if (auto nul = text.find('\0'); nul != std::string_view::npos) {
            return invalidInput(std::string(what) + " holds a NUL byte (offset " +
                                std::to_string(nul) + "): it would be cut short there");
        }
    }
    return {};
}

Result<std::string> textForWire(const Bytes& bytes, std::string_view what) {
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (auto nul = text.find('\0'); nul != std::string_view::npos) {
        return invalidInput(std::string(what) + " holds a NUL byte (offset " + std::to_string(nul) +
                            "): it is not text");
    }
    if (!isValidUtf8(text)) {
        return invalidInput(std::string(what) + " is not valid UTF-8 text");
    }
    return std::string(text);
}

Result<std::string> keyToText(KeyFormat format, const Bytes& key) {
    if (format == KeyFormat::OpenSsh || looksLikePem(key)) {
        return textForWire(key, format == KeyFormat::OpenSsh ? "the OpenSSH key" : "the PEM key");
    }
    if (format == KeyFormat::X509Chain) {
        return derChainToPem(key);
    }
    return pemBlock("PUBLIC KEY", key);
}

Result<std::string> crlToText(const Bytes& crl) {
    if (looksLikePem(crl)) {
        return textForWire(crl, "the PEM CRL");
    }
    return pemBlock("X509 CRL", crl);
}

Bytes textToBytes(const std::string& text) {
    return Bytes(text.begin(), text.end());
}

Result<Bytes> keyFromText(KeyFormat format, const std::string& text) {
    if (format == KeyFormat::OpenSsh) {
        return textToBytes(text);
    }
    const char* label = format == KeyFormat::X509Chain ? "CERTIFICATE" : "PUBLIC KEY";
    gnutls_datum_t in{reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
                      static_cast<unsigned>(text.size())};
    gnutls_datum_t out{nullptr, 0};
    if (int rc = gnutls_pem_base64_decode2(label, &in, &out); rc < 0) {
        return invalidInput(std::string("the key is not PEM ") + label + ": " +
                            gnutls_strerror(rc));
    }
    Bytes der(out.data, out.data + out.size);
    gnutls_free(out.data);
    return der;
}

namespace {

Sha256Digest sha256Of(std::string_view bytes) {
    Sha256Digest digest{};
    // SHA-256 of a memory buffer cannot fail short of a broken GnuTLS build.
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, bytes.data(), bytes.size(), digest.data()) < 0) {
        throw std::runtime_error("GnuTLS cannot compute SHA-256");
    }
    return digest;
}

}  // namespace

Sha256Digest keyTextSha256(const std::string& text) {
    return sha256Of(text);
}

std::string sha256ToWire(const Sha256Digest& digest) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(digest.size() * 2);
    for (std::uint8_t byte : digest) {
        hex.push_back(kDigits[byte >> 4]);
        hex.push_back(kDigits[byte & 0x0f]);
    }
    return hex;
}

Result<Sha256Digest> sha256FromWire(const std::string& hex, const char* what) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    };
    Sha256Digest digest{};
    if (hex.size() != digest.size() * 2) {
        return invalidInput(std::string(what) + " must be 64 hexadecimal digits (a SHA-256), not " +
                            std::to_string(hex.size()) + " characters");
    }
    for (std::size_t i = 0; i < digest.size(); ++i) {
        int high = nibble(hex[2 * i]);
        int low = nibble(hex[2 * i + 1]);
        if (high < 0 || low < 0) {
            return invalidInput(std::string(what) + " must be 64 hexadecimal digits (a SHA-256)");
        }
        digest[i] = static_cast<std::uint8_t>(high << 4 | low);
    }
    return digest;
}

Dict verifyOptions(const VerifyRequest& request) {
    Dict options;
    if (request.at) {
        options["at"] = sdbus::Variant(static_cast<std::int64_t>(*request.at));
    }
    if (request.pinOnFirstUse) {
        options["pin-on-first-use"] = sdbus::Variant(true);
    }
    if (!request.ocsp.empty()) {
        // Base64 text, not "ay": sdbus-c++ carries a string far faster than a byte array.
        gnutls_datum_t in{const_cast<unsigned char*>(request.ocsp.data()),
                          static_cast<unsigned>(request.ocsp.size())};
        gnutls_datum_t out{nullptr, 0};
        if (gnutls_base64_encode2(&in, &out) == 0) {
            options["ocsp"] =
                sdbus::Variant(std::string(reinterpret_cast<const char*>(out.data), out.size));
            gnutls_free(out.data);
        }
    }
    return options;
}

Result<void> applyVerifyOptions(const Dict& options, VerifyRequest& request) {
    PEERTRUST_TRY(onlyKeys(options, {"at", "pin-on-first-use", "ocsp"}, "option"));
    PEERTRUST_TRY_ASSIGN(auto at, getOptional<std::int64_t>(options, "at"));
    PEERTRUST_TRY_ASSIGN(auto pin, getOptional<bool>(options, "pin-on-first-use"));
    PEERTRUST_TRY_ASSIGN(auto ocsp, getOptional<std::string>(options, "ocsp"));
    request.at = at;
    request.pinOnFirstUse = pin.value_or(false);
    request.ocsp.clear();
    if (ocsp) {
        // Base64 of a response the daemon caps at 64 KiB; refuse far bigger text unread.
        if (ocsp->empty() || ocsp->size() > kMaxOcspBase64) {
            return invalidInput("option \"ocsp\" must be the base64 of an OCSP response (" +
                                std::to_string(ocsp->size()) + " characters given)");
        }
        gnutls_datum_t in{reinterpret_cast<unsigned char*>(ocsp->data()),
                          static_cast<unsigned>(ocsp->size())};
        gnutls_datum_t out{nullptr, 0};
        int rc = gnutls_base64_decode2(&in, &out);
        if (rc < 0) {
            return invalidInput(std::string("option \"ocsp\" is not valid base64 (") +
                                gnutls_strerror(rc) + ")");
        }
        request.ocsp.assign(out.data, out.data + out.size);
        gnutls_free(out.data);
    }
    return {};
}

Dict addPinOptions(const PinAddRequest& request) {
    return {{"origin", sdbus::Variant(std::string(toString(request.origin)))}};
}

Result<void> applyAddPinOptions(const Dict& options, PinAddRequest& request) {
    PEERTRUST_TRY(onlyKeys(options, {"origin"}, "option"));
    PEERTRUST_TRY_ASSIGN(auto origin, getOptional<std::string>(options, "origin"));
    request.origin = PinOrigin::Manual;
    if (origin) {
        PEERTRUST_TRY_ASSIGN(request.origin, parsePinOrigin(*origin));
    }
    return {};
}

std::tuple<std::string, std::string, std::string, VerdictDetailsWire> verdictToWire(
    const Verdict& verdict) {
    const VerdictDetails& d = verdict.details;
    std::vector<PinWire> pins;
    pins.reserve(d.pins.size());
    for (const PinnedKey& pin : d.pins) {
        pins.emplace_back(pin.pinId, pin.protocol, pin.fingerprint, pin.spkiSha256,
                          static_cast<std::int64_t>(pin.firstSeen));
    }
    return {
        std::string(toString(verdict.kind)), verdict.reason, verdict.explanation,
        VerdictDetailsWire(d.protocol, d.peer, d.keyFormat, d.fingerprint, d.spkiSha256,
                           d.anchorId.value_or(""), d.anchorLabel, std::move(pins), d.failures)};
}

Result<Verdict> verdictFromWire(const std::string& kind, const std::string& reason,
                                const std::string& explanation, const VerdictDetailsWire& details) {
    Verdict verdict;
    bool known = false;
    for (VerdictKind k : {VerdictKind::Accepted, VerdictKind::Rejected, VerdictKind::Unknown}) {
        if (kind == toString(k)) {
            verdict.kind = k;
            known = true;
        }
    }
    if (!known) {
        return invalidInput("unknown verdict \"" + kind + "\"");
    }
    verdict.reason = reason;
    verdict.explanation = explanation;
    VerdictDetails& d = verdict.details;
    std::string anchorId;
    std::vector<PinWire> pins;
    std::tie(d.protocol, d.peer, d.keyFormat, d.fingerprint, d.spkiSha256, anchorId, d.anchorLabel,
             pins, d.failures) = details;
    if (!anchorId.empty()) {
        d.anchorId = std::move(anchorId);
    }
    for (const auto& pin : pins) {
        d.pins.push_back({std::get<0>(pin), std::get<1>(pin), std::get<2>(pin), std::get<3>(pin),
                          std::get<4>(pin)});
    }
    return verdict;
}

Dict scopeToWire(const AnchorScope& scope) {
    std::vector<std::string> permit, exclude;
    for (const auto& tree : scope.permitted) {
        permit.push_back(toString(tree));
    }
    for (const auto& tree : scope.excluded) {
        exclude.push_back(toString(tree));
    }
    Dict dict{{"protocols", sdbus::Variant(scope.protocols)},
              {"permit", sdbus::Variant(permit)},
              {"exclude", sdbus::Variant(exclude)}};
    if (scope.notAfter) {
        dict["not_after"] = sdbus::Variant(static_cast<std::int64_t>(*scope.notAfter));
    }
    return dict;
}

Result<AnchorScope> scopeFromWire(const Dict& dict) {
    PEERTRUST_TRY(onlyKeys(dict, {"protocols", "permit", "exclude", "not_after"}, "scope key"));
    AnchorScope scope;
    PEERTRUST_TRY_ASSIGN(auto protocols, getOptional<std::vector<std::string>>(dict, "protocols"));
    PEERTRUST_TRY_ASSIGN(auto permit, getOptional<std::vector<std::string>>(dict, "permit"));
    PEERTRUST_TRY_ASSIGN(auto exclude, getOptional<std::vector<std::string>>(dict, "exclude"));
    PEERTRUST_TRY_ASSIGN(auto notAfter, getOptional<std::int64_t>(dict, "not_after"));
    scope.protocols = protocols.value_or(std::vector<std::string>{});
    for (const auto& text : permit.value_or(std::vector<std::string>{})) {
        scope.permitted.push_back(nameSubtreeFromText(text));
    }
    for (const auto& text : exclude.value_or(std::vector<std::string>{})) {
        scope.excluded.push_back(nameSubtreeFromText(text));
    }
    scope.notAfter = notAfter;
    return scope;
}

Dict pinToWire(const PinInfo& pin) {
    Dict dict{{"id", sdbus::Variant(pin.id)},
              {"peer", sdbus::Variant(pin.peer)},
              {"protocol", sdbus::Variant(pin.protocol)},
              {"key_format", sdbus::Variant(std::string(toString(pin.keyFormat)))},
              {"fingerprint", sdbus::Variant(pin.fingerprint)},
              {"spki_sha256", sdbus::Variant(pin.spkiSha256)},
              {"origin", sdbus::Variant(std::string(toString(pin.origin)))},
              {"layer", sdbus::Variant(std::string(toString(pin.layer)))},
              {"first_seen", sdbus::Variant(static_cast<std::int64_t>(pin.firstSeen))},
              {"seen_count", sdbus::Variant(static_cast<std::uint64_t>(pin.seenCount))}};
    if (pin.lastSeen) {
        dict["last_seen"] = sdbus::Variant(static_cast<std::int64_t>(*pin.lastSeen));
    }
    return dict;
}

Result<PinInfo> pinFromWire(const Dict& dict) {
    PinInfo pin;
    PEERTRUST_TRY_ASSIGN(pin.id, get<std::string>(dict, "id"));
    PEERTRUST_TRY_ASSIGN(pin.peer, get<std::string>(dict, "peer"));
    PEERTRUST_TRY_ASSIGN(pin.protocol, get<std::string>(dict, "protocol"));
    PEERTRUST_TRY_ASSIGN(std::string format, get<std::string>(dict, "key_format"));
    PEERTRUST_TRY_ASSIGN(pin.keyFormat, parseKeyFormat(format));
    PEERTRUST_TRY_ASSIGN(pin.fingerprint, get<std::string>(dict, "fingerprint"));
    PEERTRUST_TRY_ASSIGN(pin.spkiSha256, get<std::string>(dict, "spki_sha256"));
    PEERTRUST_TRY_ASSIGN(std::string origin, get<std::string>(dict, "origin"));
    PEERTRUST_TRY_ASSIGN(pin.origin, parsePinOrigin(origin));
    PEERTRUST_TRY_ASSIGN(std::string layer, get<std::string>(dict, "layer"));
    PEERTRUST_TRY_ASSIGN(pin.layer, layerFromText(layer));
    PEERTRUST_TRY_ASSIGN(pin.firstSeen, get<std::int64_t>(dict, "first_seen"));
    PEERTRUST_TRY_ASSIGN(auto lastSeen, getOptional<std::int64_t>(dict, "last_seen"));
    pin.lastSeen = lastSeen;
    PEERTRUST_TRY_ASSIGN(pin.seenCount, get<std::uint64_t>(dict, "seen_count"));
    return pin;
}

Dict anchorToWire(const AnchorInfo& anchor) {
    return {
        {"id", sdbus::Variant(anchor.id)},
        {"label", sdbus::Variant(anchor.label)},
        {"subject", sdbus::Variant(anchor.subject)},
        {"source", sdbus::Variant(anchor.source)},
        {"layer", sdbus::Variant(std::string(toString(anchor.layer)))},
        {"fingerprint", sdbus::Variant(anchor.fingerprint)},
        {"spki_sha256", sdbus::Variant(anchor.spkiSha256)},
        {"created", sdbus::Variant(static_cast<std::int64_t>(anchor.created))},
        {"not_after", sdbus::Variant(static_cast<std::int64_t>(anchor.certificateNotAfter))},
        {"distrusted", sdbus::Variant(anchor.distrusted)},
        {"scope", sdbus::Variant(scopeToWire(anchor.scope))},
        {"exports", sdbus::Variant(Dict{
                        {"gnutls", sdbus::Variant(clientExportToWire(anchor.exports.gnutls))},
                        {"nss", sdbus::Variant(clientExportToWire(anchor.exports.nss))},
                        {"pem_file", sdbus::Variant(clientExportToWire(anchor.exports.pemFile))},
                    })}};
}

Result<AnchorInfo> anchorFromWire(const Dict& dict) {
    AnchorInfo anchor;
    PEERTRUST_TRY_ASSIGN(anchor.id, get<std::string>(dict, "id"));
    PEERTRUST_TRY_ASSIGN(anchor.label, get<std::string>(dict, "label"));
    PEERTRUST_TRY_ASSIGN(anchor.subject, get<std::string>(dict, "subject"));
    PEERTRUST_TRY_ASSIGN(anchor.source, get<std::string>(dict, "source"));
    PEERTRUST_TRY_ASSIGN(std::string layer, get<std::string>(dict, "layer"));
    PEERTRUST_TRY_ASSIGN(anchor.layer, layerFromText(layer));
    PEERTRUST_TRY_ASSIGN(anchor.fingerprint, get<std::string>(dict, "fingerprint"));
    PEERTRUST_TRY_ASSIGN(anchor.spkiSha256, get<std::string>(dict, "spki_sha256"));
    PEERTRUST_TRY_ASSIGN(anchor.created, get<std::int64_t>(dict, "created"));
    PEERTRUST_TRY_ASSIGN(anchor.certificateNotAfter, get<std::int64_t>(dict, "not_after"));
    PEERTRUST_TRY_ASSIGN(anchor.distrusted, get<bool>(dict, "distrusted"));
    PEERTRUST_TRY_ASSIGN(Dict scope, get<Dict>(dict, "scope"));
    PEERTRUST_TRY_ASSIGN(anchor.scope, scopeFromWire(scope));
    PEERTRUST_TRY_ASSIGN(Dict exports, get<Dict>(dict, "exports"));
    PEERTRUST_TRY_ASSIGN(Dict gnutls, get<Dict>(exports, "gnutls"));
    PEERTRUST_TRY_ASSIGN(Dict nss, get<Dict>(exports, "nss"));
    PEERTRUST_TRY_ASSIGN(Dict pem, get<Dict>(exports, "pem_file"));
    PEERTRUST_TRY_ASSIGN(anchor.exports.gnutls, clientExportFromWire(gnutls));
    PEERTRUST_TRY_ASSIGN(anchor.exports.nss, clientExportFromWire(nss));
    PEERTRUST_TRY_ASSIGN(anchor.exports.pemFile, clientExportFromWire(pem));
    return anchor;
}

Dict distrustToWire(const DistrustInfo& entry) {
    return {{"id", sdbus::Variant(entry.id)},
            {"kind", sdbus::Variant(std::string(toString(entry.kind)))},
            {"label", sdbus::Variant(entry.label)},
            {"fingerprint", sdbus::Variant(entry.fingerprint)},
            {"spki_sha256", sdbus::Variant(entry.spkiSha256)},
            {"layer", sdbus::Variant(std::string(toString(entry.layer)))},
            {"created", sdbus::Variant(static_cast<std::int64_t>(entry.created))}};
}

Result<DistrustInfo> distrustFromWire(const Dict& dict) {
    DistrustInfo entry;
    PEERTRUST_TRY_ASSIGN(entry.id, get<std::string>(dict, "id"));
    PEERTRUST_TRY_ASSIGN(std::string kind, get<std::string>(dict, "kind"));
    entry.kind = kind == "spki" ? DistrustKind::Spki : DistrustKind::Certificate;
    PEERTRUST_TRY_ASSIGN(entry.label, get<std::string>(dict, "label"));
    PEERTRUST_TRY_ASSIGN(entry.fingerprint, get<std::string>(dict, "fingerprint"));
    PEERTRUST_TRY_ASSIGN(entry.spkiSha256, get<std::string>(dict, "spki_sha256"));
    PEERTRUST_TRY_ASSIGN(std::string layer, get<std::string>(dict, "layer"));
    PEERTRUST_TRY_ASSIGN(entry.layer, layerFromText(layer));
    PEERTRUST_TRY_ASSIGN(entry.created, get<std::int64_t>(dict, "created"));
    return entry;
}

Dict crlToWire(const CrlInfo& crl) {
    Dict dict{{"id", sdbus::Variant(crl.id)},
              {"issuer", sdbus::Variant(crl.issuer)},
              {"signer_id", sdbus::Variant(crl.signerId)},
              {"layer", sdbus::Variant(std::string(toString(crl.layer)))},
              {"crl_number", sdbus::Variant(crl.crlNumber)},
              {"this_update", sdbus::Variant(static_cast<std::int64_t>(crl.thisUpdate))},
              {"created", sdbus::Variant(static_cast<std::int64_t>(crl.created))},
              {"entries", sdbus::Variant(static_cast<std::uint64_t>(crl.entries))},
              {"stale", sdbus::Variant(crl.stale)}};
    if (crl.nextUpdate) {
        dict["next_update"] = sdbus::Variant(static_cast<std::int64_t>(*crl.nextUpdate));
    }
    return dict;
}

Result<CrlInfo> crlFromWire(const Dict& dict) {
    CrlInfo crl;
    PEERTRUST_TRY_ASSIGN(crl.id, get<std::string>(dict, "id"));
    PEERTRUST_TRY_ASSIGN(crl.issuer, get<std::string>(dict, "issuer"));
    PEERTRUST_TRY_ASSIGN(crl.signerId, get<std::string>(dict, "signer_id"));
    PEERTRUST_TRY_ASSIGN(std::string layer, get<std::string>(dict, "layer"));
    PEERTRUST_TRY_ASSIGN(crl.layer, layerFromText(layer));
    PEERTRUST_TRY_ASSIGN(crl.crlNumber, get<std::string>(dict, "crl_number"));
    PEERTRUST_TRY_ASSIGN(crl.thisUpdate, get<std::int64_t>(dict, "this_update"));
    PEERTRUST_TRY_ASSIGN(crl.created, get<std::int64_t>(dict, "created"));
    PEERTRUST_TRY_ASSIGN(auto nextUpdate, getOptional<std::int64_t>(dict, "next_update"));
    crl.nextUpdate = nextUpdate;
    PEERTRUST_TRY_ASSIGN(crl.entries, get<std::uint64_t>(dict, "entries"));
    PEERTRUST_TRY_ASSIGN(crl.stale, get<bool>(dict, "stale"));
    return crl;
}

Dict protocolToWire(const ProtocolInfo& protocol) {
    return {{"name", sdbus::Variant(protocol.name)},
            {"family", sdbus::Variant(protocol.family)},
            {"purpose", sdbus::Variant(protocol.purposeOid)},
            {"policy", sdbus::Variant(std::string(toString(protocol.policy)))},
            {"builtin", sdbus::Variant(protocol.builtin)}};
}

Result<ProtocolInfo> protocolFromWire(const Dict& dict) {
    ProtocolInfo protocol;
    PEERTRUST_TRY_ASSIGN(protocol.name, get<std::string>(dict, "name"));
    PEERTRUST_TRY_ASSIGN(protocol.family, get<std::string>(dict, "family"));
    PEERTRUST_TRY_ASSIGN(protocol.purposeOid, get<std::string>(dict, "purpose"));
    PEERTRUST_TRY_ASSIGN(std::string policy, get<std::string>(dict, "policy"));
    PEERTRUST_TRY_ASSIGN(protocol.policy, parseProtocolPolicy(policy));
    PEERTRUST_TRY_ASSIGN(protocol.builtin, get<bool>(dict, "builtin"));
    return protocol;
}

Dict forgetToWire(const PinForgetRequest& request) {
    Dict dict;
    if (request.peer) {
        dict["peer"] = sdbus::Variant(*request.peer);
    }
    if (request.seenBefore) {
        dict["seen_before"] = sdbus::Variant(static_cast<std::int64_t>(*request.seenBefore));
    }
    return dict;
}

Result<PinForgetRequest> forgetFromWire(const Dict& criteria) {
    PEERTRUST_TRY(onlyKeys(criteria, {"peer", "seen_before"}, "criterion"));
    PinForgetRequest request;
    PEERTRUST_TRY_ASSIGN(request.peer, getOptional<std::string>(criteria, "peer"));
    PEERTRUST_TRY_ASSIGN(auto before, getOptional<std::int64_t>(criteria, "seen_before"));
    request.seenBefore = before;
    return request;
}

}  // namespace peertrust::wire
