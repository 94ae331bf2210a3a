#include "CpuLatencyRequest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

namespace peertrust::bench {

namespace {

// The cpuidle driver in use, or "none". Without one the kernel halts an idle CPU whatever PM
// QoS asks: only a cpuidle governor reads the latency request.
std::string cpuidleDriver() {
    std::ifstream in("/sys/devices/system/cpu/cpuidle/current_driver");
    std::string driver;
    if (!(in >> driver)) {
        return "none";
    }
    return driver;
}

}  // namespace

CpuLatencyRequest::CpuLatencyRequest() {
    if (cpuidleDriver() == "none") {
        m_failure =
            "no cpuidle driver (/sys/devices/system/cpu/cpuidle/current_driver), so idle CPUs "
            "halt whatever a PM QoS request asks";
        return;
    }
    m_fd = ::open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
    if (m_fd < 0) {
        m_failure = std::string("/dev/cpu_dma_latency: ") + std::strerror(errno);
        return;
    }
    // The kernel takes the latency as a binary 32-bit value; the request lasts until close.
    const std::int32_t microseconds = 0;
    if (::write(m_fd, &microseconds, sizeof microseconds) != sizeof microseconds) {
        m_failure = std::string("/dev/cpu_dma_latency: ") + std::strerror(errno);
        ::close(m_fd);
        m_fd = -1;
    }
}

CpuLatencyRequest::~CpuLatencyRequest() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

}  // namespace peertrust::bench
