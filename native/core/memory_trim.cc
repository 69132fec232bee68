#include "memory_trim.h"

#include <cstdlib>
#include <cstring>
#include <ctime>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ringnet {

namespace {

uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

MemoryTrim::MemoryTrim() {
  const char* v = std::getenv("RINGNET_MEMORY_TRIM");
  enabled_ = v == nullptr || std::strcmp(v, "0") != 0;
}

bool MemoryTrim::onIdle(uint64_t nowMs) {
  if (dueInMs(nowMs) != 0) return false;
  pending_ = 0;
  lastMs_ = nowMs;
#if defined(__GLIBC__)
  const uint64_t start = nowNs();
  malloc_trim(0);
  trimNs_ += nowNs() - start;
  ++trims_;
  return true;
#else
  return false;  // other C libraries give free pages back their own way
#endif
}

int64_t MemoryTrim::dueInMs(uint64_t nowMs) const {
  if (pending_ < kTrimAfterBytes) return -1;
  if (lastMs_ == 0 || nowMs >= lastMs_ + kMinIntervalMs) return 0;
  return static_cast<int64_t>(lastMs_ + kMinIntervalMs - nowMs);
}

}  // namespace ringnet
