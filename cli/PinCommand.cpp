// peertrust pin add|list|remove|forget|import-known-hosts|import-gnutls
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <map>
#include <ostream>

#include "cli/Command.h"
#include "cli/Json.h"
#include "cli/Table.h"
#include "peertrust/DisplayText.h"

namespace peertrust::cli {

namespace {

constexpr const char* kUsage =
    "usage: peertrust pin add --protocol P --peer NAME (--chain|--spki|--ssh-key) FILE "
    "[--replace]\n"
    "       peertrust pin list [--json]\n"
    "       peertrust pin remove ID\n"
    "       peertrust pin forget (--peer NAME | --older-than DAYS)\n"
    "       peertrust pin import-known-hosts [FILE] [--json]   (default ~/.ssh/known_hosts)\n"
    "       peertrust pin import-gnutls [FILE] [--json]        (default ~/.gnutls/known_hosts)\n";

Result<int> add(CommandContext& context) {
    Arguments& args = context.args;
    PEERTRUST_TRY_ASSIGN(auto protocol, args.value("protocol"));
    PEERTRUST_TRY_ASSIGN(auto peer, args.value("peer"));
    bool replace = args.flag("replace");
    if (!protocol || !peer) {
        return usageError("pin add needs --protocol and --peer");
    }
    PEERTRUST_TRY_ASSIGN(KeyOption keyFile, keyOption(args));
    PEERTRUST_TRY(args.finish());
    PEERTRUST_TRY_ASSIGN(auto key, readKeyFile(keyFile));
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome,
                         service->addPin({*protocol, *peer, key.first, std::move(key.second),
                                          replace, PinOrigin::Manual}));
    if (replace && !outcome.created) {
        // Other keys may just have gone: "nothing changed" would not be true.
        context.out << "pin " << outcome.id << " was already pinned; it is now the only key for "
                    << *peer << " over " << *protocol << '\n';
    } else {
        context.out << addedMessage("pin", outcome) << '\n';
    }
    return 0;
}

Result<int> list(CommandContext& context) {
    bool json = context.args.flag("json");
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(auto pins, service->listPins());
    if (json) {
        JsonWriter out;
        out.beginObject().key("pins").beginArray();
        for (const PinInfo& pin : pins) {
            out.beginObject();
            out.key("id").value(pin.id);
            out.key("peer").value(pin.peer);
            out.key("protocol").value(pin.protocol);
            out.key("key_format").value(toString(pin.keyFormat));
            out.key("fingerprint").value(pin.fingerprint);
            out.key("spki_sha256").value(pin.spkiSha256);
            out.key("first_seen").value(isoTime(pin.firstSeen));
            out.key("last_seen")
                .value(pin.lastSeen ? std::optional(isoTime(*pin.lastSeen)) : std::nullopt);
            out.key("seen_count").value(static_cast<std::int64_t>(pin.seenCount));
            out.key("origin").value(toString(pin.origin));
            out.key("layer").value(toString(pin.layer));
            out.endObject();
        }
        out.endArray().endObject();
        context.out << out.str() << '\n';
        return 0;
    }
    Table table(
        {"ID", "PEER", "PROTOCOL", "FINGERPRINT", "ORIGIN", "FIRST SEEN", "LAST SEEN", "STORE"});
    for (const PinInfo& pin : pins) {
        table.addRow({pin.id, pin.peer, pin.protocol, pin.fingerprint,
                      std::string(toString(pin.origin)), isoTime(pin.firstSeen),
                      pin.lastSeen ? isoTime(*pin.lastSeen) : "-",
                      std::string(toString(pin.layer))});
    }
    table.print(context.out);
    return 0;
}

Result<int> forget(CommandContext& context) {
    PEERTRUST_TRY_ASSIGN(auto peer, context.args.value("peer"));
    PEERTRUST_TRY_ASSIGN(auto days, context.args.value("older-than"));
    PEERTRUST_TRY(context.args.finish());
    if (peer.has_value() == days.has_value()) {
        return usageError("pin forget needs either --peer NAME or --older-than DAYS");
    }
    PinForgetRequest request;
    request.peer = peer;
    if (days) {
        PEERTRUST_TRY_ASSIGN(std::int64_t count, parseInteger("older-than", *days));
        // Bounded so that count * 86400 cannot wrap into a cutoff in the future, which would
        // forget every pin.
        constexpr std::int64_t kMaxDays = 1000000;
        if (count < 0 || count > kMaxDays) {
            return usageError("--older-than needs a number of days from 0 to " +
                              std::to_string(kMaxDays));
        }
        request.seenBefore = static_cast<UnixTime>(std::time(nullptr)) - count * 86400;
    }
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(std::size_t removed, service->forgetPins(request));
    context.out << "forgot " << removed << (removed == 1 ? " pin" : " pins") << '\n';
    return 0;
}

std::string homeFile(const char* relative) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
        if (const passwd* entry = ::getpwuid(::getuid())) {
            home = entry->pw_dir;
        }
    }
    return std::string(home != nullptr ? home : "") + "/" + relative;
}

