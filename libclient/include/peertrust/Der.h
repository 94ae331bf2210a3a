// Splitting concatenated DER: the length of one complete element. Only used to cut a run of
// DER certificates apart; GnuTLS parses each one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace peertrust {

// The size of the definite-length SEQUENCE at the start of `data` (tag, length and content),
// or 0 when `data` does not start with one complete SEQUENCE.
std::size_t derSequenceLength(std::span<const std::uint8_t> data);

}  // namespace peertrust
