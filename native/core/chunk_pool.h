// Fixed-size byte chunks recycled per reactor, so that a request/response
// connection does not malloc and free on every frame. The pool keeps at most
// `maxFree` idle chunks; the rest go back to the allocator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace ringnet {

class ChunkPool {
 public:
  static constexpr size_t kChunkSize = 16 * 1024;

  explicit ChunkPool(size_t maxFree = 256) : maxFree_(maxFree) {}
  ~ChunkPool() {
    for (uint8_t* c : free_) std::free(c);
  }
  ChunkPool(const ChunkPool&) = delete;
  ChunkPool& operator=(const ChunkPool&) = delete;

  uint8_t* take() {
    if (!free_.empty()) {
      uint8_t* c = free_.back();
      free_.pop_back();
      return c;
    }
    return static_cast<uint8_t*>(std::malloc(kChunkSize));
  }

  void give(uint8_t* chunk) {
    if (free_.size() < maxFree_) {
      free_.push_back(chunk);
    } else {
      std::free(chunk);
    }
  }

 private:
  size_t maxFree_;
  std::vector<uint8_t*> free_;
};

}  // namespace ringnet
