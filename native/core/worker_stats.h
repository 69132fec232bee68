// Per-worker counters: written by the worker's thread only, read by JS at any
// time (server.stats()); relaxed atomics, no read-modify-write on the hot path.
#pragma once

#include <atomic>
#include <cstdint>

namespace ringnet {

struct WorkerStats {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> closed{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> bytesIn{0};
  std::atomic<uint64_t> bytesOut{0};
  std::atomic<uint64_t> framesIn{0};
  std::atomic<uint64_t> framesOut{0};
  std::atomic<uint64_t> acceptErrors{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> tlsHandshakes{0};         // completed
  std::atomic<uint64_t> tlsHandshakeFailures{0};  // failed, timed out or cut off
  std::atomic<uint64_t> ktlsTx{0};      // TLS connections whose records the kernel encrypts
  std::atomic<uint64_t> fixedFiles{0};  // connections io_uring reached through a registered file
  std::atomic<uint64_t> providedBuffers{0};      // io_uring: provided buffers in the ring (after a pass)
  std::atomic<uint64_t> providedBuffersHeld{0};  // ... taken by the kernel, not yet given back
  // Copies (issue 12): bytes memcpy'd per path, and bytes queued for the kernel
  // by reference instead (a frame sent back unchanged from its batch arena).
  // Always on: one relaxed load + store where a copy of the bytes happens anyway.
  std::atomic<uint64_t> copiedToArena{0};   // frames into the batch arenas (big frames: twice)
  std::atomic<uint64_t> copiedToOutput{0};  // bytes copied into output queues
  std::atomic<uint64_t> copiedToTail{0};    // partial frames kept between reads
  std::atomic<uint64_t> sentByReference{0}; // arena bytes queued without a copy
  // malloc_trim() after a burst (memory_trim.h): how often, and the time it took in all.
  std::atomic<uint64_t> memoryTrims{0};
  std::atomic<uint64_t> memoryTrimNs{0};

  // Single writer: a plain load + store is enough and avoids a locked add.
  static void add(std::atomic<uint64_t>& counter, uint64_t n) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

}  // namespace ringnet
