// A TCP port on 127.0.0.1 for a test's own server.
#pragma once

namespace peertrust::testing {

// A port the kernel just gave out and took back, rather than one derived from the PID, which
// collided with a concurrent test's server; -1 when none could be had. The shell tests'
// servers stay out of the kernel's ephemeral range this comes from.
int freeLoopbackPort();

}  // namespace peertrust::testing
