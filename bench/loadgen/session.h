// What the one-target run (loadgen.cc) and the windows mode (mux.cc) share: a target's
// connections opened (and upgraded, for WebSocket), and the workers' shared configuration.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "connect.h"
#include "options.h"
#include "worker.h"

struct Opened {
  std::vector<std::unique_ptr<Conn>> conns;  // the connections that are up (and upgraded)
  uint64_t connectErrors = 0;
  uint64_t upgradeErrors = 0;
  std::string fatal;                         // non-empty: nothing usable (the message says why)
};

// Opens o.connections to `target`; with --protocol ws every connection upgrades first.
// Connection ids start at firstId (each connection's frames differ from every other's).
Opened openConnections(const Options& o, const Target& target, uint32_t firstId);

// The workers' configuration from the options (the phase starts at kWarmup).
void configure(Shared& sh, const Options& o, const Target* target);

// Monotonic seconds, and this process's CPU seconds (user + system).
double monoSec();
double cpuSec();
void sleepUntil(double monoSec);
