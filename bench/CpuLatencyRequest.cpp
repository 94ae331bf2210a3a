#include "CpuLatencyRequest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

namespace peertrust::bench {

namespace {

constexpr const char* kCpuidleDriver = "/sys/devices/system/cpu/cpuidle/current_driver";

// The cpuidle driver in use: "none" without one (the kernel then halts an idle CPU whatever PM
// QoS asks: only a cpuidle governor reads the latency request); empty when it cannot be read.
std::string cpuidleDriver() {
    std::ifstream in(kCpuidleDriver);
    std::string driver;
    in >> driver;
    return driver;
}

}  // namespace

CpuLatencyRequest::CpuLatencyRequest() {
    const std::string driver = cpuidleDriver();
    if (driver.empty()) {
        m_failure = std::string("cannot read ") + kCpuidleDriver +
                    ", so whether idle CPUs would obey a PM QoS request is not known";
        return;
    }
    if (driver == "none") {
        m_failure = std::string("no cpuidle driver (") + kCpuidleDriver +
                    " is \"none\"), so idle CPUs halt whatever a PM QoS request asks";
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
