// Registered (fixed) files for connection sockets (IORING_REGISTER_FILES,
// sparse since Linux 5.19): each connection's socket is installed at its
// reactor slot, and its ops name that index with IOSQE_FIXED_FILE, so the
// kernel skips the per-op file lookup and reference count. The socket keeps
// its ordinary fd too (setsockopt, kTLS, shutdown, close all use it).
//
// Lifetime: the table holds its own reference to the socket, so a slot is
// cleared before the fd is closed (or close() would not end the connection),
// and only once no op of the connection is left in the kernel (the backend
// closes after its cancels completed). A later connection in the same slot
// replaces the entry; stale CQEs are recognised by generation, not by file.
//
// Probe-driven: where the kernel (or the RLIMIT_NOFILE) refuses the sparse
// table, every connection uses its plain fd. RINGNET_IO_URING_FIXED_FILES=0
// turns it off (diagnostics, and the fallback's tests).
#pragma once

#include <cstdint>

#include "uring_compat.h"

namespace ringnet {

class FileTable {
 public:
  // Registers a sparse table of up to `slots` entries (capped by the file
  // limit); false when the kernel refuses it or the switch turns it off.
  bool init(io_uring* ring, uint32_t slots);
  bool enabled() const { return slots_ > 0; }
  // Installs fd at `slot`; false (use the plain fd) when the slot is out of
  // range or the kernel refuses.
  bool install(uint32_t slot, int fd);
  // Drops the table's reference to the socket at `slot`.
  void remove(uint32_t slot);

 private:
  io_uring* ring_ = nullptr;
  uint32_t slots_ = 0;
};

}  // namespace ringnet
