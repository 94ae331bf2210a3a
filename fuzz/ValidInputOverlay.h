// Shared by the fuzz targets whose input is signed DER (OCSP responses, CRLs): mutations of
// raw bytes rarely get past the outer DER, so with the first byte even the rest of the input
// is laid over a valid signed object, from an offset the second byte picks; with it odd the
// rest is the input as it is.
#pragma once

#include <cstddef>
#include <cstdint>

#include "peertrust/Types.h"

namespace peertrust::fuzzing {

// `size` is at least 1.
inline Bytes overlaidInput(const std::uint8_t* data, std::size_t size, const Bytes& valid) {
    Bytes input(data + 1, data + size);
    if ((data[0] & 1) != 0 || valid.empty()) {
        return input;
    }
    Bytes overlay = valid;
    std::size_t offset = input.empty() ? 0 : input[0] % overlay.size();
    for (std::size_t i = 1; i < input.size() && offset + i - 1 < overlay.size(); ++i) {
        overlay[offset + i - 1] = input[i];
    }
    return overlay;
}

}  // namespace peertrust::fuzzing
