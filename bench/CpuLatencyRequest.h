// A PM QoS request that CPUs wake within 0 us (/dev/cpu_dma_latency), held while the object
// lives: idle CPUs then poll instead of entering a halt state, as latency benchmarks such as
// cyclictest arrange. On a VM a halted vCPU costs tens of microseconds to wake, which a call
// that idles the other vCPU for a millisecond pays and an empty call does not; with the
// request held, both pay what bare metal would. Only a cpuidle driver reads the request: on a
// machine without one (current_driver "none") it is not taken, rather than held to no effect.
#pragma once

#include <string>

namespace peertrust::bench {

class CpuLatencyRequest {
public:
    CpuLatencyRequest();
    ~CpuLatencyRequest();
    CpuLatencyRequest(const CpuLatencyRequest&) = delete;
    CpuLatencyRequest& operator=(const CpuLatencyRequest&) = delete;

    bool held() const { return m_fd >= 0; }
    // Why it is not held (root only, a kernel with PM QoS, and a cpuidle driver to obey it).
    const std::string& failure() const { return m_failure; }

private:
    int m_fd = -1;
    std::string m_failure;
};

}  // namespace peertrust::bench
