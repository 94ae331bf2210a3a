// peertrust ssh-known-hosts: OpenSSH's KnownHostsCommand. It prints known_hosts lines for the
// keys peertrust accepts for the host (its ssh pins, without distrusted keys), so that ssh
// itself enforces peertrust's decision: a key not printed is a key ssh does not know.
// peertrust-ssh-known-hosts (SshKnownHostsProgram.cpp) answers the same, starting faster.
#include "cli/Command.h"
#include "cli/KnownHostsAnswer.h"

namespace peertrust::cli {

Result<int> runSshKnownHosts(CommandContext& context) {
    constexpr std::string_view kProgram = "peertrust ssh-known-hosts";
    if (context.args.helpRequested()) {
        context.out << knownHostsUsage(kProgram);
        return 0;
    }
    PEERTRUST_TRY_ASSIGN(KnownHostsQuery query, readKnownHostsQuery(context.args, kProgram));
    PEERTRUST_TRY_ASSIGN(TrustService * service, context.service());
    KnownHostsSource source{
        [service](const std::string& peer) { return service->pinnedKeys("ssh", peer); },
        [service](const std::string& peer, const std::string& keyLine,
                  bool pinOnFirstUse) -> Result<std::pair<VerdictKind, std::string>> {
            VerifyRequest request{"ssh",
                                  peer,
                                  KeyFormat::OpenSsh,
                                  Bytes(keyLine.begin(), keyLine.end()),
                                  std::nullopt,
                                  pinOnFirstUse};
            PEERTRUST_TRY_ASSIGN(Verdict verdict, service->verify(request));
            return std::pair{verdict.kind, verdict.reason};
        }};
    PEERTRUST_TRY(answerKnownHosts(query, source, context.out));
    return 0;
}

}  // namespace peertrust::cli
