#include "support/LoopbackPort.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace peertrust::testing {

int freeLoopbackPort() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    int port = -1;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        port = ntohs(address.sin_port);
    }
    close(fd);
    return port;
}

bool loopbackConnection(int fds[2]) {
    fds[0] = fds[1] = -1;
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) {
        return false;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    // Port 0: the kernel picks a free one, so two tests never ask for the same.
    if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        listen(listener, 1) == 0 &&
        getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        // The backlog completes the connection before accept() is called.
        if (fds[0] >= 0 &&
            connect(fds[0], reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
            fds[1] = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        }
    }
    close(listener);
    if (fds[1] < 0) {
        if (fds[0] >= 0) {
            close(fds[0]);
        }
        fds[0] = -1;
        return false;
    }
    return true;
}

}  // namespace peertrust::testing
