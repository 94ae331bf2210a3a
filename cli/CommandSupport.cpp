#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/Command.h"
#include "peertrust/TimeFormat.h"

namespace peertrust::cli {

namespace {
constexpr std::size_t kMaxInputFile = 8 * 1024 * 1024;
}

Result<Bytes> readInputFile(const std::string& path) {
    if (path.empty()) {
        return usageError("a FILE argument is empty");
    }
    std::ifstream in;
    std::istream* stream = &std::cin;
    if (path != "-") {
        // A directory opens, then reads as nothing: it is no input, said before any reading.
        struct stat st {};
        if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            return notFound(path + ": is a directory, not a file");
        }
        in.open(path, std::ios::binary);
        if (!in) {
            return notFound(path + ": cannot open (" + std::strerror(errno) + ")");
        }
        stream = &in;
    }
    Bytes data;
    char buffer[65536];
    while (*stream) {
        stream->read(buffer, sizeof buffer);
        data.insert(data.end(), buffer, buffer + stream->gcount());
        if (data.size() > kMaxInputFile) {
            return invalidInput(path + ": larger than " + std::to_string(kMaxInputFile) + " bytes");
        }
    }
    // End of file sets eofbit and failbit; badbit is a read that failed: what was read is
    // only part of the file, and a part is not taken for the whole.
    if (stream->bad()) {
        return notFound(path + ": cannot read (" + std::strerror(errno) + ")");
    }
    return data;
}

std::string isoTime(UnixTime time) {
    return formatIsoTime(time);
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = std::min(text.find(',', start), text.size());
        if (end > start) {
            items.push_back(text.substr(start, end - start));
        }
        start = end + 1;
    }
    return items;
}

Result<KeyOption> keyOption(Arguments& args) {
    std::optional<KeyOption> chosen;
    for (auto [flag, format] :
         {std::pair{"chain", KeyFormat::X509Chain}, std::pair{"spki", KeyFormat::Spki},
          std::pair{"ssh-key", KeyFormat::OpenSsh}}) {
        PEERTRUST_TRY_ASSIGN(std::optional<std::string> file, args.value(flag));
        if (file) {
            if (chosen) {
                return usageError("give one of --chain, --spki and --ssh-key");
            }
            chosen = KeyOption{format, *file};
        }
    }
    if (!chosen) {
        return usageError("the key is missing: --chain FILE, --spki FILE or --ssh-key FILE");
    }
    return *chosen;
}

Result<std::pair<KeyFormat, Bytes>> readKeyFile(const KeyOption& option) {
    PEERTRUST_TRY_ASSIGN(Bytes data, readInputFile(option.path));
    return std::pair{option.format, std::move(data)};
}

std::string addedMessage(const std::string& what, const AddOutcome& outcome) {
    return outcome.created ? "added " + what + " " + outcome.id
                           : what + " " + outcome.id + " already exists; nothing changed";
}

Result<int> dispatch(CommandContext& context, const char* command, const char* usage,
                     std::initializer_list<Action> actions) {
    bool help = context.args.helpRequested();
    auto action = context.args.positional();
    if (help) {
        context.out << usage;
        return 0;
    }
    std::string names;
    for (const Action& a : actions) {
        names += (names.empty() ? "" : ", ") + std::string(a.name);
        if (action && *action == a.name) {
            return a.run(context);
        }
    }
    if (!action) {
        return usageError(std::string(command) + " needs an action: " + names + "\n" + usage);
    }
    return usageError("unknown " + std::string(command) + " action \"" + *action + "\" (" + names +
                      ")");
}

Result<int> removeById(CommandContext& context, const char* what,
                       Result<void> (TrustService::*remove)(const std::string&)) {
    auto id = context.args.positional();
    if (!id) {
        return usageError(std::string(what) + " remove needs an ID");
    }
    PEERTRUST_TRY(context.args.finish());
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    PEERTRUST_TRY((service->*remove)(*id));
    context.out << "removed " << what << " " << *id << '\n';
    return 0;
}

}  // namespace peertrust::cli
