// A private dbus-daemon and a peertrustd on it, started by a test and stopped with it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace peertrust::testing {

class ChildProcess {
public:
    // Starts `argv`; extra environment entries are "NAME=value". `uid` other than -1 runs it
    // as that user (through setpriv). A `stderrPath` receives its standard error instead of the
    // test's.
    ChildProcess(const std::vector<std::string>& argv,
                 const std::vector<std::string>& environment = {},
                 uid_t uid = static_cast<uid_t>(-1), gid_t gid = static_cast<gid_t>(-1),
                 const std::filesystem::path& stderrPath = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return m_pid; }
    bool running();
    // SIGTERM and wait; the exit status (-signal when killed by one).
    int terminate();
    int wait();

private:
    pid_t m_pid = -1;
    int m_status = 0;
    bool m_reaped = false;
};

enum class BusKind { Session, System };

class TestBus {
public:
    // `uid`: run the bus as that user (a session bus admits only its own user).
    TestBus(BusKind kind, const std::filesystem::path& dir, uid_t uid = static_cast<uid_t>(-1),
            gid_t gid = static_cast<gid_t>(-1));
    const std::string& address() const { return m_address; }
    // Makes this bus the one Client::connect and child processes use.
    void exportAddress() const;
    std::string environmentEntry() const;
    // Stops the bus daemon, as when the bus goes away under its clients.
    void stop();

private:
    BusKind m_kind;
    std::string m_address;
    std::unique_ptr<ChildProcess> m_daemon;
};

// peertrustd on a TestBus; blocks until it answers.
class DaemonUnderTest {
public:
    DaemonUnderTest(const TestBus& bus, BusKind kind, const std::vector<std::string>& extraArgs,
                    uid_t uid = static_cast<uid_t>(-1), gid_t gid = static_cast<gid_t>(-1),
                    const std::filesystem::path& stderrPath = {});
    ChildProcess& process() { return *m_process; }

private:
    std::unique_ptr<ChildProcess> m_process;
};

struct ProgramResult {
    int exitCode = -1;
    std::string output;  // stdout
    std::string errors;  // stderr
};

// Runs a program to completion, optionally as another user, and captures its output.
ProgramResult runProgram(const std::vector<std::string>& argv,
                         const std::vector<std::string>& environment = {},
                         uid_t uid = static_cast<uid_t>(-1), gid_t gid = static_cast<gid_t>(-1));

// The unprivileged user tests switch to (created when missing); false when not root.
bool testUser(uid_t& uid, gid_t& gid);
// Root only: the user "peertrust-test-admin", created on first use as a member of the group
// "peertrust-test-admins" (which the system-bus tests configure as the admin group).
bool testAdministrator(uid_t& uid, gid_t& gid);

// The path of a built program (peertrustd, peertrust) from the build tree.
std::string builtProgram(const std::string& name);

}  // namespace peertrust::testing
