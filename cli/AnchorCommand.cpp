// peertrust anchor add|list|remove|scope|import-system|export
#include <ostream>

#include "cli/Command.h"
#include "cli/Json.h"
#include "cli/Table.h"
#include "peertrust/DisplayText.h"
#include "peertrust/TimeFormat.h"
#include "store/AtomicFile.h"

namespace peertrust::cli {

namespace {

constexpr const char* kUsage =
    "usage: peertrust anchor add FILE [--protocols P,..] [--permit NAME,..] [--exclude NAME,..]\n"
    "                            [--not-after DATE] [--label L]\n"
    "       peertrust anchor list [--json]\n"
    "       peertrust anchor remove ID\n"
    "       peertrust anchor scope ID ([--protocols P,..] [--permit NAME,..] [--exclude NAME,..]\n"
    "                                 [--not-after DATE] | --unlimited)\n"
    "anchor scope replaces the whole scope: an option left out is a limit lifted.\n"
    "       peertrust anchor import-system [BUNDLE]\n"
    "       peertrust anchor export [--format pem] [--purpose PURPOSE] [-o FILE]\n"
    "PURPOSE: server-auth, client-auth, email or code-signing; without it the file is for\n"
    "every use and holds only anchors for every protocol. FILE is replaced atomically.\n"
    "NAME: .example.org (the domain and below), 192.0.2.0/24, @example.org (mailboxes).\n"
    "DATE: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC).\n";

constexpr const char* kDebianBundle = "/etc/ssl/certs/ca-certificates.crt";

// The items of a list option given on the command line. An empty list is a usage error:
// "--protocols \"$P\"" with P unset would otherwise lift the limit it was meant to set.
Result<std::vector<std::string>> listOption(const char* flag, const std::string& text) {
    std::vector<std::string> items = splitList(text);
    if (items.empty()) {
        return usageError(std::string("--") + flag +
                          " needs at least one item; leave the option out for no limit");
    }
    return items;
}

Result<AnchorScope> readScope(Arguments& args) {
    AnchorScope scope;
    PEERTRUST_TRY_ASSIGN(auto protocols, args.value("protocols"));
    PEERTRUST_TRY_ASSIGN(auto permit, args.value("permit"));
    PEERTRUST_TRY_ASSIGN(auto exclude, args.value("exclude"));
    PEERTRUST_TRY_ASSIGN(auto notAfter, args.value("not-after"));
    if (protocols) {
        PEERTRUST_TRY_ASSIGN(scope.protocols, listOption("protocols", *protocols));
    }
    if (permit) {
        PEERTRUST_TRY_ASSIGN(auto names, listOption("permit", *permit));
        for (const auto& name : names) {
            scope.permitted.push_back(nameSubtreeFromText(name));
        }
    }
    if (exclude) {
        PEERTRUST_TRY_ASSIGN(auto names, listOption("exclude", *exclude));
        for (const auto& name : names) {
            scope.excluded.push_back(nameSubtreeFromText(name));
        }
    }
    if (notAfter) {
        PEERTRUST_TRY_ASSIGN(scope.notAfter, parseIsoTime(*notAfter));
    }
    return scope;
}

std::string describeScope(const AnchorScope& scope) {
    std::string out = scope.protocols.empty() ? "all protocols" : "";
    for (const auto& p : scope.protocols) {
        out += (out.empty() ? "" : ",") + p;
    }
    for (const auto& tree : scope.permitted) {
        out += " +" + toString(tree);
    }
    for (const auto& tree : scope.excluded) {
        out += " -" + toString(tree);
    }
    if (scope.notAfter) {
        out += " until " + isoTime(*scope.notAfter);
    }
    return out;
}

std::string describeExport(const ClientExport& client) {
    return std::string(toString(client.level));
}

void writeClient(JsonWriter& json, const char* name, const ClientExport& client) {
    json.key(name).beginObject();
    json.key("level").value(toString(client.level));
    json.key("purposes").stringArray(client.purposes);
    json.key("why").value(client.why);
    json.endObject();
}

Result<int> add(CommandContext& context) {
    Arguments& args = context.args;
    PEERTRUST_TRY_ASSIGN(auto label, args.value("label"));
    PEERTRUST_TRY_ASSIGN(AnchorScope scope, readScope(args));
    auto file = args.positional();
    PEERTRUST_TRY(args.finish());
    if (!file) {
        return usageError("anchor add needs a certificate FILE");
    }
    PEERTRUST_TRY_ASSIGN(Bytes certificate, readInputFile(*file));
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome,
                         service->addAnchor({std::move(certificate), scope, label.value_or("")}));
    context.out << addedMessage("anchor", outcome) << '\n';
    return 0;
}

Result<int> list(CommandContext& context) {
    bool json = context.args.flag("json");
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(auto anchors, service->listAnchors());
    if (json) {
        JsonWriter out;
        out.beginObject().key("anchors").beginArray();
        for (const AnchorInfo& a : anchors) {
            out.beginObject();
            out.key("id").value(a.id);
            out.key("label").value(a.label);
            out.key("subject").value(a.subject);
            out.key("source").value(a.source);
            out.key("layer").value(toString(a.layer));
            out.key("fingerprint").value(a.fingerprint);
            out.key("spki_sha256").value(a.spkiSha256);
            out.key("created").value(isoTime(a.created));
            out.key("not_after").value(isoTime(a.certificateNotAfter));
            out.key("distrusted").value(a.distrusted);
            out.key("scope").beginObject();
            out.key("protocols").stringArray(a.scope.protocols);
            std::vector<std::string> permit, exclude;
            for (const auto& t : a.scope.permitted) {
                permit.push_back(toString(t));
            }
            for (const auto& t : a.scope.excluded) {
                exclude.push_back(toString(t));
            }
            out.key("permit").stringArray(permit);
            out.key("exclude").stringArray(exclude);
            out.key("not_after")
                .value(a.scope.notAfter ? std::optional(isoTime(*a.scope.notAfter)) : std::nullopt);
            out.endObject();
            out.key("exports").beginObject();
            writeClient(out, "gnutls", a.exports.gnutls);
            writeClient(out, "nss", a.exports.nss);
            writeClient(out, "pem_file", a.exports.pemFile);
            out.endObject();
            out.endObject();
        }
        out.endArray().endObject();
        context.out << out.str() << '\n';
        return 0;
    }
    // What each kind of client gets from each anchor is part of the listing: no surprise that
    // an smtp-only anchor is nobody's serverAuth anchor.
    Table table({"ID", "LABEL", "SCOPE", "GNUTLS", "NSS", "PEM FILE", "STORE", "FINGERPRINT"});
    for (const AnchorInfo& a : anchors) {
        table.addRow({a.id, a.label + (a.distrusted ? " (distrusted)" : ""), describeScope(a.scope),
                      describeExport(a.exports.gnutls), describeExport(a.exports.nss),
                      describeExport(a.exports.pemFile), std::string(toString(a.layer)),
                      a.fingerprint});
    }
    table.print(context.out);
    return 0;
}

Result<int> scope(CommandContext& context) {
    const bool unlimited = context.args.flag("unlimited");
    PEERTRUST_TRY_ASSIGN(AnchorScope newScope, readScope(context.args));
    auto id = context.args.positional();
    PEERTRUST_TRY(context.args.finish());
    if (!id) {
        return usageError("anchor scope needs an ID");
    }
    // Widening an anchor to everything is said, not implied by options forgotten.
    const bool limited = newScope != AnchorScope{};
    if (limited == unlimited) {
        return usageError(unlimited ? "anchor scope: --unlimited takes no other scope option"
                                    : "anchor scope replaces the whole scope: give the new "
                                      "scope's options, or --unlimited to lift every limit");
    }
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY(service->setAnchorScope(*id, newScope));
    context.out << "anchor " << *id << " now admits " << describeScope(newScope) << '\n';
    return 0;
}

Result<int> importSystem(CommandContext& context) {
    auto bundle = context.args.positional();
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(Bytes data, readInputFile(bundle.value_or(kDebianBundle)));
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(ImportSummary summary, service->importSystemAnchors(data));
    context.out << "imported " << summary.imported << ", already present " << summary.alreadyPresent
                << ", skipped " << summary.skipped << " (scope: the tls family)\n";
    for (const auto& reason : summary.skippedReasons) {
        context.out << "  skipped: " << displayText(reason) << '\n';
    }
    return 0;
}

// Only what a file can carry without over-trust (DESIGN.md, "Never over-trust"); the file's
// header names what was left out and why.
Result<int> exportBundle(CommandContext& context) {
    Arguments& args = context.args;
    PEERTRUST_TRY_ASSIGN(auto format, args.value("format"));
    PEERTRUST_TRY_ASSIGN(auto purpose, args.value("purpose"));
    PEERTRUST_TRY_ASSIGN(auto output, args.value("output", 'o'));
    PEERTRUST_TRY(args.finish());
    if (format && *format != "pem") {
        return usageError("--format: only pem is known");
    }
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(AnchorBundle bundle, service->exportAnchors(purpose.value_or("")));
    if (!output || *output == "-") {
        context.out << bundle.pem;
        return 0;
    }
    PEERTRUST_TRY(store::writeFileAtomically(*output, bundle.pem));
    context.out << "wrote " << bundle.included << " anchors to " << *output << " ("
                << bundle.leftOut << " left out; see the file's header)\n";
    return 0;
}

}  // namespace

Result<int> runAnchor(CommandContext& context) {
    return dispatch(
        context, "anchor", kUsage,
        {{"add", add},
         {"list", list},
         {"remove",
          [](CommandContext& c) { return removeById(c, "anchor", &TrustService::removeAnchor); }},
         {"scope", scope},
         {"import-system", importSystem},
         {"export", exportBundle}});
}

}  // namespace peertrust::cli
