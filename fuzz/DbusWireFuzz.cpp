// libFuzzer target: the D-Bus wire decoders of DbusWire (the daemon's for Verify and AddPin
// options, scopes and forget criteria, the client's for pins, anchors, distrust, protocols and
// verdicts), fed with dictionaries built in-process from the input; no bus. Strings are what a
// bus delivers: valid UTF-8 without NUL. What decodes encodes and decodes to the same value;
// what does not is InvalidInput with a message sd-bus can send back as the error. Also: DER and
// PEM keys to text, VerifyKnown's hex digests, and error names both ways.
#include <fuzzer/FuzzedDataProvider.h>
#include <gnutls/gnutls.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "DbusWire.h"
#include "peertrust/Der.h"

namespace {

using namespace peertrust;
using wire::Dict;

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

// The length of the character at the start of `text` if sd-bus accepts it in a string (UTF-8,
// no NUL, no surrogate, no noncharacter), else 0.
std::size_t busCharacterLength(std::string_view text) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(0);
    std::size_t length = lead < 0x80 ? 1 : lead < 0xc2 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    if (lead == 0 || length == 0 || lead > 0xf4 || length > text.size()) {
        return 0;
    }
    char32_t c = length == 1 ? lead : lead & (0x7f >> length);
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (byte(i) & 0x3f);
    }
    constexpr std::array<char32_t, 4> smallest = {0, 0, 0x80, 0x800};
    if ((length > 1 && length < 4 && c < smallest[length]) || (length == 4 && c < 0x10000) ||
        c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || (c >= 0xfdd0 && c <= 0xfdef) ||
        (c & 0xfffe) == 0xfffe) {
        return 0;
    }
    return length;
}

// A string as a bus delivers it: bytes sd-bus would refuse become '?'.
std::string busString(FuzzedDataProvider& in, std::size_t maxLength) {
    std::string raw = in.ConsumeRandomLengthString(maxLength);
    std::string text;
    for (std::size_t i = 0; i < raw.size();) {
        std::size_t length = busCharacterLength(std::string_view(raw).substr(i));
        text += length == 0 ? std::string("?") : raw.substr(i, length);
        i += length == 0 ? 1 : length;
    }
    return text;
}

// The words the wire uses, so that the fuzzer reaches past the first check.
const std::vector<std::string>& words() {
    static const std::vector<std::string> all = [] {
        std::vector<std::string> w;
        for (KeyFormat f : {KeyFormat::X509Chain, KeyFormat::Spki, KeyFormat::OpenSsh}) {
            w.emplace_back(toString(f));
        }
        for (PinOrigin o :
             {PinOrigin::Tofu, PinOrigin::Manual, PinOrigin::Imported, PinOrigin::Gcr}) {
            w.emplace_back(toString(o));
        }
        for (StoreLayer l : {StoreLayer::System, StoreLayer::User}) {
            w.emplace_back(toString(l));
        }
        for (ExportLevel l : {ExportLevel::Anchor, ExportLevel::AnchorWithNameConstraints,
                              ExportLevel::MustVerify, ExportLevel::None}) {
            w.emplace_back(toString(l));
        }
        for (DistrustKind k : {DistrustKind::Certificate, DistrustKind::Spki}) {
            w.emplace_back(toString(k));
        }
        for (ProtocolPolicy p : {ProtocolPolicy::Tofu, ProtocolPolicy::CaOnly}) {
            w.emplace_back(toString(p));
        }
        for (VerdictKind k : {VerdictKind::Accepted, VerdictKind::Rejected, VerdictKind::Unknown}) {
            w.emplace_back(toString(k));
        }
        for (const char* extra : {"https", "ssh", "www.example.org", ".example.org", "@example.org",
                                  "192.0.2.0/24", "2001:db8::/32", "1.3.6.1.5.5.7.3.1"}) {
            w.emplace_back(extra);
        }
        return w;
    }();
    return all;
}

constexpr const char* kKeys[] = {"at",          "pin-on-first-use",
                                 "ocsp",        "protocols",
                                 "permit",      "exclude",
                                 "not_after",   "peer",
                                 "seen_before", "id",
                                 "protocol",    "key_format",
                                 "fingerprint", "spki_sha256",
                                 "origin",      "layer",
                                 "first_seen",  "last_seen",
                                 "seen_count",  "label",
                                 "subject",     "source",
                                 "created",     "distrusted",
                                 "scope",       "exports",
                                 "gnutls",      "nss",
                                 "pem_file",    "level",
                                 "purposes",    "why",
                                 "kind",        "name",
                                 "family",      "purpose",
                                 "policy",      "builtin",
                                 "issuer",      "signer_id",
                                 "crl_number",  "this_update",
                                 "next_update", "entries",
                                 "stale"};

