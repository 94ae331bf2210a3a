// peertrustd: the trust daemon on the session or the system bus.
#include <signal.h>

#include <functional>
#include <iostream>
#include <optional>
#include <thread>

#include "DbusWire.h"
#include "keys/KeyLayer.h"
#include "policy/PolicyEngine.h"
#include "service/BundleFileWriter.h"
#include "service/BusLoop.h"
#include "service/CallerAuthority.h"
#include "service/DaemonConfig.h"
#include "service/DaemonLog.h"
#include "service/KeysAdaptor.h"
#include "service/StoreWatch.h"
#include "service/TrustAdaptor.h"

namespace {

// The engine's own-write listener for as long as this lives: cleared before what it calls goes.
class OwnWriteListener {
public:
    OwnWriteListener(peertrust::policy::PolicyEngine& engine, std::function<void()> listener)
        : m_engine(engine) {
        m_engine.setOwnWriteListener(std::move(listener));
    }
    ~OwnWriteListener() { m_engine.setOwnWriteListener({}); }
    OwnWriteListener(const OwnWriteListener&) = delete;
    OwnWriteListener& operator=(const OwnWriteListener&) = delete;

private:
    peertrust::policy::PolicyEngine& m_engine;
};

using namespace peertrust;

constexpr int kExitConfig = 78;  // EX_CONFIG
constexpr int kExitUnavailable = 69;

const char* busName(service::BusMode mode) {
    return mode == service::BusMode::System ? "system" : "session";
}

int serve(const service::DaemonConfig& config) {
    store::StoreConfig storeConfig;
    storeConfig.systemPath = config.systemStore;
    if (config.mode == service::BusMode::System) {
        storeConfig.systemPath = config.writableStore();
        storeConfig.systemWritable = true;
    } else {
        storeConfig.userPath = config.writableStore();
    }
    auto store = store::TrustStore::open(storeConfig);
    if (!store) {
        service::log(service::LogLevel::Error, store.error().message());
        return kExitUnavailable;
    }
    policy::EngineOptions options;
    options.verdictCache = config.verdictCache;
    auto engine = policy::PolicyEngine::create(std::move(store).value(), options);
    if (!engine) {
        service::log(service::LogLevel::Error, engine.error().message());
        return kExitUnavailable;
    }

    // Protocols the configuration names: a bad one stops start-up like any bad configuration.
    for (const auto& configured : config.protocols) {
        auto added = (*engine)->addConfiguredProtocol(configured.request);
        if (!added) {
            service::log(service::LogLevel::Error, configured.origin + ": protocol \"" +
                                                       configured.request.name +
                                                       "\": " + added.error().message());
            return kExitConfig;
        }
        if (added->leftToSystem) {
            service::log(service::LogLevel::Debug,
                         configured.origin + ": protocol \"" + configured.request.name +
                             "\" is in the system store; the system daemon applies this line");
        }
    }

    std::unique_ptr<service::BundleFileWriter> bundleWriter;
    std::optional<OwnWriteListener> bundleFollowsOwnWrites;  // goes before the writer
    if (config.pemBundle) {
        bundleWriter = std::make_unique<service::BundleFileWriter>(**engine, *config.pemBundle,
                                                                   config.pemBundlePurpose);
        bundleFollowsOwnWrites.emplace(**engine,
                                       [writer = bundleWriter.get()] { writer->storeWritten(); });
    }

    std::unique_ptr<keys::KeyLayer> keyLayer;
    if (config.keys) {
        keys::KeyLayerConfig keysConfig{
            config.keysDirectory(),
            config.keysSocketPath(),
            config.keyBackendModule,
            config.keyBackendToken,
            config.keyBackendPinFile,
            [](std::string_view message) { service::log(service::LogLevel::Error, message); }};
        auto started = keys::KeyLayer::start(keysConfig);
        if (!started) {
            service::log(service::LogLevel::Error, "key layer: " + started.error().message());
            return kExitUnavailable;
        }
        keyLayer = std::move(started).value();
        service::log(service::LogLevel::Info, "key gateway on " + config.keysSocketPath().string() +
                                                  ", state in " + config.keysDirectory().string());
    }

    std::unique_ptr<sdbus::IConnection> connection;
    try {
        connection = config.mode == service::BusMode::System
                         ? sdbus::createSystemBusConnection(wire::kBusName)
                         : sdbus::createSessionBusConnection(wire::kBusName);
    } catch (const sdbus::Error& e) {
        service::log(service::LogLevel::Error, std::string("cannot serve ") + wire::kBusName +
                                                   " on the " + busName(config.mode) +
                                                   " bus: " + e.getMessage());
        return kExitUnavailable;
    }

    auto loop = service::BusLoop::create(*connection);
    if (!loop) {
        service::log(service::LogLevel::Error, loop.error().message());
        return kExitUnavailable;
    }
    service::BusLoop& busLoop = **loop;
    auto flushSoon = [&busLoop] { busLoop.flushSoon(); };

    // SIGTERM and SIGINT end the event loop; every thread inherits the blocked mask, so only
    // this waiter sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    std::thread waiter([&busLoop, signals] {
        int received = 0;
        sigwait(&signals, &received);
        busLoop.stop();
    });

    bool lostBus = false;
    // Whatever ends serving, the waiter is woken and joined below: a joinable thread left
    // behind by an exception would be std::terminate, without the stores closed.
    try {
        // One rule for who calls and who writes, shared by both interfaces.
        service::CallerAuthority authority(config.mode, config.adminGroup);
        if (config.mode == service::BusMode::System && !authority.writers().adminGroupExists()) {
            // Not fatal: the group may be created later, and is looked up at every write.
            service::log(service::LogLevel::Warning,
                         "the admin group \"" + config.adminGroup +
                             "\" does not exist (admin_group in peertrustd.conf): only root "
                             "may change the machine's trust policy until it does");
        }
        service::TrustAdaptor adaptor(*connection, **engine, authority, config.workers, flushSoon);
        // Keys1 is always there; without the key layer it says how to start it.
        service::KeysAdaptor keysAdaptor(
            *connection, keyLayer ? &keyLayer->administration() : nullptr, authority, flushSoon);
        // Declared after the adaptor: stopped before it goes.
        auto storeWatch = service::StoreWatch::start((*engine)->storeFiles(),
                                                     [&adaptor, &bundleWriter] {
                                                         if (bundleWriter) {
                                                             bundleWriter->storeWritten();
                                                         }
                                                         adaptor.announceChangesByOthers();
                                                     },
                                                     [&bundleWriter] {
                                                         if (bundleWriter) {
                                                             bundleWriter->storeWatchLost();
                                                         }
                                                     });
        if (storeWatch && bundleWriter) {
            bundleWriter->followStoreWatch();
        }
        if (!storeWatch) {
            // Not fatal: Verify still sees such changes, only their signal is missing.
            service::log(
                service::LogLevel::Warning,
                storeWatch.error().message() +
                    ": changes other programs make to the store are not signalled" +
                    (bundleWriter ? ", and the PEM bundle looks for them every second" : ""));
        }
        service::log(service::LogLevel::Info, std::string("serving ") + wire::kBusName +
                                                  " on the " + busName(config.mode) +
                                                  " bus, store " + config.writableStore().string());
        try {
            busLoop.run();
        } catch (const sdbus::Error& e) {
            // The bus daemon went away (or dropped us): nobody can reach us any more. Exit
            // with an error, the stores closed cleanly, so that a supervisor restarts us.
            lostBus = true;
            service::log(service::LogLevel::Error, std::string("lost the ") + busName(config.mode) +
                                                       " bus: " + e.getMessage());
        }
        // Leaving the scope answers the calls already queued before the store closes.
    } catch (const std::exception& e) {
        // A thread that cannot start (a task limit), an object the bus refuses, or a bus
        // thread out of memory: say so and exit like a daemon that lost its bus.
        lostBus = true;
        service::log(service::LogLevel::Error, std::string("cannot go on serving: ") + e.what());
    }
    try {
        connection->releaseName(wire::kBusName);
    } catch (const sdbus::Error&) {
        // The bus went away first; nothing to release.
    }
    // When the loop ended without a signal (the bus went away), wake the waiter ourselves.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    if (lostBus) {
        return kExitUnavailable;
    }
    service::log(service::LogLevel::Info, "stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    auto config = service::loadDaemonConfig(std::vector<std::string>(argv + 1, argv + argc));
    if (!config) {
        service::log(service::LogLevel::Error, config.error().message());
        return config.error().category() == ErrorCategory::Usage ? 64 : kExitConfig;
    }
    if (config->helpRequested) {
        std::cout << service::daemonUsage();
        return 0;
    }
    service::setLogLevel(config->logLevel);
    return serve(*config);
}
