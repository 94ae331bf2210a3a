#include "support/SessionDaemonTest.h"

#include <stdexcept>

namespace peertrust::testing {

void SessionDaemonTest::startDaemon(const std::vector<std::string>& extraArgs) {
    bus = std::make_unique<TestBus>(BusKind::Session, dir.path());
    std::vector<std::string> args = {"--db", (dir / "user.db").string(), "--system-db",
                                     (dir / "system.db").string()};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    daemon = std::make_unique<DaemonUnderTest>(*bus, BusKind::Session, args);
    auto connected = Client::connect(Bus::Session);
    if (!connected) {
        throw std::runtime_error("cannot connect to the test daemon: " +
                                 connected.error().message());
    }
    client = std::move(connected).value();
}

ProgramResult SessionDaemonTest::cli(std::vector<std::string> args) {
    args.insert(args.begin(), builtProgram("peertrust"));
    return runProgram(args, {bus->environmentEntry()});
}

bool SessionDaemonTest::jq(const std::string& json, const std::string& expression) {
    writeFile(dir / "out.json", json);
    return runProgram({"/usr/bin/jq", "-e", expression, (dir / "out.json").string()}).exitCode == 0;
}

std::string SessionDaemonTest::jqText(const std::string& json, const std::string& expression) {
    writeFile(dir / "out.json", json);
    std::string text =
        runProgram({"/usr/bin/jq", "-r", expression, (dir / "out.json").string()}).output;
    if (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    return text;
}

}  // namespace peertrust::testing
