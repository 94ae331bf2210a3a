#include "CpuLatencyRequest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace peertrust::bench {

CpuLatencyRequest::CpuLatencyRequest() {
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
