// peertrust-ssh-known-hosts: OpenSSH's KnownHostsCommand, as `peertrust ssh-known-hosts` but a
// program of its own. ssh starts it at every connection, so it links only what asking the
// daemon takes (sdbus-c++ and the generated proxy): no GnuTLS, no SQLite, no libpeertrust,
// about a third less start-up time (bench/SshKnownHostsBench.cpp prints both).
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "DbusErrors.h"
#include "Trust1Proxy.h"
#include "cli/Arguments.h"
#include "cli/ExitCodes.h"
#include "cli/KnownHostsAnswer.h"

namespace {

using peertrust::Result;
namespace cli = peertrust::cli;

constexpr std::string_view kProgram = "peertrust-ssh-known-hosts";

// Calls only: without registerProxy() the bus sends this connection no signals.
class Trust1Calls final : public sdbus::ProxyInterfaces<org::peertrust::Trust1_proxy> {
public:
    explicit Trust1Calls(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, peertrust::wire::kBusName, peertrust::wire::kObjectPath) {}
    ~Trust1Calls() { unregisterProxy(); }

private:
    void onChanged(const std::string&, const std::string&) override {}
};

Result<std::vector<peertrust::KnownKey>> pinnedKeys(Trust1Calls& daemon, const std::string& peer) {
    std::vector<peertrust::KnownKey> out;
    for (const auto& entry : daemon.PinnedKeys("ssh", peer)) {
        peertrust::KnownKey key;
        key.pinId = entry.get<0>();
        key.protocol = entry.get<1>();
        PEERTRUST_TRY_ASSIGN(key.keyFormat, peertrust::parseKeyFormat(entry.get<2>()));
        const std::string& text = entry.get<3>();
        key.key.assign(text.begin(), text.end());
        out.push_back(std::move(key));
    }
    return out;
}

Result<int> run(int argc, char** argv) {
    cli::Arguments args(std::vector<std::string>(argv + 1, argv + argc));
    if (args.helpRequested()) {
        std::cout << "usage: " << kProgram << " [--system] ...\n"
                  << "  --system  ask the system daemon (default: the session's)\n"
                  << cli::knownHostsUsage(kProgram);
        return 0;
    }
    const bool system = args.flag("system");
    PEERTRUST_TRY_ASSIGN(cli::KnownHostsQuery query, cli::readKnownHostsQuery(args, kProgram));
    try {
        auto connection =
            system ? sdbus::createSystemBusConnection() : sdbus::createSessionBusConnection();
        Trust1Calls daemon(*connection);
        cli::KnownHostsSource source{
            [&daemon](const std::string& peer) { return pinnedKeys(daemon, peer); },
            [&daemon](const std::string& peer, const std::string& keyLine, bool pinOnFirstUse)
                -> Result<std::pair<peertrust::VerdictKind, std::string>> {
                std::map<std::string, sdbus::Variant> options;
                if (pinOnFirstUse) {
                    options.emplace("pin-on-first-use", sdbus::Variant(true));
                }
                std::string verdict, reason;
                try {
                    auto answer = daemon.Verify(
                        "ssh", peer, std::string(toString(peertrust::KeyFormat::OpenSsh)), keyLine,
                        options);
                    verdict = std::get<0>(answer);
                    reason = std::get<1>(answer);
                } catch (const sdbus::Error& e) {
                    return peertrust::wire::fromDbusError(e);  // the caller tells errors apart
                }
                for (auto kind :
                     {peertrust::VerdictKind::Accepted, peertrust::VerdictKind::Rejected}) {
                    if (verdict == toString(kind)) {
                        return std::pair{kind, reason};
                    }
                }
                return std::pair{peertrust::VerdictKind::Unknown, reason};
            }};
        PEERTRUST_TRY(cli::answerKnownHosts(query, source, std::cout));
    } catch (const sdbus::Error& e) {
        return peertrust::wire::fromDbusError(e);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return cli::exitCodeOf(kProgram, [&] { return run(argc, argv); });
}
