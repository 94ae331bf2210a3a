// peertrust: the command line of DESIGN.md's "CLI contract".
#include <iostream>
#include <memory>

#include "cli/Command.h"
#include "cli/ExitCodes.h"
#include "cli/ServiceConnection.h"

namespace {

constexpr const char* kUsage =
    "usage: peertrust [--session | --system] [--db PATH [--system-db PATH]] COMMAND ...\n"
    "commands:\n"
    "  verify     is a key acceptable for a peer over a protocol?\n"
    "  pin        add, list, remove, forget pinned keys (trust on first use)\n"
    "  anchor     add, list, remove, scope, import-system trust anchors\n"
    "  distrust   add, list, remove distrusted certificates and keys\n"
    "  crl        add, list, remove certificate revocation lists\n"
    "  protocol   list, add protocols\n"
    "  keys       create, grant, revoke, dispose, list private keys; read their audit\n"
    "  ssh-known-hosts  OpenSSH's KnownHostsCommand: the host keys peertrust accepts\n"
    "Run 'peertrust COMMAND --help' for a command's options.\n"
    "Exit codes: 0 success/accepted, 1 rejected, 2 unknown (first use), 64 usage,\n"
    "65 invalid value or content, 66 not found, 69 no daemon, 77 not authorised,\n"
    "70 internal error (a fault of peertrust's own: please report it).\n";

using peertrust::Result;
namespace cli = peertrust::cli;

Result<int> run(int argc, char** argv) {
    cli::Arguments args(std::vector<std::string>(argv + 1, argv + argc));
    cli::ConnectionOptions connection;
    bool system = args.flag("system");
    bool session = args.flag("session");
    if (system && session) {
        return peertrust::usageError("give --session or --system, not both");
    }
    connection.system = system;
    PEERTRUST_TRY_ASSIGN(connection.db, args.value("db"));
    PEERTRUST_TRY_ASSIGN(connection.systemDb, args.value("system-db"));

    auto command = args.positional();
    if (command == "-h") {  // read as a word, having one dash
        std::cout << kUsage;
        return 0;
    }
    if (!command) {
        if (args.helpRequested()) {
            std::cout << kUsage;
            return 0;
        }
        std::cerr << kUsage;
        return peertrust::usageError("no command given");
    }
    std::unique_ptr<peertrust::TrustService> service;
    std::unique_ptr<peertrust::KeysClient> keys;
    cli::CommandContext context{args,
                                [&]() -> Result<peertrust::TrustService*> {
                                    if (!service) {
                                        PEERTRUST_TRY_ASSIGN(service,
                                                             cli::connectService(connection));
                                    }
                                    return service.get();
                                },
                                std::cout,
                                [&]() -> Result<peertrust::KeysClient*> {
                                    if (!keys) {
                                        PEERTRUST_TRY_ASSIGN(keys, cli::connectKeys(connection));
                                    }
                                    return keys.get();
                                }};
    if (*command == "verify") {
        return cli::runVerify(context);
    }
    if (*command == "pin") {
        return cli::runPin(context);
    }
    if (*command == "anchor") {
        return cli::runAnchor(context);
    }
    if (*command == "distrust") {
        return cli::runDistrust(context);
    }
    if (*command == "crl") {
        return cli::runCrl(context);
    }
    if (*command == "protocol") {
        return cli::runProtocol(context);
    }
    if (*command == "keys") {
        return cli::runKeys(context);
    }
    if (*command == "ssh-known-hosts") {
        return cli::runSshKnownHosts(context);
    }
    if (*command == "help") {
        std::cout << kUsage;
        return 0;
    }
    return peertrust::usageError("unknown command \"" + *command + "\"");
}

}  // namespace

int main(int argc, char** argv) {
    return cli::exitCodeOf("peertrust", [&] { return run(argc, argv); });
}
