// A connection's outbound bytes: a queue of pooled chunks (large payloads get a
// chunk of their own) that both backends gather into iovecs and consume as the
// kernel accepts bytes. Holds no memory while empty.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "chunk_pool.h"
#include "shared_bytes.h"

namespace ringnet {

class OutputQueue {
 public:
  OutputQueue() = default;
  OutputQueue(const OutputQueue&) = delete;
  OutputQueue& operator=(const OutputQueue&) = delete;

  // Appends bytes, copying them. Large appends get a dedicated buffer.
  void append(ChunkPool& pool, const uint8_t* data, size_t len);
  // Appends header + payload + trailer (one encoded frame) with one call.
  void appendFrame(ChunkPool& pool, const uint8_t* header, size_t headerLen,
                   const uint8_t* payload, size_t payloadLen, const uint8_t* trailer,
                   size_t trailerLen);

  // Appends a reference to shared immutable bytes (a broadcast frame): no
  // copy; the bytes are released when consumed or cleared.
  void appendShared(SharedBytes* bytes);

  // Appends a reference to bytes lent by pool.borrowOwner() (a frame in a
  // batch arena): no copy. The owner's returnBorrowed(tag) is called when the
  // chunk is consumed, cleared or copied out by detachBorrowed().
  void appendBorrowed(const uint8_t* data, size_t len, uint32_t tag);
  // Copies every borrowed chunk still queued into memory of its own (the
  // lender wants its memory back); returns the bytes copied.
  size_t detachBorrowed(ChunkPool& pool);
  bool hasBorrowed() const { return s_ && s_->borrowed > 0; }

  // Fills up to maxIov iovecs from the head; returns how many.
  int gather(struct iovec* iov, int maxIov) const;

  // Drops n bytes from the head (n <= size()).
  void consume(ChunkPool& pool, size_t n);

  // Frees everything (connection closed).
  void clear(ChunkPool& pool);

  size_t size() const { return s_ ? s_->size : 0; }
  bool empty() const { return size() == 0; }

  // Zero-copy sends: the kernel reads sent bytes until it says it is done, so
  // while a hold is on, chunks leaving the queue (consumed or cleared) are
  // kept instead of freed or reused.
  class Held;
  void beginHold();
  bool holding() const { return held_ != nullptr; }
  // Ends the hold and frees what it kept.
  void endHold(ChunkPool& pool);
  // Ends the hold and hands what it kept to the caller (the connection is
  // going away before the kernel let go).
  std::unique_ptr<Held> takeHeld();

 private:
  struct Chunk {
    uint8_t* data;
    size_t capacity;
    size_t begin;  // first unsent byte
    size_t end;    // one past the last written byte
    bool pooled;
    SharedBytes* shared;  // set for appendShared chunks (never written into)
    uint32_t borrowTag = 0;  // > 0: lent by the pool's BorrowOwner (tag - 1), never written into
  };
  void release(ChunkPool& pool, Chunk& c);
  static void free(ChunkPool& pool, Chunk& c);

  // What a queue holds while it holds anything: allocated on the first
  // append, freed when the queue empties (kept from the second emptying on,
  // see clear()), so an idle connection's queue is two null pointers.
  struct State {
    // A vector, not a deque: an empty vector allocates nothing (libstdc++'s deque
    // allocates ~600 bytes even when empty), and a queue rarely holds many chunks.
    std::vector<Chunk> chunks;
    size_t head = 0;  // index of the first live chunk
    size_t size = 0;
    uint32_t borrowed = 0;  // live borrowed chunks
  };
  State& state() {
    if (!s_) s_ = std::make_unique<State>();
    return *s_;
  }
  std::unique_ptr<State> s_;  // null while empty (unless reuseIndex_ kept it)
  std::unique_ptr<Held> held_;  // null unless a zero-copy send is in flight
  bool reuseIndex_ = false;  // emptied once already: keep a small index from now on (clear())

  friend class Held;
};

// Chunks kept for the kernel; freed with release() once it is done.
class OutputQueue::Held {
 public:
  Held() = default;
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  ~Held();  // frees what release() did not (teardown)
  void release(ChunkPool& pool);
  size_t bytes() const { return bytes_; }

 private:
  friend class OutputQueue;
  std::vector<Chunk> chunks_;
  size_t bytes_ = 0;
};

}  // namespace ringnet
