// Telling DER from PEM, and splitting concatenated DER: the length of one complete element.
// Only used to choose a decoder and to cut a run of DER certificates apart; GnuTLS parses
// each one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace peertrust {

// The size of the definite-length SEQUENCE at the start of `data` (tag, length and content),
// or 0 when `data` does not start with one complete SEQUENCE.
std::size_t derSequenceLength(std::span<const std::uint8_t> data);

// Whether `data` is PEM text (holds "-----BEGIN ") rather than DER. DER first: input that
// starts as a SEQUENCE longer than 127 bytes is DER even with armour inside, because a
// certificate's own bytes (a name in it) may hold a whole PEM block, and reading them as PEM
// would take the block hidden there for the certificate given. The daemon, the client library
// and every exported form decide with this one rule.
bool looksLikePem(std::span<const std::uint8_t> data);

}  // namespace peertrust
