// peertrust keys create|import-cert|grant|revoke|dispose|list|audit: the key layer's
// administration through the daemon (org.peertrust.Keys1). The keys themselves are used
// through PKCS#11, never here.
#include <pwd.h>

#include <cctype>
#include <ostream>
#include <vector>

#include "cli/Command.h"
#include "cli/Json.h"
#include "cli/Table.h"
#include "peertrust/TimeFormat.h"

namespace peertrust::cli {

namespace {

constexpr const char* kUsage =
    "usage: peertrust keys create --type ec-p256|ec-p384|rsa-2048|rsa-3072 --use sign|decrypt\n"
    "                             --label L [--set NAME]\n"
    "       peertrust keys import-cert KEY FILE\n"
    "       peertrust keys grant KEY|SET --uid U [--until DATE]\n"
    "       peertrust keys revoke KEY|SET --uid U\n"
    "       peertrust keys dispose KEY\n"
    "       peertrust keys list [--json]\n"
    "       peertrust keys audit [--since DATE] [--json]\n"
    "KEY: an id, a unique prefix of one, or a label. SET: a set name (one token each).\n"
    "U: a uid or a user name. DATE: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC).\n"
    "Only root and the admin group (system bus) or the session's user may change keys;\n"
    "list shows anyone else the keys it may use.\n";

// A uid as a number or a user name; names are looked up here, where the person typed them.
Result<uid_t> parseUid(const std::string& text) {
    if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front()))) {
        PEERTRUST_TRY_ASSIGN(std::int64_t number, parseInteger("uid", text));
        if (number < 0 || number > 0xfffffffe) {
            return usageError("--uid " + text + " is not a uid");
        }
        return static_cast<uid_t>(number);
    }
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (getpwnam_r(text.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr) {
        return notFound("no user named \"" + text + "\"");
    }
    return found->pw_uid;
}

Result<uid_t> requiredUid(Arguments& args, const char* action) {
    PEERTRUST_TRY_ASSIGN(auto uid, args.value("uid"));
    if (!uid) {
        return usageError(std::string("keys ") + action + " needs --uid U");
    }
    return parseUid(*uid);
}

Result<std::string> requiredPositional(Arguments& args, const char* action, const char* what) {
    auto word = args.positional();
    if (!word) {
        return usageError(std::string("keys ") + action + " needs " + what);
    }
    return *word;
}

Result<int> create(CommandContext& context) {
    Arguments& args = context.args;
    PEERTRUST_TRY_ASSIGN(auto type, args.value("type"));
    PEERTRUST_TRY_ASSIGN(auto use, args.value("use"));
    PEERTRUST_TRY_ASSIGN(auto label, args.value("label"));
    PEERTRUST_TRY_ASSIGN(auto set, args.value("set"));
    PEERTRUST_TRY(args.finish());
    if (!type || !use || !label) {
        return usageError("keys create needs --type, --use and --label");
    }
    PEERTRUST_TRY_ASSIGN(KeysClient * keys, context.keys());
    PEERTRUST_TRY_ASSIGN(KeyInfo key, keys->create({*type, *use, *label, set.value_or("")}));
    context.out << "created key " << key.id << " (" << key.type << ", " << key.use << ") in set "
                << key.set << '\n'
                << key.uri << '\n';
    return 0;
}

Result<int> importCert(CommandContext& context) {
    PEERTRUST_TRY_ASSIGN(std::string key, requiredPositional(context.args, "import-cert", "KEY"));
    PEERTRUST_TRY_ASSIGN(std::string file,
                         requiredPositional(context.args, "import-cert", "a certificate FILE"));
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(Bytes certificate, readInputFile(file));
    PEERTRUST_TRY_ASSIGN(KeysClient * keys, context.keys());
    PEERTRUST_TRY(keys->importCertificate(key, certificate));
    context.out << "attached the certificate to key " << key << '\n';
    return 0;
}

Result<int> grant(CommandContext& context) {
    PEERTRUST_TRY_ASSIGN(uid_t uid, requiredUid(context.args, "grant"));
    PEERTRUST_TRY_ASSIGN(auto untilText, context.args.value("until"));
    PEERTRUST_TRY_ASSIGN(std::string subject,
                         requiredPositional(context.args, "grant", "a KEY or SET"));
    PEERTRUST_TRY(context.args.finish());
    std::optional<UnixTime> until;
    if (untilText) {
        PEERTRUST_TRY_ASSIGN(until, parseIsoTime(*untilText));
    }
    PEERTRUST_TRY_ASSIGN(KeysClient * keys, context.keys());
    PEERTRUST_TRY(keys->grant(subject, uid, until));
    context.out << "granted " << subject << " to uid " << uid
                << (until ? " until " + isoTime(*until) : std::string()) << '\n';
    return 0;
}

