// Fixed-size byte chunks recycled per reactor, so that a request/response
// connection does not malloc and free on every frame. The pool keeps at most
// `maxFree` idle chunks; the rest go back to the allocator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace ringnet {

// Whoever lends output queues memory they do not own (the reactor: frames of a
// batch arena sent back unchanged). Told when a queue lets go of a borrowed
// chunk, so that the memory can be reused once nothing points into it.
class BorrowOwner {
 public:
  virtual ~BorrowOwner() = default;
  virtual void returnBorrowed(uint32_t tag) = 0;
};

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

  // The lender of borrowed chunks (OutputQueue::appendBorrowed); may be null
  // when nothing ever borrows.
  void setBorrowOwner(BorrowOwner* owner) { borrowOwner_ = owner; }
  BorrowOwner* borrowOwner() const { return borrowOwner_; }

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
  BorrowOwner* borrowOwner_ = nullptr;
};

}  // namespace ringnet
