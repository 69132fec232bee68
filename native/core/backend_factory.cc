#include "backend_factory.h"

#include <algorithm>

#ifdef RINGNET_HAVE_IO_URING
#include "../io_uring/probe.h"
#include "../io_uring/uring_backend.h"
#endif

namespace ringnet {

namespace {
#ifndef RINGNET_HAVE_IO_URING
constexpr const char* kNotBuilt =
    "the io_uring backend is not built into this copy of ringnet: it was compiled without "
    "liburing. Install liburing-dev (apt-get install liburing-dev) and rebuild (npm rebuild "
    "ringnet)";
#endif
}  // namespace

std::unique_ptr<IoBackend> makeBackend(const ServerConfig& config, ChunkPool& pool,
                                       std::string* err) {
  switch (config.backend) {
    case BackendKind::kEpoll:
      return makeEpollBackend(pool, config.readBufferSize, config.readBudget);
    case BackendKind::kIoUring: {
#ifdef RINGNET_HAVE_IO_URING
      std::string why;
      if (!probeIoUring(&why)) {
        *err = "io_uring backend unavailable: " + why;
        return nullptr;
      }
      UringOptions options;
      options.entries = config.ioUring.entries;
      options.bufferCount = config.ioUring.bufferCount;
      options.bufferSize = config.ioUring.bufferSize;
      options.sqpollIdleMs = config.ioUring.sqpoll ? std::max<uint32_t>(config.ioUring.sqpollIdleMs, 1) : 0;
      options.maxConnections = config.maxConnections;
      options.zeroCopyThreshold = config.ioUring.zeroCopyThreshold;
      return makeIoUringBackend(options, pool);
#else
      *err = kNotBuilt;
      return nullptr;
#endif
    }
  }
  *err = "unknown backend";
  return nullptr;
}

bool backendAvailable(BackendKind kind, std::string* why) {
  if (kind == BackendKind::kEpoll) return true;
#ifdef RINGNET_HAVE_IO_URING
  return probeIoUring(why);
#else
  *why = kNotBuilt;
  return false;
#endif
}

}  // namespace ringnet
