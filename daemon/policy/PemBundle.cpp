#include "policy/PemBundle.h"

#include <gnutls/gnutls.h>

#include <algorithm>
#include <set>

#include "crypto/GnutlsHandles.h"
#include "peertrust/DisplayText.h"
#include "peertrust/TimeFormat.h"
#include "policy/ProtocolRegistry.h"

namespace peertrust::policy {
namespace {

struct PurposeName {
    std::string_view name;
    const char* oid;
};
constexpr PurposeName kPurposes[] = {{"server-auth", kPurposeServerAuth},
                                     {"client-auth", kPurposeClientAuth},
                                     {"email", kPurposeEmailProtection},
                                     {"code-signing", kPurposeCodeSigning}};

std::string_view nameOf(const std::string& oid) {
    for (const auto& purpose : kPurposes) {
        if (oid == purpose.oid) {
            return purpose.name;
        }
    }
    return oid;
}

std::string pemOf(const Bytes& der) {
    gnutls_datum_t in = crypto::datumOf(der);
    crypto::OwnedDatum out;
    if (gnutls_pem_base64_encode2("CERTIFICATE", &in, out.out()) < 0) {
        return {};
    }
    return out.str();
}

// Why an anchor the PKCS#11 module may still export is not in this file.
std::optional<std::string> whyLeftOut(const ExportedAnchor& anchor,
                                      const std::optional<std::string>& purposeOid) {
    const ClientExport& file = anchor.exports.pemFile;
    if (file.level != ExportLevel::Anchor) {
        return file.why;
    }
    if (purposeOid) {
        if (std::find(file.purposes.begin(), file.purposes.end(), *purposeOid) ==
            file.purposes.end()) {
            return "not an anchor for " + std::string(nameOf(*purposeOid));
        }
        return std::nullopt;
    }
    if (!anchor.scope.admitsEveryProtocol()) {
        return "limited to some protocols, and a file for every use cannot say which "
               "(export with --purpose for one use)";
    }
    return std::nullopt;
}

// A label (often a certificate's own names) as part of one comment line: valid UTF-8, no line
// break, and no PEM armour, which GnuTLS finds anywhere in a line, comments included.
std::string commentText(std::string_view label) {
    std::string text = displayText(label);
    std::string out;
    std::size_t dashes = 0;
    for (char c : text) {
        dashes = c == '-' ? dashes + 1 : 0;
        if (dashes <= 3) {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace

Result<std::string> purposeForBundle(std::string_view name) {
    for (const auto& purpose : kPurposes) {
        if (purpose.name == name) {
            return std::string(purpose.oid);
        }
    }
    return invalidInput("unknown purpose '" + std::string(name) +
                        "': use server-auth, client-auth, email or code-signing");
}

PemBundle pemBundle(const TrustExport& trust, const std::optional<std::string>& purposeOid,
                    UnixTime generatedAt) {
    PemBundle bundle;
    std::string body;
    std::string omitted;
    std::set<Bytes> seen;  // the same certificate may be an anchor in both layers
    for (const ExportedAnchor& anchor : trust.anchors) {
        if (!seen.insert(anchor.certDer).second) {
            continue;
        }
        if (auto why = whyLeftOut(anchor, purposeOid)) {
            ++bundle.leftOut;
            omitted += "#   " + commentText(anchor.label) + " (" + anchor.id + "): " + *why + "\n";
            continue;
        }
        std::string pem = pemOf(anchor.certDer);
        if (pem.empty()) {
            ++bundle.leftOut;
            omitted +=
                "#   " + commentText(anchor.label) + " (" + anchor.id + "): cannot be encoded\n";
            continue;
        }
        ++bundle.included;
        body += "# " + commentText(anchor.label) + " (" + anchor.id + ")\n" + pem;
    }
    std::string header = "# peertrust anchors for programs that read a PEM bundle, written " +
                         formatIsoTime(generatedAt) + "\n";
    header += purposeOid ? "# Only for " + std::string(nameOf(*purposeOid)) +
                               ": the file cannot say so itself.\n"
                         : "# For every use.\n";
    header += "# " + std::to_string(bundle.included) + " anchors; " +
              std::to_string(bundle.leftOut) +
              " left out, since this file cannot carry what limits them:\n";
    bundle.text = header + omitted + body;
    return bundle;
}

}  // namespace peertrust::policy