// The CLI reads the file and sends its bytes: the daemon never opens a user's file by path.
// A missing file is 66; content with not one entry 65; bad lines among good ones only count.
Result<int> importFile(CommandContext& context, const char* defaultFile,
                       Result<ImportSummary> (TrustService::*import)(const Bytes&)) {
    auto file = context.args.positional();
    bool json = context.args.flag("json");
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(Bytes data, readInputFile(file.value_or(homeFile(defaultFile))));
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(ImportSummary summary, (service->*import)(data));
    std::map<std::string, std::int64_t> byKind;
    for (const ImportIssue& issue : summary.issues) {
        ++byKind[issue.kind];
    }
    if (json) {
        JsonWriter out;
        out.beginObject();
        out.key("imported").value(static_cast<std::int64_t>(summary.imported));
        out.key("already_present").value(static_cast<std::int64_t>(summary.alreadyPresent));
        out.key("distrust_added").value(static_cast<std::int64_t>(summary.distrustAdded));
        out.key("skipped").value(static_cast<std::int64_t>(summary.skipped));
        out.key("skipped_by_kind").beginObject();
        for (const auto& [kind, count] : byKind) {
            out.key(kind).value(count);
        }
        out.endObject();
        out.key("skipped_entries").beginArray();
        for (const ImportIssue& issue : summary.issues) {
            out.beginObject();
            out.key("line").value(static_cast<std::int64_t>(issue.line));
            out.key("kind").value(issue.kind);
            out.key("reason").value(issue.reason);
            out.endObject();
        }
        out.endArray().endObject();
        context.out << out.str() << '\n';
        return 0;
    }
    context.out << "imported " << summary.imported << ", already present " << summary.alreadyPresent
                << ", distrust added " << summary.distrustAdded << ", skipped " << summary.skipped
                << '\n';
    if (!byKind.empty()) {
        context.out << "skipped by kind:";
        for (const auto& [kind, count] : byKind) {
            context.out << ' ' << kind << ' ' << count;
        }
        context.out << '\n';
    }
    for (const auto& reason : summary.skippedReasons) {
        context.out << "  " << displayText(reason) << '\n';
    }
    return 0;
}

}  // namespace

Result<int> runPin(CommandContext& context) {
    return dispatch(
        context, "pin", kUsage,
        {{"add", add},
         {"list", list},
         {"remove",
          [](CommandContext& c) { return removeById(c, "pin", &TrustService::removePin); }},
         {"forget", forget},
         {"import-known-hosts",
          [](CommandContext& c) {
              return importFile(c, ".ssh/known_hosts", &TrustService::importKnownHosts);
          }},
         {"import-gnutls", [](CommandContext& c) {
              return importFile(c, ".gnutls/known_hosts", &TrustService::importGnutlsKnownHosts);
          }}});
}

}  // namespace peertrust::cli
