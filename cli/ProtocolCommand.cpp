// peertrust protocol list [--json] | add NAME --family F --policy tofu|ca-only
#include <ostream>

#include "cli/Command.h"
#include "cli/Json.h"
#include "cli/Table.h"

namespace peertrust::cli {

namespace {

constexpr const char* kUsage =
    "usage: peertrust protocol list [--json]\n"
    "       peertrust protocol add NAME --family F --policy tofu|ca-only\n";

Result<int> list(CommandContext& context) {
    bool json = context.args.flag("json");
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(auto protocols, service->listProtocols());
    if (json) {
        JsonWriter out;
        out.beginObject().key("protocols").beginArray();
        for (const ProtocolInfo& p : protocols) {
            out.beginObject();
            out.key("name").value(p.name);
            out.key("family").value(p.family);
            out.key("purpose").value(p.purposeOid.empty() ? std::nullopt
                                                          : std::optional(p.purposeOid));
            out.key("policy").value(toString(p.policy));
            out.key("builtin").value(p.builtin);
            out.endObject();
        }
        out.endArray().endObject();
        context.out << out.str() << '\n';
        return 0;
    }
    Table table({"NAME", "FAMILY", "PURPOSE", "POLICY"});
    for (const ProtocolInfo& p : protocols) {
        table.addRow({p.name, p.family, p.purposeOid.empty() ? "-" : p.purposeOid,
                      std::string(toString(p.policy))});
    }
    table.print(context.out);
    return 0;
}

Result<int> add(CommandContext& context) {
    // Options first: until their values are taken, "--family tls NAME" would read tls as NAME.
    PEERTRUST_TRY_ASSIGN(auto family, context.args.value("family"));
    PEERTRUST_TRY_ASSIGN(auto policy, context.args.value("policy"));
    auto name = context.args.positional();
    PEERTRUST_TRY(context.args.finish());
    if (!name || !family || !policy) {
        return usageError("protocol add needs NAME, --family and --policy");
    }
    PEERTRUST_TRY_ASSIGN(ProtocolPolicy parsed, parseProtocolPolicy(*policy));
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome, service->addProtocol({*name, *family, parsed}));
    context.out << (outcome.created ? "protocol " + outcome.id + " set"
                                    : "protocol " + outcome.id + " already set so; nothing changed")
                << '\n';
    return 0;
}

}  // namespace

Result<int> runProtocol(CommandContext& context) {
    return dispatch(context, "protocol", kUsage, {{"list", list}, {"add", add}});
}

}  // namespace peertrust::cli
