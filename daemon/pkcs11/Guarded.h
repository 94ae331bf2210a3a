// A PKCS#11 entry point is called from C: no exception may leave it. Memory exhausted is
// CKR_HOST_MEMORY; anything else that escapes (a bug) is CKR_GENERAL_ERROR.
#pragma once

#include <p11-kit/pkcs11.h>

#include <new>

namespace peertrust::pkcs11 {

template <typename Call>
CK_RV guarded(Call&& call) noexcept {
    try {
        return call();
    } catch (const std::bad_alloc&) {
        return CKR_HOST_MEMORY;
    } catch (...) {
        return CKR_GENERAL_ERROR;
    }
}

}  // namespace peertrust::pkcs11
