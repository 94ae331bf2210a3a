// A session's object search, C_FindObjectsInit to C_FindObjectsFinal: the handles found when it
// began, handed out in order. Finding is each module's own; this is only the cursor and the
// checks every module makes the same way.
#pragma once

#include <p11-kit/pkcs11.h>

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace peertrust::pkcs11 {

class ObjectSearch {
public:
    // C_FindObjectsInit answers CKR_OPERATION_ACTIVE while this holds.
    bool active() const { return m_found.has_value(); }

    void begin(std::vector<CK_OBJECT_HANDLE> found) {
        m_found = std::move(found);
        m_next = 0;
    }

    // C_FindObjects: up to `max` further handles into `objects`, their number into `count`.
    CK_RV next(CK_OBJECT_HANDLE_PTR objects, CK_ULONG max, CK_ULONG_PTR count) {
        if (count == nullptr || (objects == nullptr && max != 0)) {
            return CKR_ARGUMENTS_BAD;
        }
        if (!m_found) {
            return CKR_OPERATION_NOT_INITIALIZED;
        }
        CK_ULONG n = 0;
        while (n < max && m_next < m_found->size()) {
            objects[n++] = (*m_found)[m_next++];
        }
        *count = n;
        return CKR_OK;
    }

    // C_FindObjectsFinal.
    CK_RV end() {
        if (!m_found) {
            return CKR_OPERATION_NOT_INITIALIZED;
        }
        m_found.reset();
        return CKR_OK;
    }

private:
    std::optional<std::vector<CK_OBJECT_HANDLE>> m_found;
    std::size_t m_next = 0;
};

}  // namespace peertrust::pkcs11
