// ringnet echo load generator (C++17, no dependencies).
//
// Opens C connections to an echo server speaking "4-byte big-endian length + payload", keeps D
// frames in flight on each, verifies every echo byte for byte and records send -> full reply
// latency (CLOCK_MONOTONIC) in a log-linear histogram. Runs W seconds of warm-up, then T
// measured seconds. Progress goes to stderr as JSON lines ({"phase":"connected"|"measure"|
// "done"}) so a runner can sample the server's CPU time at the window's edges; the result is
// ONE JSON line on stdout. --protocol goim|ws: the same echo over goim packets or WebSocket
// messages (worker_goim.cc, worker_ws.cc). With --idle it only opens the connections, prints
// {"established":N} and holds them until stdin closes or SIGTERM/SIGINT arrives. With --ports it
// keeps connections to several servers and measures one at a time in windows (mux.cc).
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <thread>
#include <vector>

#include "connect.h"
#include "options.h"
#include "worker.h"
#include "mux.h"
#include "session.h"

namespace {

// 10,000 connections need 10,000 fds: lift the soft limit to the hard one.
void raiseFileLimit() {
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

void progress(const char* json) {
  std::fprintf(stderr, "%s\n", json);
  std::fflush(stderr);
}

// Idle mode: hold the sockets until stdin reaches EOF or a termination signal arrives.
void holdUntilStdinClosesOrSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  pollfd p[2] = {{0, POLLIN, 0}, {sfd, POLLIN, 0}};
  char buf[4096];
  for (;;) {
    if (poll(p, 2, -1) < 0) continue;
    if (p[1].revents) return;
    if (p[0].revents) {
      if (read(0, buf, sizeof(buf)) <= 0) return;  // EOF (or stdin unusable)
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  raiseFileLimit();
  Options o = parseOptions(argc, argv);
  if (!o.ports.empty()) return runWindows(o);  // windows mode (mux.cc)
  Target target = resolveTarget(o);

  Opened op = openConnections(o, target, 0);
  if (!op.fatal.empty()) {
    std::printf("{\"error\":\"%s\",\"established\":%zu,\"connectErrors\":%llu,\"upgradeErrors\":%llu}\n",
                op.fatal.c_str(), op.conns.size(), (unsigned long long)op.connectErrors, (unsigned long long)op.upgradeErrors);
    return 1;
  }
  const uint64_t connectErrors = op.connectErrors, upgradeErrors = op.upgradeErrors;

  if (o.idle) {
    std::printf("{\"established\":%zu,\"connectErrors\":%llu,\"upgradeErrors\":%llu}\n", op.conns.size(),
                (unsigned long long)connectErrors, (unsigned long long)upgradeErrors);
    std::fflush(stdout);
    holdUntilStdinClosesOrSignal();
    return 0;  // the kernel closes the sockets
  }

  Shared sh;
  configure(sh, o, &target);

  // Connections are dealt round-robin to the worker threads.
  std::vector<std::unique_ptr<Conn>>& conns = op.conns;
  std::vector<std::vector<Conn*>> shares(size_t(o.threads));
  for (size_t i = 0; i < conns.size(); ++i) shares[i % shares.size()].push_back(conns[i].get());
  std::vector<std::unique_ptr<Worker>> workers;
  for (auto& s : shares) workers.emplace_back(new Worker(sh, s));

  double cpuStart0 = cpuSec();
  double t = monoSec();
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });

  sleepUntil(t + o.warmup);
  double cpu0 = cpuSec();
  double t0 = monoSec();
  sh.phase.store(kMeasure);
  progress("{\"phase\":\"measure\"}");

  sleepUntil(t0 + o.duration);
  sh.phase.store(kStop);
  double t1 = monoSec();
  double cpu1 = cpuSec();
  progress("{\"phase\":\"done\"}");
  for (auto& th : threads) th.join();

  Histogram h;
  uint64_t frames = 0, errors = 0, mismatches = 0, reconnects = 0, heartbeats = 0;
  std::string firstError;
  for (auto& w : workers) {
    h.merge(w->hist);
    frames += w->frames;
    errors += w->errors;
    mismatches += w->mismatches;
    reconnects += w->reconnects;
    heartbeats += w->heartbeats;
    if (firstError.empty()) firstError = w->firstError;
  }
  if (!firstError.empty())
    std::fprintf(stderr, "loadgen: first error: %s\n", firstError.c_str());

  double secs = t1 - t0;
  auto us = [](uint64_t ns) { return double(ns) / 1000.0; };
  std::printf(
      "{\"frames\":%llu,\"seconds\":%.4f,\"framesPerSec\":%.1f,\"p50Us\":%.2f,\"p99Us\":%.2f,"
      "\"p999Us\":%.2f,\"maxUs\":%.2f,\"meanUs\":%.2f,\"errors\":%llu,\"connectErrors\":%llu,"
      "\"mismatches\":%llu,\"genCpuSec\":%.4f,\"genCpuTotalSec\":%.4f,\"connections\":%d,"
      "\"depth\":%d,\"payload\":%u,\"threads\":%d,\"warmup\":%.3f,\"reconnects\":%llu,"
      "\"reconnectsPerSec\":%.1f,\"heartbeats\":%llu,\"upgradeErrors\":%llu,\"protocol\":\"%s\"}\n",
      (unsigned long long)frames, secs, double(frames) / secs, us(h.quantile(0.50)),
      us(h.quantile(0.99)), us(h.quantile(0.999)), us(h.max()), h.mean() / 1000.0,
      (unsigned long long)errors, (unsigned long long)connectErrors, (unsigned long long)mismatches,
      cpu1 - cpu0, cpu1 - cpuStart0, o.connections, o.depth, o.payload, o.threads, o.warmup,
      (unsigned long long)reconnects, double(reconnects) / secs, (unsigned long long)heartbeats,
      (unsigned long long)upgradeErrors, o.protocol.c_str());
  std::fflush(stdout);
  for (auto& c : conns)
    if (c->fd >= 0) close(c->fd);
  return 0;
}
