// Picks the I/O backend a server asked for. The only place that knows which
// backends were compiled in.
#pragma once

#include <memory>
#include <string>

#include "chunk_pool.h"
#include "io_backend.h"
#include "server_config.h"

namespace ringnet {

std::unique_ptr<IoBackend> makeBackend(const ServerConfig& config, ChunkPool& pool,
                                       std::string* err);

// Whether the backend was compiled in and works on this kernel; *why says why not.
bool backendAvailable(BackendKind kind, std::string* why);

}  // namespace ringnet
