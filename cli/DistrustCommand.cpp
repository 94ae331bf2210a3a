// peertrust distrust add (FILE | --spki FILE) [--label L] | list [--json] | remove ID
#include <ostream>

#include "cli/Command.h"
#include "cli/Json.h"
#include "cli/Table.h"

namespace peertrust::cli {

namespace {

constexpr const char* kUsage =
    "usage: peertrust distrust add (CERTIFICATE_FILE | --spki KEY_FILE) [--label L]\n"
    "       peertrust distrust list [--json]\n"
    "       peertrust distrust remove ID\n"
    "A KEY_FILE holds a SubjectPublicKeyInfo (DER or PEM) or an OpenSSH public key.\n";

Result<int> add(CommandContext& context) {
    Arguments& args = context.args;
    PEERTRUST_TRY_ASSIGN(auto spki, args.value("spki"));
    PEERTRUST_TRY_ASSIGN(auto label, args.value("label"));
    auto file = args.positional();
    PEERTRUST_TRY(args.finish());
    if (spki.has_value() == file.has_value()) {
        return usageError("distrust add needs a certificate FILE or --spki FILE");
    }
    PEERTRUST_TRY_ASSIGN(Bytes data, readInputFile(spki ? *spki : *file));
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(
        AddOutcome outcome,
        service->addDistrust({spki ? DistrustKind::Spki : DistrustKind::Certificate,
                              std::move(data), label.value_or("")}));
    context.out << addedMessage("distrust entry", outcome) << '\n';
    return 0;
}

Result<int> list(CommandContext& context) {
    bool json = context.args.flag("json");
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(auto entries, service->listDistrust());
    if (json) {
        JsonWriter out;
        out.beginObject().key("distrust").beginArray();
        for (const DistrustInfo& entry : entries) {
            out.beginObject();
            out.key("id").value(entry.id);
            out.key("kind").value(toString(entry.kind));
            out.key("label").value(entry.label);
            out.key("fingerprint").value(entry.fingerprint);
            out.key("spki_sha256").value(entry.spkiSha256);
            out.key("layer").value(toString(entry.layer));
            out.key("created").value(isoTime(entry.created));
            out.endObject();
        }
        out.endArray().endObject();
        context.out << out.str() << '\n';
        return 0;
    }
    Table table({"ID", "KIND", "LABEL", "FINGERPRINT", "CREATED", "STORE"});
    for (const DistrustInfo& entry : entries) {
        table.addRow({entry.id, std::string(toString(entry.kind)), entry.label, entry.fingerprint,
                      isoTime(entry.created), std::string(toString(entry.layer))});
    }
    table.print(context.out);
    return 0;
}

}  // namespace

Result<int> runDistrust(CommandContext& context) {
    return dispatch(context, "distrust", kUsage,
                    {{"add", add}, {"list", list}, {"remove", [](CommandContext& c) {
                                                        return removeById(
                                                            c, "distrust entry",
                                                            &TrustService::removeDistrust);
                                                    }}});
}

}  // namespace peertrust::cli
