#include "timeouts.h"

#include <time.h>

#include <algorithm>

#include "wire.h"

namespace ringnet {

uint64_t coarseMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

namespace {

// An eighth of the shortest timeout keeps the lateness small relative to the
// timeout itself; the bounds keep short test timeouts precise and long ones cheap.
uint32_t sweepInterval(const ServerConfig& config) {
  uint32_t shortest = 0;
  const uint32_t proxyMs = config.proxy.enabled ? config.proxy.timeoutMs : 0;
  for (uint32_t t : {config.idleTimeoutMs, config.readTimeoutMs, config.protocolTimeoutMs, proxyMs}) {
    if (t != 0 && (shortest == 0 || t < shortest)) shortest = t;
  }
  if (shortest == 0) return 1000;
  return std::clamp<uint32_t>(shortest / 8, 10, 1000);
}

}  // namespace

TimeoutSweep::TimeoutSweep(const ServerConfig& config)
    : idleMs_(config.idleTimeoutMs),
      readMs_(config.readTimeoutMs),
      readReason_(config.readTimeoutReason),
      intervalMs_(sweepInterval(config)),
      nextSweepMs_(coarseMs() + intervalMs_) {}

void TimeoutSweep::arm(Connection& c, uint64_t deadlineMs, int32_t reason) {
  if (c.deadlineMs == 0) ++armed_;
  c.deadlineMs = deadlineMs;
  c.deadlineReason = reason;
  // A deadline sooner than the next sweep pulls the sweep forward.
  if (deadlineMs < nextSweepMs_) nextSweepMs_ = deadlineMs;
}

void TimeoutSweep::clear(Connection& c) {
  if (c.deadlineMs == 0) return;
  --armed_;
  c.deadlineMs = 0;
  c.deadlineReason = 0;
}

int32_t TimeoutSweep::expiredReason(const Connection& c, uint64_t now) const {
  if (c.deadlineMs != 0 && now >= c.deadlineMs) return c.deadlineReason;
  if (readMs_ != 0 && now - c.lastInMs >= readMs_) return readReason_;
  if (idleMs_ != 0 && now - std::max(c.lastInMs, c.lastOutMs) >= idleMs_) return wire::kCloseIdleTimeout;
  return 0;
}

}  // namespace ringnet
