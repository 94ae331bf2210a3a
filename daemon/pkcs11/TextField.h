// PKCS#11's text fields (labels, manufacturer, model, serial number) are fixed-width,
// blank-padded and not NUL-terminated.
#pragma once

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace peertrust::pkcs11 {

// Longer text is cut at the field's width.
template <std::size_t N>
void setPadded(CK_UTF8CHAR (&field)[N], std::string_view text) {
    std::memset(field, ' ', N);
    std::memcpy(field, text.data(), std::min(N, text.size()));
}

}  // namespace peertrust::pkcs11
