// Timeouts that close a connection:
//   idle     - no bytes either way for idleTimeoutMs
//   read     - no bytes received for readTimeoutMs (peer-dead / heartbeat detection)
//   deadline - one protocol deadline per connection (HTTP header timeout, goim
//              auth timeout), armed and cleared by protocol code.
// Checked by a periodic sweep over the reactor's table instead of a timer per
// connection: a read or write costs one coarse clock read, and a timeout
// fires at most one sweep interval late.
#pragma once

#include <cstdint>
#include <vector>

#include "connection.h"
#include "server_config.h"

namespace ringnet {

// CLOCK_MONOTONIC_COARSE in milliseconds: a vDSO read of a shared page, cheap
// enough to stamp every read and write.
uint64_t coarseMs();

class TimeoutSweep {
 public:
  explicit TimeoutSweep(const ServerConfig& config);

  // A sweep is due now or later; 0 when nothing is configured or armed.
  uint64_t nextSweepMs() const { return active() ? nextSweepMs_ : 0; }
  bool due(uint64_t now) const { return active() && now >= nextSweepMs_; }

  // Protocol deadlines (count kept so an idle server never sweeps).
  void arm(Connection& c, uint64_t deadlineMs, int32_t reason);
  void clear(Connection& c);

  // Calls expire(conn, reason) for every open connection past a timeout.
  template <typename Expire>
  void sweep(uint64_t now, const std::vector<Connection*>& table, Expire&& expire);

 private:
  bool active() const { return idleMs_ != 0 || readMs_ != 0 || armed_ != 0; }
  int32_t expiredReason(const Connection& c, uint64_t now) const;

  uint32_t idleMs_;
  uint32_t readMs_;
  int32_t readReason_;
  uint32_t intervalMs_;
  uint64_t nextSweepMs_ = 0;
  uint32_t armed_ = 0;
};

template <typename Expire>
void TimeoutSweep::sweep(uint64_t now, const std::vector<Connection*>& table, Expire&& expire) {
  nextSweepMs_ = now + intervalMs_;
  for (Connection* c : table) {
    if (c == nullptr || c->closed || c->lingering) continue;  // lingering has its own deadline
    int32_t reason = expiredReason(*c, now);
    if (reason != 0) expire(*c, reason);
  }
}

}  // namespace ringnet