std::string wireText(FuzzedDataProvider& in) {
    if (in.ConsumeBool()) {
        return words()[in.ConsumeIntegralInRange<std::size_t>(0, words().size() - 1)];
    }
    return busString(in, 256);
}

std::vector<std::string> wireTexts(FuzzedDataProvider& in) {
    std::vector<std::string> list(in.ConsumeIntegralInRange<std::size_t>(0, 6));
    for (auto& item : list) {
        item = wireText(in);
    }
    return list;
}

Dict dict(FuzzedDataProvider& in, int depth);

sdbus::Variant variant(FuzzedDataProvider& in, int depth) {
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
        case 0:
            return sdbus::Variant(wireText(in));
        case 1:
            return sdbus::Variant(in.ConsumeIntegral<std::int64_t>());
        case 2:
            return sdbus::Variant(in.ConsumeIntegral<std::uint64_t>());
        case 3:
            return sdbus::Variant(in.ConsumeBool());
        case 4:
            return sdbus::Variant(wireTexts(in));
        case 5:
            if (depth < 3) {
                return sdbus::Variant(dict(in, depth + 1));
            }
            return sdbus::Variant(std::string());
        case 6:
            return sdbus::Variant(in.ConsumeIntegral<std::int32_t>());
        default:
            return sdbus::Variant(static_cast<double>(in.ConsumeIntegral<std::int64_t>()));
    }
}

Dict dict(FuzzedDataProvider& in, int depth) {
    Dict d;
    std::size_t entries = in.ConsumeIntegralInRange<std::size_t>(0, 12);
    for (std::size_t i = 0; i < entries; ++i) {
        std::string key =
            in.ConsumeBool()
                ? kKeys[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kKeys) - 1)]
                : busString(in, 64);
        d[key] = variant(in, depth);
    }
    return d;
}

// The error goes back as a D-Bus error: ours, and a message sd-bus serialises.
void checkError(const Error& error) {
    check(error.category() == ErrorCategory::InvalidInput);
    check(wire::toDbusError(error).getName() == "org.peertrust.Error.InvalidInput");
    try {
        sdbus::Variant message(error.message());
        (void)message;
    } catch (const sdbus::Error&) {
        std::abort();
    }
}

void checkKeys(const Dict& d, std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : d) {
        bool known = false;
        for (std::string_view k : allowed) {
            known = known || key == k;
        }
        check(known);
    }
}

// Decodes; on success encodes, decodes again and compares; on failure checks the error.
template <typename T, typename From, typename To, typename Same>
void roundTrip(const Dict& d, From from, To to, Same same) {
    Result<T> decoded = from(d);
    if (!decoded) {
        checkError(decoded.error());
        return;
    }
    Result<T> again = from(to(*decoded));
    check(again.ok() && same(*decoded, *again));
}

bool sameExport(const ClientExport& a, const ClientExport& b) {
    return a.level == b.level && a.purposes == b.purposes && a.why == b.why;
}

