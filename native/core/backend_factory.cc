#include "backend_factory.h"

namespace ringnet {

std::unique_ptr<IoBackend> makeBackend(const ServerConfig& config, ChunkPool& pool,
                                       std::string* err) {
  switch (config.backend) {
    case BackendKind::kEpoll:
      return makeEpollBackend(pool, config.readBufferSize, config.readBudget);
    case BackendKind::kIoUring:
      *err = "the io_uring backend is not built into this copy of ringnet";
      return nullptr;
  }
  *err = "unknown backend";
  return nullptr;
}

bool backendAvailable(BackendKind kind, std::string* why) {
  if (kind == BackendKind::kEpoll) return true;
  *why = "the io_uring backend is not built into this copy of ringnet";
  return false;
}

}  // namespace ringnet
