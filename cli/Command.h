// What every subcommand gets: its arguments, the trust service and the key administration
// (each connected on first use, so a wrong command line is reported before anything is
// contacted) and the output streams.
#pragma once

#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <string>

#include "cli/Arguments.h"
#include "peertrust/KeysClient.h"
#include "peertrust/TrustService.h"

namespace peertrust::cli {

struct CommandContext {
    Arguments& args;
    std::function<Result<TrustService*>()> service;
    std::ostream& out;
    std::function<Result<KeysClient*>()> keys;
};

// Each returns the exit code on success (0, or a verdict's 1/2); errors map to exit codes.
Result<int> runVerify(CommandContext& context);
Result<int> runPin(CommandContext& context);
Result<int> runAnchor(CommandContext& context);
Result<int> runDistrust(CommandContext& context);
Result<int> runCrl(CommandContext& context);
Result<int> runProtocol(CommandContext& context);
Result<int> runKeys(CommandContext& context);
Result<int> runSshKnownHosts(CommandContext& context);

// Shared helpers.
Result<Bytes> readInputFile(const std::string& path);
std::string isoTime(UnixTime time);
std::vector<std::string> splitList(const std::string& text);
// --chain/--spki/--ssh-key FILE: exactly one of them. Only the option: read the file with
// readKeyFile after Arguments::finish(), so that a usage error is found before any reading.
struct KeyOption {
    KeyFormat format;
    std::string path;
};
Result<KeyOption> keyOption(Arguments& args);
Result<std::pair<KeyFormat, Bytes>> readKeyFile(const KeyOption& option);
std::string addedMessage(const std::string& what, const AddOutcome& outcome);

// "COMMAND ACTION ...": runs the named action, or explains what the actions are.
struct Action {
    const char* name;
    Result<int> (*run)(CommandContext&);
};
Result<int> dispatch(CommandContext& context, const char* command, const char* usage,
                     std::initializer_list<Action> actions);

// "COMMAND remove ID" for pins, anchors, distrust entries and CRLs.
Result<int> removeById(CommandContext& context, const char* what,
                       Result<void> (TrustService::*remove)(const std::string&));

}  // namespace peertrust::cli
