// peertrust pin add|list|remove|forget
#include <ctime>
#include <ostream>

#include "cli/Command.h"
#include "cli/Json.h"
#include "cli/Table.h"

namespace peertrust::cli {

namespace {

constexpr const char* kUsage =
    "usage: peertrust pin add --protocol P --peer NAME (--chain|--spki|--ssh-key) FILE "
    "[--replace]\n"
    "       peertrust pin list [--json]\n"
    "       peertrust pin remove ID\n"
    "       peertrust pin forget (--peer NAME | --older-than DAYS)\n";

Result<int> add(CommandContext& context) {
    Arguments& args = context.args;
    PEERTRUST_TRY_ASSIGN(auto protocol, args.value("protocol"));
    PEERTRUST_TRY_ASSIGN(auto peer, args.value("peer"));
    bool replace = args.flag("replace");
    if (!protocol || !peer) {
        return usageError("pin add needs --protocol and --peer");
    }
    PEERTRUST_TRY_ASSIGN(auto key, readKeyOption(args));
    PEERTRUST_TRY(args.finish());
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(AddOutcome outcome,
                         service->addPin({*protocol, *peer, key.first, std::move(key.second),
                                          replace, PinOrigin::Manual}));
    context.out << addedMessage("pin", outcome) << '\n';
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
        if (count < 0) {
            return usageError("--older-than needs a number of days, 0 or more");
        }
        request.seenBefore = static_cast<UnixTime>(std::time(nullptr)) - count * 86400;
    }
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY_ASSIGN(std::size_t removed, service->forgetPins(request));
    context.out << "forgot " << removed << (removed == 1 ? " pin" : " pins") << '\n';
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
         {"forget", forget}});
}

}  // namespace peertrust::cli
