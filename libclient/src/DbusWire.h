// The D-Bus wire form of peertrust's values (dbus/org.peertrust.Trust1.xml): the one place
// where the daemon and the client library translate, so both read the same dictionaries.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "DbusErrors.h"
#include "peertrust/Types.h"

namespace peertrust::wire {

using Dict = std::map<std::string, sdbus::Variant>;

// Keys as text: PEM for certificates and public keys (DER input is converted), the OpenSSH
// line as it is.
// File contents as a D-Bus string: sd-bus cuts a string at its first NUL and refuses one that
// is not UTF-8 (an error that would read as "no daemon"), so both are refused here first.
Result<std::string> textForWire(const Bytes& bytes, std::string_view what);
// InvalidInput for the first of `texts` (what it is, the text) that holds a NUL byte:
// sdbus-c++ sends a std::string as its c_str(), so "bank.example\0.evil" would be asked about
// as "bank.example", and an id cut short could name another item by its prefix.
Result<void> wholeTexts(std::initializer_list<std::pair<std::string_view, std::string_view>> texts);
Result<std::string> keyToText(KeyFormat format, const Bytes& key);
// A CRL as text: PEM "X509 CRL" (DER input is converted).
Result<std::string> crlToText(const Bytes& crl);
Bytes textToBytes(const std::string& text);
// keyToText's inverse for one key: the DER of a PEM certificate or public key, an OpenSSH
// line as it is.
Result<Bytes> keyFromText(KeyFormat format, const std::string& text);

// VerifyKnown names a key by the SHA-256 of its text form above and a verdict by
// peertrust::verdictSha256, each in hex (64 digits).
using Sha256Digest = std::array<std::uint8_t, 32>;
Sha256Digest keyTextSha256(const std::string& text);
std::string sha256ToWire(const Sha256Digest& digest);
Result<Sha256Digest> sha256FromWire(const std::string& hex, const char* what);

Dict verifyOptions(const VerifyRequest& request);
Result<void> applyVerifyOptions(const Dict& options, VerifyRequest& request);
// AddPin's options: the pin's origin.
Dict addPinOptions(const PinAddRequest& request);
Result<void> applyAddPinOptions(const Dict& options, PinAddRequest& request);

// Verify's details, in the field order of the XML.
using PinWire = sdbus::Struct<std::string, std::string, std::string, std::string, std::int64_t>;
using VerdictDetailsWire =
    sdbus::Struct<std::string, std::string, std::string, std::string, std::string, std::string,
                  std::string, std::vector<PinWire>, std::vector<std::string>>;

std::tuple<std::string, std::string, std::string, VerdictDetailsWire> verdictToWire(
    const Verdict& verdict);
Result<Verdict> verdictFromWire(const std::string& kind, const std::string& reason,
                                const std::string& explanation, const VerdictDetailsWire& details);

Dict scopeToWire(const AnchorScope& scope);
Result<AnchorScope> scopeFromWire(const Dict& scope);

Dict pinToWire(const PinInfo& pin);
Result<PinInfo> pinFromWire(const Dict& pin);
Dict anchorToWire(const AnchorInfo& anchor);
Result<AnchorInfo> anchorFromWire(const Dict& anchor);
Dict distrustToWire(const DistrustInfo& entry);
Result<DistrustInfo> distrustFromWire(const Dict& entry);
Dict crlToWire(const CrlInfo& crl);
Result<CrlInfo> crlFromWire(const Dict& crl);
Dict protocolToWire(const ProtocolInfo& protocol);
Result<ProtocolInfo> protocolFromWire(const Dict& protocol);

Dict forgetToWire(const PinForgetRequest& request);
Result<PinForgetRequest> forgetFromWire(const Dict& criteria);

}  // namespace peertrust::wire
