#include "support/EngineFixture.h"

namespace peertrust::testing {

std::unique_ptr<policy::PolicyEngine> EngineFixture::openEngine(const store::StoreConfig& config) {
    auto store = store::TrustStore::open(config);
    if (!store) {
        throw std::runtime_error(store.error().message());
    }
    auto engine = policy::PolicyEngine::create(std::move(store).value(), m_options, [this] {
        if (m_onClock) {
            m_onClock();
        }
        return m_now;
    });
    if (!engine) {
        throw std::runtime_error(engine.error().message());
    }
    return std::move(engine).value();
}

policy::PolicyEngine& EngineFixture::system() {
    if (!m_system) {
        m_system = openEngine({systemPath(), true, std::nullopt});
    }
    return *m_system;
}

policy::PolicyEngine& EngineFixture::user() {
    if (!m_user) {
        system();  // the system store exists before a user's daemon reads it
        m_user = openEngine({systemPath(), false, userPath()});
    }
    return *m_user;
}

void EngineFixture::closeEngines() {
    m_user.reset();
    m_system.reset();
}

Verdict EngineFixture::verify(policy::PolicyEngine& engine, const std::string& protocol,
                              const std::string& peer, KeyFormat format, const Bytes& key,
                              bool pinOnFirstUse) {
    VerifyRequest request;
    request.protocol = protocol;
    request.peer = peer;
    request.keyFormat = format;
    request.key = key;
    request.pinOnFirstUse = pinOnFirstUse;
    auto verdict = engine.verify(request);
    if (!verdict) {
        ADD_FAILURE() << "verify failed: " << verdict.error().message();
        return {};
    }
    return std::move(verdict).value();
}

Verdict EngineFixture::verifyChain(const std::string& protocol, const std::string& peer,
                                   const std::vector<const Issued*>& chain, bool pinOnFirstUse) {
    return verify(user(), protocol, peer, KeyFormat::X509Chain, concat(chain), pinOnFirstUse);
}

std::string EngineFixture::addAnchor(policy::PolicyEngine& engine, const Issued& cert,
                                     AnchorScope scope, const std::string& label) {
    AnchorAddRequest request;
    request.certificate = cert.der;
    request.scope = std::move(scope);
    request.label = label;
    auto added = engine.addAnchor(request);
    if (!added) {
        ADD_FAILURE() << "addAnchor failed: " << added.error().message();
        return {};
    }
    return added->id;
}

}  // namespace peertrust::testing
