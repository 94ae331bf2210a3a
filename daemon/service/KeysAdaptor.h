// org.peertrust.Keys1 on the bus, beside Trust1 on the same object: decodes each call, checks
// the caller with the same rule as Trust1 (CallerAuthority), and answers from a worker. It
// only translates; what happens to keys is KeyAdministration's.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "Keys1Adaptor.h"  // generated from dbus/org.peertrust.Keys1.xml
#include "KeysWire.h"
#include "keys/KeyAdministration.h"
#include "service/CallerAuthority.h"
#include "service/WorkerPool.h"

namespace peertrust::service {

class KeysAdaptor final : public sdbus::AdaptorInterfaces<org::peertrust::Keys1_adaptor> {
public:
    // `keys` null: the key layer does not run, and every call answers Unavailable saying how
    // to start it (a missing interface would read as "no daemon").
    // `afterSend` as for TrustAdaptor.
    KeysAdaptor(sdbus::IConnection& connection, keys::KeyAdministration* keys,
                CallerAuthority& authority, std::function<void()> afterSend = {});
    ~KeysAdaptor();

private:
    // Checks that the key layer runs and, for `write`, that the caller may administer keys;
    // then runs `work(administration, callerUid)` on the worker: its Result is the reply.
    template <typename ResultType, typename Work>
    void answer(ResultType&& result, bool write, Work&& work);

    void Create(sdbus::Result<wire::KeyWire>&& result, std::string type, std::string use,
                std::string label, std::string set) override;
    void ImportCertificate(sdbus::Result<>&& result, std::string key,
                           std::string certificate) override;
    void Grant(sdbus::Result<>&& result, std::string subject, uint32_t uid, int64_t until) override;
    void Revoke(sdbus::Result<>&& result, std::string subject, uint32_t uid) override;
    void Dispose(sdbus::Result<>&& result, std::string key) override;
    void List(sdbus::Result<std::vector<wire::KeyWire>>&& result) override;
    void Audit(sdbus::Result<std::vector<wire::KeyAuditWire>>&& result, int64_t sinceMs) override;

    keys::KeyAdministration* m_keys;
    CallerAuthority& m_authority;
    // One worker: administration is serialised in the registry and the backend anyway, and
    // Trust1's workers stay free for Verify while a key is generated.
    // Declared last: destroyed first, so queued calls finish while the rest still exists.
    std::unique_ptr<WorkerPool> m_workers;
};

}  // namespace peertrust::service
