#include "session.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "ws_client.h"

namespace {

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

double monoSec() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double cpuSec() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

void sleepUntil(double t) {
  timespec ts;
  ts.tv_sec = time_t(t);
  ts.tv_nsec = long((t - double(ts.tv_sec)) * 1e9);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

Opened openConnections(const Options& o, const Target& target, uint32_t firstId) {
  Opened out;
  ConnectResult cr = connectAll(o, target);
  out.connectErrors = cr.errors;
  std::fprintf(stderr, "{\"phase\":\"connected\",\"connections\":%zu,\"connectErrors\":%llu}\n",
               cr.fds.size(), (unsigned long long)cr.errors);
  if (!cr.fatal.empty()) {
    std::fprintf(stderr, "loadgen: connecting to %s: %s\n", target.text.c_str(), cr.fatal.c_str());
    for (int fd : cr.fds) close(fd);
    out.fatal = "connect failed";
    return out;
  }
  std::vector<std::string> leftover(cr.fds.size());
  if (o.protocol == "ws") {
    wsclient::UpgradeResult ur = wsclient::upgradeAll(cr.fds, target.text, o.path, 30.0);
    out.upgradeErrors = ur.failed;
    if (ur.failed) std::fprintf(stderr, "loadgen: %llu upgrades failed, first: %s\n", (unsigned long long)ur.failed, ur.firstError.c_str());
    leftover = std::move(ur.leftover);
    size_t up = 0;
    for (int fd : cr.fds) up += fd >= 0;
    std::fprintf(stderr, "{\"phase\":\"upgraded\",\"connections\":%zu,\"upgradeErrors\":%llu}\n", up,
                 (unsigned long long)ur.failed);
    if (!up) out.fatal = "no upgrade succeeded: " + ur.firstError;
  }
  for (size_t i = 0; i < cr.fds.size(); ++i) {
    if (cr.fds[i] < 0) continue;
    out.conns.emplace_back(new Conn());
    out.conns.back()->fd = cr.fds[i];
    out.conns.back()->id = firstId + uint32_t(out.conns.size() - 1);
    out.conns.back()->tail = std::move(leftover[i]);  // bytes that followed a 101
  }
  return out;
}

void configure(Shared& sh, const Options& o, const Target* target) {
  sh.payload = o.payload;
  sh.depth = uint32_t(o.depth);
  sh.pattern = makePattern(o.payload);
  sh.reconnectAfter = o.reconnect;
  sh.target = target;
  sh.protocol = o.protocol == "goim" ? Protocol::kGoim : o.protocol == "ws" ? Protocol::kWebSocket : Protocol::kLength;
  sh.heartbeatEvery = o.heartbeatEvery;
}
