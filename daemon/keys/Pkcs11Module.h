// A PKCS#11 module loaded and initialised through p11-kit, finalised and released with its
// owner; and the CKR_/CKM_ names people read in messages and the audit trail.
#pragma once

#include <p11-kit/pkcs11.h>

#include <filesystem>
#include <memory>
#include <string>

#include "peertrust/Error.h"

namespace peertrust::keys {

class Pkcs11Module {
public:
    static Result<std::unique_ptr<Pkcs11Module>> load(const std::filesystem::path& path);
    explicit Pkcs11Module(CK_FUNCTION_LIST* functions) : m_functions(functions) {}
    ~Pkcs11Module();
    Pkcs11Module(const Pkcs11Module&) = delete;
    Pkcs11Module& operator=(const Pkcs11Module&) = delete;

    CK_FUNCTION_LIST* operator->() const { return m_functions; }
    CK_FUNCTION_LIST* functions() const { return m_functions; }

private:
    CK_FUNCTION_LIST* m_functions;
};

std::string rvName(CK_RV rv);                  // "CKR_PIN_INCORRECT", or hex
std::string mechanismName(CK_MECHANISM_TYPE);  // "CKM_ECDSA", or hex
// "what: CKR_..." as an Unavailable error: the backend failed us.
Error backendError(std::string_view what, CK_RV rv);

}  // namespace peertrust::keys
