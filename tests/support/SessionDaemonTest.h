// A test with its own dbus-daemon, a peertrustd on it with stores in a temporary directory,
// and a connected client.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "peertrust/Client.h"
#include "support/TempDir.h"
#include "support/TestBus.h"

namespace peertrust::testing {

class SessionDaemonTest : public ::testing::Test {
protected:
    // Starts the bus and the daemon (with `extraArgs`) and connects `client`.
    void startDaemon(const std::vector<std::string>& extraArgs = {});
    // The peertrust CLI on this test's bus.
    ProgramResult cli(std::vector<std::string> args);
    // jq -e EXPRESSION over `json`: true when the expression holds.
    bool jq(const std::string& json, const std::string& expression);
    // jq -r EXPRESSION over `json`: the text it prints, without the final newline.
    std::string jqText(const std::string& json, const std::string& expression);

    TempDir dir;
    std::unique_ptr<TestBus> bus;
    std::unique_ptr<DaemonUnderTest> daemon;
    std::unique_ptr<Client> client;
};

}  // namespace peertrust::testing