Result<int> revoke(CommandContext& context) {
    PEERTRUST_TRY_ASSIGN(uid_t uid, requiredUid(context.args, "revoke"));
    PEERTRUST_TRY_ASSIGN(std::string subject,
                         requiredPositional(context.args, "revoke", "a KEY or SET"));
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(KeysClient * keys, context.keys());
    PEERTRUST_TRY(keys->revoke(subject, uid));
    context.out << "revoked " << subject << " from uid " << uid << '\n';
    return 0;
}

Result<int> dispose(CommandContext& context) {
    PEERTRUST_TRY_ASSIGN(std::string key, requiredPositional(context.args, "dispose", "a KEY"));
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(KeysClient * keys, context.keys());
    PEERTRUST_TRY(keys->dispose(key));
    context.out << "disposed of key " << key << " (destroyed in the backend)\n";
    return 0;
}

void writeKey(JsonWriter& out, const KeyInfo& key) {
    out.beginObject();
    out.key("id").value(key.id);
    out.key("label").value(key.label);
    out.key("set").value(key.set);
    out.key("type").value(key.type);
    out.key("use").value(key.use);
    out.key("uri").value(key.uri);
    out.key("public_key").value(key.publicKeyPem);
    out.key("certificate").value(key.certificate);
    out.key("created").value(isoTime(key.created));
    out.key("grants").beginArray();
    for (const KeyGrantInfo& grant : key.grants) {
        out.beginObject();
        out.key("kind").value(grant.kind);
        out.key("subject").value(grant.subject);
        out.key("uid").value(static_cast<std::int64_t>(grant.uid));
        out.key("until").value(grant.until ? std::optional(isoTime(*grant.until)) : std::nullopt);
        out.endObject();
    }
    out.endArray();
    out.endObject();
}

Result<int> list(CommandContext& context) {
    bool json = context.args.flag("json");
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(KeysClient * keys, context.keys());
    PEERTRUST_TRY_ASSIGN(auto listed, keys->list());
    if (json) {
        JsonWriter out;
        out.beginObject().key("keys").beginArray();
        for (const KeyInfo& key : listed) {
            writeKey(out, key);
        }
        out.endArray().endObject();
        context.out << out.str() << '\n';
        return 0;
    }
    Table table({"ID", "LABEL", "SET", "TYPE", "USE", "URI"});
    for (const KeyInfo& key : listed) {
        table.addRow({key.id, key.label, key.set, key.type, key.use, key.uri});
    }
    table.print(context.out);
    return 0;
}

std::string isoTimeMs(std::int64_t ms) {
    const std::string seconds = isoTime(ms / 1000);  // "...T14:00:00Z"
    const std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
    return seconds.substr(0, seconds.size() - 1) + "." + fraction + "Z";
}

Result<int> audit(CommandContext& context) {
    bool json = context.args.flag("json");
    PEERTRUST_TRY_ASSIGN(auto sinceText, context.args.value("since"));
    PEERTRUST_TRY(context.args.finish());
    std::int64_t sinceMs = 0;
    if (sinceText) {
        PEERTRUST_TRY_ASSIGN(UnixTime since, parseIsoTime(*sinceText));
        sinceMs = since * 1000;
    }
    PEERTRUST_TRY_ASSIGN(KeysClient * keys, context.keys());
    PEERTRUST_TRY_ASSIGN(auto rows, keys->audit(sinceMs));
    if (json) {
        JsonWriter out;
        out.beginObject().key("audit").beginArray();
        for (const KeyAuditEntry& row : rows) {
            out.beginObject();
            out.key("time").value(isoTimeMs(row.atMs));
            out.key("time_ms").value(row.atMs);
            out.key("uid").value(static_cast<std::int64_t>(row.uid));
            out.key("pid").value(static_cast<std::int64_t>(row.pid));
            out.key("key_id").value(row.keyId);
            out.key("operation").value(row.operation);
            out.key("mechanism").value(row.mechanism);
            out.key("result").value(row.result);
            out.endObject();
        }
        out.endArray().endObject();
        context.out << out.str() << '\n';
        return 0;
    }
    Table table({"TIME", "UID", "PID", "KEY", "OPERATION", "MECHANISM", "RESULT"});
    for (const KeyAuditEntry& row : rows) {
        table.addRow({isoTimeMs(row.atMs), std::to_string(row.uid), std::to_string(row.pid),
                      row.keyId, row.operation, row.mechanism, row.result});
    }
    table.print(context.out);
    return 0;
}

}  // namespace

Result<int> runKeys(CommandContext& context) {
    return dispatch(context, "keys", kUsage,
                    {{"create", create},
                     {"import-cert", importCert},
                     {"grant", grant},
                     {"revoke", revoke},
                     {"dispose", dispose},
                     {"list", list},
                     {"audit", audit}});
}

}  // namespace peertrust::cli
