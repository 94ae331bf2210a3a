// How often a process's threads have been switched out so far: a thread that wakes adds at
// least one. Tests of "an idle daemon does not wake" compare two readings.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace peertrust::testing {

// Voluntary and involuntary context switches of every thread of `pid`, from /proc.
std::uint64_t contextSwitches(pid_t pid);

}  // namespace peertrust::testing
