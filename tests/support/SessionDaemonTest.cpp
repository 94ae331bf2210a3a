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

}  // namespace peertrust::testing