void dictionaries(FuzzedDataProvider& in) {
    Dict d = dict(in, 0);

    VerifyRequest request;
    if (auto applied = wire::applyVerifyOptions(d, request); applied) {
        checkKeys(d, {"at", "pin-on-first-use", "ocsp"});
        VerifyRequest again;
        check(wire::applyVerifyOptions(wire::verifyOptions(request), again).ok());
        check(again.at == request.at && again.pinOnFirstUse == request.pinOnFirstUse &&
              again.ocsp == request.ocsp);
    } else {
        checkError(applied.error());
    }

    PinAddRequest pin;
    if (auto applied = wire::applyAddPinOptions(d, pin); applied) {
        checkKeys(d, {"origin"});
        PinAddRequest again;
        check(wire::applyAddPinOptions(wire::addPinOptions(pin), again).ok());
        check(again.origin == pin.origin);
    } else {
        checkError(applied.error());
    }

    // VerifyKnown's digests: 64 hex digits, read back the same (case aside), or InvalidInput.
    std::string hex = in.ConsumeBool() ? wire::sha256ToWire(wire::keyTextSha256(wireText(in)))
                                       : busString(in, 80);
    if (auto digest = wire::sha256FromWire(hex, "key_sha256"); digest) {
        std::string lower = hex;
        for (char& c : lower) {
            c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
        }
        check(wire::sha256ToWire(*digest) == lower);
    } else {
        checkError(digest.error());
    }

    if (auto scope = wire::scopeFromWire(d); scope) {
        checkKeys(d, {"protocols", "permit", "exclude", "not_after"});
    }
    roundTrip<AnchorScope>(d, wire::scopeFromWire, wire::scopeToWire,
                           [](const AnchorScope& a, const AnchorScope& b) { return a == b; });

    if (auto criteria = wire::forgetFromWire(d); criteria) {
        checkKeys(d, {"peer", "seen_before"});
    }
    roundTrip<PinForgetRequest>(d, wire::forgetFromWire, wire::forgetToWire,
                                [](const PinForgetRequest& a, const PinForgetRequest& b) {
                                    return a.peer == b.peer && a.seenBefore == b.seenBefore;
                                });

    roundTrip<PinInfo>(d, wire::pinFromWire, wire::pinToWire,
                       [](const PinInfo& a, const PinInfo& b) {
                           return a.id == b.id && a.peer == b.peer && a.protocol == b.protocol &&
                                  a.keyFormat == b.keyFormat && a.fingerprint == b.fingerprint &&
                                  a.spkiSha256 == b.spkiSha256 && a.firstSeen == b.firstSeen &&
                                  a.lastSeen == b.lastSeen && a.seenCount == b.seenCount &&
                                  a.origin == b.origin && a.layer == b.layer;
                       });

    roundTrip<AnchorInfo>(
        d, wire::anchorFromWire, wire::anchorToWire, [](const AnchorInfo& a, const AnchorInfo& b) {
            return a.id == b.id && a.label == b.label && a.subject == b.subject &&
                   a.source == b.source && a.layer == b.layer && a.fingerprint == b.fingerprint &&
                   a.spkiSha256 == b.spkiSha256 && a.created == b.created &&
                   a.certificateNotAfter == b.certificateNotAfter && a.scope == b.scope &&
                   a.distrusted == b.distrusted && sameExport(a.exports.gnutls, b.exports.gnutls) &&
                   sameExport(a.exports.nss, b.exports.nss) &&
                   sameExport(a.exports.pemFile, b.exports.pemFile);
        });

    roundTrip<DistrustInfo>(d, wire::distrustFromWire, wire::distrustToWire,
                            [](const DistrustInfo& a, const DistrustInfo& b) {
                                return a.id == b.id && a.kind == b.kind && a.label == b.label &&
                                       a.fingerprint == b.fingerprint &&
                                       a.spkiSha256 == b.spkiSha256 && a.layer == b.layer &&
                                       a.created == b.created;
                            });

    roundTrip<CrlInfo>(
        d, wire::crlFromWire, wire::crlToWire, [](const CrlInfo& a, const CrlInfo& b) {
            return a.id == b.id && a.issuer == b.issuer && a.signerId == b.signerId &&
                   a.layer == b.layer && a.crlNumber == b.crlNumber &&
                   a.thisUpdate == b.thisUpdate && a.nextUpdate == b.nextUpdate &&
                   a.entries == b.entries && a.stale == b.stale && a.created == b.created;
        });

    roundTrip<ProtocolInfo>(d, wire::protocolFromWire, wire::protocolToWire,
                            [](const ProtocolInfo& a, const ProtocolInfo& b) {
                                return a.name == b.name && a.family == b.family &&
                                       a.purposeOid == b.purposeOid && a.policy == b.policy &&
                                       a.builtin == b.builtin;
                            });
}

bool sameVerdict(const Verdict& a, const Verdict& b) {
    const VerdictDetails& x = a.details;
    const VerdictDetails& y = b.details;
    if (x.pins.size() != y.pins.size()) {
        return false;
    }
    for (std::size_t i = 0; i < x.pins.size(); ++i) {
        const PinnedKey& p = x.pins[i];
        const PinnedKey& q = y.pins[i];
        if (p.pinId != q.pinId || p.protocol != q.protocol || p.fingerprint != q.fingerprint ||
            p.spkiSha256 != q.spkiSha256 || p.firstSeen != q.firstSeen) {
            return false;
        }
    }
    return a.kind == b.kind && a.reason == b.reason && a.explanation == b.explanation &&
           x.protocol == y.protocol && x.peer == y.peer && x.keyFormat == y.keyFormat &&
           x.fingerprint == y.fingerprint && x.spkiSha256 == y.spkiSha256 &&
           x.anchorId == y.anchorId && x.anchorLabel == y.anchorLabel && x.failures == y.failures;
}

