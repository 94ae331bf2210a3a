#include "support/TestBus.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "peertrust/Client.h"

extern char** environ;

namespace peertrust::testing {

namespace {

template <typename Predicate>
bool waitFor(Predicate ready, std::chrono::seconds limit = std::chrono::seconds(15)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (ready()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return ready();
}

// Output files a child may write whoever it runs as.
class TempDirForOutput {
public:
    TempDirForOutput() {
        std::string pattern = "/tmp/peertrust-run-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        m_dir = pattern;
        ::chmod(m_dir.c_str(), 0777);
    }
    ~TempDirForOutput() {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }
    std::string path(const char* name) const { return (m_dir / name).string(); }

private:
    std::filesystem::path m_dir;
};

}  // namespace

std::string builtProgram(const std::string& name) {
    std::filesystem::path build = PEERTRUST_BUILD_DIR;
    if (name == "peertrustd") {
        return (build / "daemon" / "peertrustd").string();
    }
    return (build / "cli" / name).string();
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::vector<std::string>& environment, uid_t uid, gid_t gid,
                           const std::filesystem::path& stderrPath) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        env.emplace_back(*e);
    }
    for (const auto& entry : environment) {
        std::string name = entry.substr(0, entry.find('='));
        std::erase_if(env, [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
        env.push_back(entry);
    }
    // Another user's process is started as an administrator starts one: through setpriv(1),
    // with that user's groups, rather than by calls of our own between fork and exec.
    std::vector<std::string> command;
    if (uid != static_cast<uid_t>(-1)) {
        command = {"/usr/bin/setpriv",
                   "--reuid=" + std::to_string(uid),
                   "--regid=" + std::to_string(gid),
                   "--init-groups",
                   "--pdeathsig=keep",
                   "--"};
    }
    command.insert(command.end(), argv.begin(), argv.end());
    std::vector<char*> args, envp;
    for (const auto& a : command) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    for (const auto& e : env) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    envp.push_back(nullptr);
    m_pid = fork();
    if (m_pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (m_pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        if (!stderrPath.empty()) {
            int fd = open(stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
                _exit(125);
            }
            close(fd);
        }
        // Dies with the test: a crashed test must not leave a daemon holding ctest's pipes
        // (setpriv keeps this across its change of user).
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execve(args[0], args.data(), envp.data());
        _exit(127);
    }
}

ChildProcess::~ChildProcess() {
    if (!m_reaped && m_pid > 0) {
        kill(m_pid, SIGKILL);
        wait();
    }
}

bool ChildProcess::running() {
    if (m_reaped) {
        return false;
    }
    int status = 0;
    pid_t done = waitpid(m_pid, &status, WNOHANG);
    if (done == m_pid) {
        m_reaped = true;
        m_status = status;
        return false;
    }
    return true;
}

int ChildProcess::wait() {
    if (!m_reaped) {
        waitpid(m_pid, &m_status, 0);
        m_reaped = true;
    }
    return WIFEXITED(m_status) ? WEXITSTATUS(m_status) : -WTERMSIG(m_status);
}

int ChildProcess::terminate() {
    if (!m_reaped) {
        kill(m_pid, SIGTERM);
    }
    return wait();
}

ProgramResult runProgram(const std::vector<std::string>& argv,
                         const std::vector<std::string>& environment, uid_t uid, gid_t gid) {
    TempDirForOutput files;
    std::string out = files.path("stdout");
    std::string err = files.path("stderr");
    std::vector<std::string> wrapped = {"/bin/sh", "-c",
                                        "exec \"$0\" \"$@\" >" + out + " 2>" + err};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    ProgramResult result;
    {
        ChildProcess child(wrapped, environment, uid, gid);
        result.exitCode = child.wait();
    }
    auto slurp = [](const std::string& path) {
        std::ifstream in(path);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    };
    result.output = slurp(out);
    result.errors = slurp(err);
    return result;
}

namespace {

// A system user without a home or a login shell, created on first use (as root), with
// `group` among its groups when given (the group created too).
bool systemUser(const std::string& name, const std::string& group, uid_t& uid, gid_t& gid) {
    if (geteuid() != 0) {
        return false;
    }
    if (!group.empty() && getgrnam(group.c_str()) == nullptr) {
        std::system(("groupadd --system " + group + " 2>/dev/null").c_str());
    }
    if (getpwnam(name.c_str()) == nullptr) {
        std::system(("useradd --system --no-create-home --shell /usr/sbin/nologin " +
                     (group.empty() ? "" : "--groups " + group + " ") + name + " 2>/dev/null")
                        .c_str());
    }
    passwd* user = getpwnam(name.c_str());
    if (user == nullptr) {
        return false;
    }
    uid = user->pw_uid;
    gid = user->pw_gid;
    return true;
}

}  // namespace

bool testUser(uid_t& uid, gid_t& gid) {
    return systemUser("peertrust-test", "", uid, gid);
}

bool testAdministrator(uid_t& uid, gid_t& gid) {
    return systemUser("peertrust-test-admin", "peertrust-test-admins", uid, gid);
}

TestBus::TestBus(BusKind kind, const std::filesystem::path& dir, uid_t uid, gid_t gid)
    : m_kind(kind) {
    std::filesystem::path socket = dir / (kind == BusKind::System ? "system_bus" : "session_bus");
    m_address = "unix:path=" + socket.string();
    if (kind == BusKind::Session) {
        m_daemon = std::make_unique<ChildProcess>(
            std::vector<std::string>{"/usr/bin/dbus-daemon", "--session", "--nofork", "--nopidfile",
                                     "--address=" + m_address},
            std::vector<std::string>{}, uid, gid);
    } else {
        // The system bus's own default policy, with peertrust's policy file from the tree.
        std::filesystem::path config = dir / "system-bus.conf";
        std::ofstream out(config);
        out << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
               "1.0//EN\" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
               "<busconfig><type>system</type><listen>"
            << m_address
            << "</listen><auth>EXTERNAL</auth>\n"
               "<policy context=\"default\"><allow user=\"*\"/><deny own=\"*\"/>"
               "<deny send_type=\"method_call\"/><allow send_type=\"signal\"/>"
               "<allow send_requested_reply=\"true\" send_type=\"method_return\"/>"
               "<allow send_requested_reply=\"true\" send_type=\"error\"/>"
               "<allow receive_type=\"method_call\"/><allow receive_type=\"method_return\"/>"
               "<allow receive_type=\"error\"/><allow receive_type=\"signal\"/>"
               "<allow send_destination=\"org.freedesktop.DBus\" "
               "send_interface=\"org.freedesktop.DBus\"/>"
               "<allow send_destination=\"org.freedesktop.DBus\" "
               "send_interface=\"org.freedesktop.DBus.Introspectable\"/></policy>\n"
               "<include>"
            << PEERTRUST_SOURCE_DIR << "/dbus/org.peertrust.Trust1.conf</include></busconfig>\n";
        out.close();
        m_daemon = std::make_unique<ChildProcess>(std::vector<std::string>{
            "/usr/bin/dbus-daemon", "--config-file=" + config.string(), "--nofork", "--nopidfile"});
    }
    if (!waitFor([&] { return std::filesystem::exists(socket); })) {
        throw std::runtime_error("dbus-daemon did not start on " + m_address);
    }
    // Other users of the test must reach the socket.
    ::chmod(socket.c_str(), 0777);
}

std::string TestBus::environmentEntry() const {
    return std::string(m_kind == BusKind::System ? "DBUS_SYSTEM_BUS_ADDRESS="
                                                 : "DBUS_SESSION_BUS_ADDRESS=") +
           m_address;
}

void TestBus::stop() {
    m_daemon->terminate();
}

void TestBus::exportAddress() const {
    ::setenv(m_kind == BusKind::System ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS",
             m_address.c_str(), 1);
}

DaemonUnderTest::DaemonUnderTest(const TestBus& bus, BusKind kind,
                                 const std::vector<std::string>& extraArgs, uid_t uid, gid_t gid,
                                 const std::filesystem::path& stderrPath) {
    std::vector<std::string> argv = {builtProgram("peertrustd"),
                                     kind == BusKind::System ? "--system" : "--session"};
    argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
    m_process = std::make_unique<ChildProcess>(
        argv, std::vector<std::string>{bus.environmentEntry()}, uid, gid, stderrPath);
    bus.exportAddress();
    Bus which = kind == BusKind::System ? Bus::System : Bus::Session;
    bool ready = waitFor([&] {
        if (!m_process->running()) {
            return true;  // reported below
        }
        auto client = Client::connect(which);
        return client && (*client)->listProtocols().ok();
    });
    if (!ready || !m_process->running()) {
        throw std::runtime_error("peertrustd did not come up (exit " +
                                 std::to_string(m_process->wait()) + ")");
    }
}

}  // namespace peertrust::testing
