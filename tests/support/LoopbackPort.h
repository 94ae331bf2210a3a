// A TCP port on 127.0.0.1 for a test's own server, or a connection over it.
#pragma once

namespace peertrust::testing {

// A port the kernel just gave out and took back, rather than one derived from the PID, which
// collided with a concurrent test's server; -1 when none could be had. The shell tests'
// servers stay out of the kernel's ephemeral range this comes from.
int freeLoopbackPort();

// Both ends of one TCP connection over 127.0.0.1: a client's in fds[0], the end a server
// accepted in fds[1]. False (both -1) when the kernel refuses any step.
bool loopbackConnection(int fds[2]);

}  // namespace peertrust::testing
