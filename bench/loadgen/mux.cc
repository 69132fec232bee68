// Windows mode. Why: the lab's ratios scatter from window to window with the pair's own work
// per operation, so what settles them is many independent windows per minute; a fresh
// generator per window spends most of its time starting, connecting and warming up. Here the
// connections to every server of a cell stay open and each stdin line "run K MS" drives server
// K alone for MS ms, then drains it (no new messages, the ones in flight answered), so that
// between windows every server is idle: the caller can read a server's CPU time at any moment
// between its windows and the window's echoes are exactly the ones that CPU paid for. One JSON
// line per window on stdout; {"ready":true,...} once every server is connected.
#include "mux.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "session.h"
#include "worker.h"

namespace {

// Seconds a drain may take before the window is abandoned (a server that stopped answering).
constexpr double kDrainLimitSec = 10.0;

struct Server {
  Target target;
  Opened opened;
  std::unique_ptr<Shared> shared;
  std::vector<std::vector<Conn*>> shares;  // per generator thread
};

void window(Server& s, size_t k, double ms, int windowNo) {
  Shared& sh = *s.shared;
  std::vector<std::unique_ptr<Worker>> workers;
  for (auto& share : s.shares) workers.emplace_back(new Worker(sh, share));
  std::atomic<size_t> finished{0};
  sh.phase.store(kMeasure);
  double cpu0 = cpuSec();
  double t0 = monoSec();
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w, &finished] { w->run(); ++finished; });
  sleepUntil(t0 + ms / 1000.0);
  sh.phase.store(kDrain);
  double drainStart = monoSec();
  bool abandoned = false;
  while (finished.load() < workers.size()) {
    if (monoSec() - drainStart > kDrainLimitSec) {
      sh.phase.store(kStop);
      abandoned = true;
      break;
    }
    sleepUntil(monoSec() + 0.0002);
  }
  for (auto& th : threads) th.join();
  double t1 = monoSec();
  double cpu1 = cpuSec();
  Histogram h;
  uint64_t frames = 0, errors = 0, mismatches = 0, heartbeats = 0;
  std::string firstError = abandoned ? "the server did not answer the messages in flight" : "";
  for (auto& w : workers) {
    h.merge(w->hist);
    frames += w->frames;
    errors += w->errors;
    mismatches += w->mismatches;
    heartbeats += w->heartbeats;
    if (firstError.empty()) firstError = w->firstError;
  }
  if (abandoned) ++errors;
  if (!firstError.empty()) std::fprintf(stderr, "loadgen: server %zu, window %d: %s\n", k, windowNo, firstError.c_str());
  auto us = [](uint64_t ns) { return double(ns) / 1000.0; };
  std::printf(
      "{\"window\":%d,\"target\":%zu,\"frames\":%llu,\"seconds\":%.6f,\"drainSec\":%.6f,\"p50Us\":%.2f,"
      "\"p99Us\":%.2f,\"p999Us\":%.2f,\"maxUs\":%.2f,\"errors\":%llu,\"mismatches\":%llu,\"heartbeats\":%llu,"
      "\"genCpuSec\":%.6f}\n",
      windowNo, k, (unsigned long long)frames, t1 - t0, t1 - drainStart, us(h.quantile(0.50)), us(h.quantile(0.99)),
      us(h.quantile(0.999)), us(h.max()), (unsigned long long)errors, (unsigned long long)mismatches,
      (unsigned long long)heartbeats, cpu1 - cpu0);
  std::fflush(stdout);
}

}  // namespace

int runWindows(const Options& o) {
  std::vector<Server> servers(o.ports.size());
  uint64_t connectErrors = 0, upgradeErrors = 0;
  std::string counts;
  for (size_t k = 0; k < servers.size(); ++k) {
    Options one = o;
    one.ports.clear();
    one.port = o.ports[k];
    Server& s = servers[k];
    s.target = resolveTarget(one);
    // Ids differ between servers too: no two connections of the process send the same frames.
    s.opened = openConnections(one, s.target, uint32_t(k) * uint32_t(o.connections));
    connectErrors += s.opened.connectErrors;
    upgradeErrors += s.opened.upgradeErrors;
    if (!s.opened.fatal.empty()) {
      std::printf("{\"error\":\"server %zu (port %d): %s\",\"connectErrors\":%llu,\"upgradeErrors\":%llu}\n", k,
                  o.ports[k], s.opened.fatal.c_str(), (unsigned long long)connectErrors, (unsigned long long)upgradeErrors);
      return 1;
    }
    s.shared.reset(new Shared());
    configure(*s.shared, o, &s.target);
    s.shares.resize(size_t(o.threads));
    for (size_t i = 0; i < s.opened.conns.size(); ++i) s.shares[i % s.shares.size()].push_back(s.opened.conns[i].get());
    counts += (k ? "," : "") + std::to_string(s.opened.conns.size());
  }
  std::printf("{\"ready\":true,\"targets\":%zu,\"connections\":[%s],\"connectErrors\":%llu,\"upgradeErrors\":%llu}\n",
              servers.size(), counts.c_str(), (unsigned long long)connectErrors, (unsigned long long)upgradeErrors);
  std::fflush(stdout);

  char line[256];
  int windowNo = 0;
  while (std::fgets(line, sizeof(line), stdin)) {
    if (std::strncmp(line, "quit", 4) == 0) break;
    unsigned long k = 0;
    double ms = 0;
    if (std::sscanf(line, "run %lu %lf", &k, &ms) != 2 || k >= servers.size() || !(ms > 0) || ms > 600000) {
      std::printf("{\"error\":\"bad command (want 'run K MS' with K < %zu, 0 < MS <= 600000)\"}\n", servers.size());
      std::fflush(stdout);
      continue;
    }
    window(servers[k], size_t(k), ms, windowNo++);
  }
  for (auto& s : servers)
    for (auto& c : s.opened.conns)
      if (c->fd >= 0) close(c->fd);
  return 0;
}