void verdict(FuzzedDataProvider& in) {
    // One statement per value: the order the input is read in must not depend on the compiler.
    std::string kind = wireText(in);
    std::string reasonCode = wireText(in);
    std::string explanation = wireText(in);
    std::vector<wire::PinWire> pins(in.ConsumeIntegralInRange<std::size_t>(0, 4));
    for (auto& pin : pins) {
        std::get<0>(pin) = wireText(in);
        std::get<1>(pin) = wireText(in);
        std::get<2>(pin) = wireText(in);
        std::get<3>(pin) = wireText(in);
        std::get<4>(pin) = in.ConsumeIntegral<std::int64_t>();
    }
    wire::VerdictDetailsWire details;
    std::get<0>(details) = wireText(in);
    std::get<1>(details) = wireText(in);
    std::get<2>(details) = wireText(in);
    std::get<3>(details) = wireText(in);
    std::get<4>(details) = wireText(in);
    std::get<5>(details) = wireText(in);
    std::get<6>(details) = wireText(in);
    std::get<7>(details) = pins;
    std::get<8>(details) = wireTexts(in);
    auto decoded = wire::verdictFromWire(kind, reasonCode, explanation, details);
    if (!decoded) {
        checkError(decoded.error());
        return;
    }
    check(kind == toString(decoded->kind));
    auto [k, r, e, d] = wire::verdictToWire(*decoded);
    auto again = wire::verdictFromWire(k, r, e, d);
    check(again.ok() && sameVerdict(*decoded, *again));
}

// Each PEM block of `text` in turn, decoded; false if one does not decode.
bool pemBlocks(const std::string& text, const char* type, std::vector<Bytes>& blocks) {
    std::string begin = std::string("-----BEGIN ") + type + "-----";
    std::string end = std::string("-----END ") + type + "-----";
    std::size_t at = 0;
    while (at < text.size()) {
        if (text.compare(at, begin.size(), begin) != 0) {
            return false;
        }
        std::size_t stop = text.find(end, at);
        if (stop == std::string::npos) {
            return false;
        }
        stop += end.size();
        if (stop < text.size() && text[stop] == '\n') {
            ++stop;
        }
        gnutls_datum_t pem{reinterpret_cast<unsigned char*>(const_cast<char*>(text.data() + at)),
                           static_cast<unsigned>(stop - at)};
        gnutls_datum_t der{nullptr, 0};
        if (gnutls_pem_base64_decode2(type, &pem, &der) < 0) {
            return false;
        }
        blocks.emplace_back(der.data, der.data + der.size);
        gnutls_free(der.data);
        at = stop;
    }
    return true;
}

void keyText(FuzzedDataProvider& in) {
    auto format = in.PickValueInArray({KeyFormat::X509Chain, KeyFormat::Spki, KeyFormat::OpenSsh});
    Bytes key = in.ConsumeRemainingBytes<std::uint8_t>();
    auto converted = wire::keyToText(format, key);
    if (!converted) {
        checkError(converted.error());
        return;
    }
    std::string_view raw(reinterpret_cast<const char*>(key.data()), key.size());
    // Input that starts as DER is DER, even with armour inside (a certificate's name may hold
    // it); other input with armour, and every OpenSSH key, is text and passed on as it is.
    if (format == KeyFormat::OpenSsh || looksLikePem(key)) {
        check(*converted == raw);
        return;
    }
    if (key.empty()) {
        return;  // no chain, or an empty PEM block GnuTLS will not decode: the daemon refuses it
    }
    // DER to PEM: the blocks decode to the input, one DER element (certificate) each.
    std::vector<Bytes> blocks;
    check(pemBlocks(*converted, format == KeyFormat::Spki ? "PUBLIC KEY" : "CERTIFICATE", blocks));
    Bytes joined;
    for (const Bytes& block : blocks) {
        if (format == KeyFormat::X509Chain) {
            check(derSequenceLength(block) == block.size());
        }
        joined.insert(joined.end(), block.begin(), block.end());
    }
    check(joined == key);
    check(format == KeyFormat::X509Chain || blocks.size() == 1);
}

void errors(FuzzedDataProvider& in) {
    std::string message = busString(in, 256);
    for (ErrorCategory c :
         {ErrorCategory::InvalidInput, ErrorCategory::NotFound, ErrorCategory::Conflict,
          ErrorCategory::NotAuthorized, ErrorCategory::Unavailable, ErrorCategory::Internal,
          ErrorCategory::Usage}) {
        Error back = wire::fromDbusError(wire::toDbusError(Error(c, message)));
        check(back.category() == (c == ErrorCategory::Usage ? ErrorCategory::InvalidInput : c));
        check(back.message() == message);
    }
    std::string name =
        in.ConsumeBool() ? "org.peertrust.Error." + busString(in, 32) : busString(in, 128);
    Error back = wire::fromDbusError(sdbus::Error(name, message));
    check(back.category() == wire::categoryFromName(name));
    if (name.starts_with("org.peertrust.")) {
        check(back.message() == message);
    } else {
        check(back.category() == ErrorCategory::Unavailable ||
              back.category() == ErrorCategory::NotAuthorized);
        check(back.message().find(name) != std::string::npos);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
        case 0:
            dictionaries(in);
            break;
        case 1:
            verdict(in);
            break;
        case 2:
            keyText(in);
            break;
        default:
            errors(in);
            break;
    }
    return 0;
}
