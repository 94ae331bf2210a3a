// peertrust verify --protocol P --peer NAME (--chain|--spki|--ssh-key FILE) [--at UNIX_TIME]
//                  [--ocsp FILE] [--pin-on-first-use] [--json]
#include <ostream>

#include "cli/Command.h"
#include "cli/Json.h"
#include "peertrust/DisplayText.h"

namespace peertrust::cli {

namespace {

void printJson(const Verdict& verdict, std::ostream& out) {
    const VerdictDetails& d = verdict.details;
    JsonWriter json;
    json.beginObject();
    json.key("verdict").value(toString(verdict.kind));
    json.key("reason").value(verdict.reason);
    json.key("explanation").value(verdict.explanation);
    json.key("spki_sha256").value(d.spkiSha256);
    json.key("details").beginObject();
    json.key("protocol").value(d.protocol);
    json.key("peer").value(d.peer);
    json.key("key_format").value(d.keyFormat);
    json.key("fingerprint").value(d.fingerprint);
    json.key("anchor_id").value(d.anchorId);
    json.key("anchor_label").value(d.anchorId ? std::optional(d.anchorLabel) : std::nullopt);
    json.key("pins").beginArray();
    for (const PinnedKey& pin : d.pins) {
        json.beginObject();
        json.key("id").value(pin.pinId);
        json.key("protocol").value(pin.protocol);
        json.key("fingerprint").value(pin.fingerprint);
        json.key("spki_sha256").value(pin.spkiSha256);
        json.key("first_seen").value(isoTime(pin.firstSeen));
        json.endObject();
    }
    json.endArray();
    json.key("failures").stringArray(d.failures);
    json.endObject();
    json.endObject();
    out << json.str() << '\n';
}

}  // namespace

Result<int> runVerify(CommandContext& context) {
    Arguments& args = context.args;
    if (args.helpRequested()) {
        context.out
            << "usage: peertrust verify --protocol P --peer NAME\n"
               "                        (--chain FILE | --spki FILE | --ssh-key FILE)\n"
               "                        [--at UNIX_TIME] [--ocsp FILE] [--pin-on-first-use]\n"
               "                        [--json]\n"
               "Asks whether the key is acceptable for the peer over the protocol.\n"
               "--ocsp FILE: an OCSP response for the chain's leaf (DER or PEM), as a\n"
               "server staples it; checked against the leaf's issuer at the time of\n"
               "the decision (revoked: rejected \"revoked\"; unusable: \"bad-ocsp\").\n"
               "Exit 0 accepted, 1 rejected, 2 unknown (first use).\n";
        return 0;
    }
    VerifyRequest request;
    PEERTRUST_TRY_ASSIGN(auto protocol, args.value("protocol"));
    PEERTRUST_TRY_ASSIGN(auto peer, args.value("peer"));
    PEERTRUST_TRY_ASSIGN(auto at, args.value("at"));
    request.pinOnFirstUse = args.flag("pin-on-first-use");
    bool json = args.flag("json");
    if (!protocol || !peer) {
        return usageError("verify needs --protocol and --peer");
    }
    if (at) {
        PEERTRUST_TRY_ASSIGN(request.at, parseInteger("at", *at));
    }
    PEERTRUST_TRY_ASSIGN(auto ocspFile, args.value("ocsp"));
    PEERTRUST_TRY_ASSIGN(KeyOption keyFile, keyOption(args));
    PEERTRUST_TRY(args.finish());
    if (ocspFile && keyFile.format != KeyFormat::X509Chain) {
        return usageError("--ocsp is about a certificate: it needs --chain");
    }
    PEERTRUST_TRY_ASSIGN(auto key, readKeyFile(keyFile));
    if (ocspFile) {
        PEERTRUST_TRY_ASSIGN(request.ocsp, readInputFile(*ocspFile));
        if (request.ocsp.empty()) {
            return invalidInput(*ocspFile + ": empty, not an OCSP response");
        }
    }
    request.protocol = *protocol;
    request.peer = *peer;
    request.keyFormat = key.first;
    request.key = std::move(key.second);

    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(Verdict verdict, service->verify(request));
    if (json) {
        printJson(verdict, context.out);
    } else {
        context.out << toString(verdict.kind) << " (" << displayText(verdict.reason) << ")\n"
                    << displayText(verdict.explanation) << '\n';
    }
    switch (verdict.kind) {
        case VerdictKind::Accepted:
            return 0;
        case VerdictKind::Rejected:
            return 1;
        case VerdictKind::Unknown:
            return 2;
    }
    return 1;
}

}  // namespace peertrust::cli
