// peertrust crl add FILE [--issuer CERT] | list [--json] | remove ID
#include <ostream>

#include "cli/Command.h"
#include "cli/Json.h"
#include "cli/Table.h"

namespace peertrust::cli {

namespace {

constexpr const char* kUsage =
    "usage: peertrust crl add CRL_FILE [--issuer CERTIFICATE_FILE]\n"
    "       peertrust crl list [--json]\n"
    "       peertrust crl remove ID\n"
    "A CRL_FILE holds one certificate revocation list (DER or PEM). It must be signed by an\n"
    "anchor, or by the --issuer certificate, which an anchor must have issued. A newer CRL of\n"
    "the same issuer replaces the stored one; an older one is refused. Verify then rejects\n"
    "every certificate the CRL lists (reason revoked). CRLs are never fetched: add newer ones\n"
    "as they are published (list marks those past their next update as stale).\n";

Result<int> add(CommandContext& context) {
    Arguments& args = context.args;
    PEERTRUST_TRY_ASSIGN(auto issuer, args.value("issuer"));
    auto file = args.positional();
    PEERTRUST_TRY(args.finish());
    if (!file) {
        return usageError("crl add needs a CRL FILE");
    }
    CrlAddRequest request;
    PEERTRUST_TRY_ASSIGN(request.crl, readInputFile(*file));
    if (issuer) {
        PEERTRUST_TRY_ASSIGN(request.issuerCertificate, readInputFile(*issuer));
    }
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome, service->addCrl(request));
    context.out << addedMessage("CRL", outcome);
    if (!outcome.replacedId.empty()) {
        context.out << " in place of the older CRL " << outcome.replacedId << " of the same issuer";
    }
    context.out << '\n';
    return 0;
}

std::string nextUpdateText(const CrlInfo& crl) {
    return crl.nextUpdate ? isoTime(*crl.nextUpdate) : "-";
}

Result<int> list(CommandContext& context) {
    bool json = context.args.flag("json");
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(auto crls, service->listCrls());
    if (json) {
        JsonWriter out;
        out.beginObject().key("crls").beginArray();
        for (const CrlInfo& crl : crls) {
            out.beginObject();
            out.key("id").value(crl.id);
            out.key("issuer").value(crl.issuer);
            out.key("signer_id").value(crl.signerId);
            out.key("layer").value(toString(crl.layer));
            out.key("this_update").value(isoTime(crl.thisUpdate));
            out.key("next_update")
                .value(crl.nextUpdate ? std::optional<std::string>(isoTime(*crl.nextUpdate))
                                      : std::nullopt);
            out.key("crl_number")
                .value(crl.crlNumber.empty() ? std::nullopt
                                             : std::optional<std::string>(crl.crlNumber));
            out.key("entries").value(static_cast<std::int64_t>(crl.entries));
            out.key("stale").value(crl.stale);
            out.key("created").value(isoTime(crl.created));
            out.endObject();
        }
        out.endArray().endObject();
        context.out << out.str() << '\n';
        return 0;
    }
    Table table({"ID", "ISSUER", "THIS UPDATE", "NEXT UPDATE", "ENTRIES", "STALE", "STORE"});
    for (const CrlInfo& crl : crls) {
        table.addRow({crl.id, crl.issuer, isoTime(crl.thisUpdate), nextUpdateText(crl),
                      std::to_string(crl.entries), crl.stale ? "stale" : "-",
                      std::string(toString(crl.layer))});
    }
    table.print(context.out);
    return 0;
}

}  // namespace

Result<int> runCrl(CommandContext& context) {
    return dispatch(context, "crl", kUsage,
                    {{"add", add}, {"list", list}, {"remove", [](CommandContext& c) {
                                                        return removeById(c, "CRL",
                                                                          &TrustService::removeCrl);
                                                    }}});
}

}  // namespace peertrust::cli
