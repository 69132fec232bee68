// ringnet echo load generator (C++17, no dependencies).
//
// Opens C connections to an echo server speaking "4-byte big-endian length + payload", keeps D
// frames in flight on each, verifies every echo byte for byte and records send -> full reply
// latency (CLOCK_MONOTONIC) in a log-linear histogram. Runs W seconds of warm-up, then T
// measured seconds. Progress goes to stderr as JSON lines ({"phase":"connected"|"measure"|
// "done"}) so a runner can sample the server's CPU time at the window's edges; the result is
// ONE JSON line on stdout. --protocol goim|ws: the same echo over goim packets or WebSocket
// messages (worker_goim.cc, worker_ws.cc). With --idle it only opens the connections, prints
// {"established":N} and holds them until stdin closes or SIGTERM/SIGINT arrives.
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
#include "ws_client.h"

namespace {

double monoSec() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

void sleepUntil(double t) {
  timespec ts;
  ts.tv_sec = time_t(t);
  ts.tv_nsec = long((t - double(ts.tv_sec)) * 1e9);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

double cpuSec() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

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

std::vector<uint8_t> makePattern(uint32_t payload) {
  std::vector<uint8_t> v(size_t(payload) + kPatternSpan);
  uint64_t x = 0x9E3779B97F4A7C15ull;  // xorshift64
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = uint8_t(x >> 24);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  raiseFileLimit();
  Options o = parseOptions(argc, argv);
  Target target = resolveTarget(o);

  ConnectResult cr = connectAll(o, target);
  std::fprintf(stderr, "{\"phase\":\"connected\",\"connections\":%zu,\"connectErrors\":%llu}\n",
               cr.fds.size(), (unsigned long long)cr.errors);
  if (!cr.fatal.empty()) {
    std::fprintf(stderr, "loadgen: connecting to %s: %s\n", target.text.c_str(), cr.fatal.c_str());
    std::printf("{\"error\":\"connect failed\",\"established\":%zu,\"connectErrors\":%llu}\n",
                cr.fds.size(), (unsigned long long)cr.errors);
    return 1;
  }

  // --protocol ws: every connection upgrades before anything is measured (or held idle).
  const bool ws = o.protocol == "ws";
  std::vector<std::string> leftover(cr.fds.size());
  uint64_t upgradeErrors = 0;
  if (ws) {
    wsclient::UpgradeResult ur = wsclient::upgradeAll(cr.fds, target.text, o.path, 30.0);
    upgradeErrors = ur.failed;
    if (ur.failed) std::fprintf(stderr, "loadgen: %llu upgrades failed, first: %s\n", (unsigned long long)ur.failed, ur.firstError.c_str());
    std::vector<int> kept;
    std::vector<std::string> rest;
    for (size_t i = 0; i < cr.fds.size(); ++i) {
      if (cr.fds[i] < 0) continue;
      kept.push_back(cr.fds[i]);
      rest.push_back(std::move(ur.leftover[i]));
    }
    cr.fds.swap(kept);
    leftover.swap(rest);
    std::fprintf(stderr, "{\"phase\":\"upgraded\",\"connections\":%zu,\"upgradeErrors\":%llu}\n", cr.fds.size(),
                 (unsigned long long)upgradeErrors);
    if (cr.fds.empty()) {
      std::printf("{\"error\":\"no upgrade succeeded: %s\",\"established\":0,\"upgradeErrors\":%llu}\n",
                  ur.firstError.c_str(), (unsigned long long)upgradeErrors);
      return 1;
    }
  }

  if (o.idle) {
    std::printf("{\"established\":%zu,\"connectErrors\":%llu,\"upgradeErrors\":%llu}\n", cr.fds.size(),
                (unsigned long long)cr.errors, (unsigned long long)upgradeErrors);
    std::fflush(stdout);
    holdUntilStdinClosesOrSignal();
    return 0;  // the kernel closes the sockets
  }

  Shared sh;
  sh.payload = o.payload;
  sh.depth = uint32_t(o.depth);
  sh.pattern = makePattern(o.payload);
  sh.reconnectAfter = o.reconnect;
  sh.target = &target;
  sh.protocol = o.protocol == "goim" ? Protocol::kGoim : ws ? Protocol::kWebSocket : Protocol::kLength;
  sh.heartbeatEvery = o.heartbeatEvery;

  // Connections are dealt round-robin to the worker threads.
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<std::vector<Conn*>> shares(size_t(o.threads));
  for (size_t i = 0; i < cr.fds.size(); ++i) {
    conns.emplace_back(new Conn());
    conns.back()->fd = cr.fds[i];
    conns.back()->id = uint32_t(i);
    conns.back()->tail = std::move(leftover[i]);  // bytes that followed a 101
    shares[i % shares.size()].push_back(conns.back().get());
  }
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
      (unsigned long long)errors, (unsigned long long)cr.errors, (unsigned long long)mismatches,
      cpu1 - cpu0, cpu1 - cpuStart0, o.connections, o.depth, o.payload, o.threads, o.warmup,
      (unsigned long long)reconnects, double(reconnects) / secs, (unsigned long long)heartbeats,
      (unsigned long long)upgradeErrors, o.protocol.c_str());
  std::fflush(stdout);
  for (auto& c : conns)
    if (c->fd >= 0) close(c->fd);
  return 0;
}
