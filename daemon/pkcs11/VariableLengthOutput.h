// PKCS#11's convention for output of variable length (2.40, section 5.2): a null buffer asks
// for the length, a buffer too small gets CKR_BUFFER_TOO_SMALL and the length, else the copy.
#pragma once

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <span>

namespace peertrust::pkcs11 {

// `length` must not be null: each caller reports that with its own checks first.
template <typename T>
CK_RV copyOutput(std::span<const T> items, T* out, CK_ULONG_PTR length) {
    if (out == nullptr) {
        *length = items.size();
        return CKR_OK;
    }
    if (*length < items.size()) {
        *length = items.size();
        return CKR_BUFFER_TOO_SMALL;
    }
    std::copy(items.begin(), items.end(), out);
    *length = items.size();
    return CKR_OK;
}

}  // namespace peertrust::pkcs11
