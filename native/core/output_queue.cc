#include "output_queue.h"

#include <algorithm>
#include <cstdlib>
#include <cstddef>
#include <cstring>

namespace ringnet {

void OutputQueue::append(ChunkPool& pool, const uint8_t* data, size_t len) {
  if (len == 0) return;
  State& s = state();
  s.size += len;
  // Fill the tail chunk first so that many small frames share one iovec.
  if (s.head < s.chunks.size()) {
    Chunk& tail = s.chunks.back();
    size_t room = tail.capacity - tail.end;
    size_t n = std::min(room, len);
    if (n > 0) {
      std::memcpy(tail.data + tail.end, data, n);
      tail.end += n;
      data += n;
      len -= n;
    }
  }
  while (len > 0) {
    Chunk c{};
    if (len >= ChunkPool::kChunkSize * 4) {
      // A big payload gets one exact buffer: one copy, one iovec.
      c.data = static_cast<uint8_t*>(std::malloc(len));
      c.capacity = len;
      c.pooled = false;
    } else {
      c.data = pool.take();
      c.capacity = ChunkPool::kChunkSize;
      c.pooled = true;
    }
    size_t n = std::min(c.capacity, len);
    std::memcpy(c.data, data, n);
    c.end = n;
    s.chunks.push_back(c);
    data += n;
    len -= n;
  }
}

void OutputQueue::appendFrame(ChunkPool& pool, const uint8_t* header, size_t headerLen,
                              const uint8_t* payload, size_t payloadLen,
                              const uint8_t* trailer, size_t trailerLen) {
  size_t total = headerLen + payloadLen + trailerLen;
  // The common case, a small frame that fits the tail chunk: three copies, no
  // bookkeeping in between.
  if (s_ && s_->head < s_->chunks.size()) {
    Chunk& tail = s_->chunks.back();
    if (tail.pooled && tail.capacity - tail.end >= total) {
      uint8_t* p = tail.data + tail.end;
      if (headerLen) std::memcpy(p, header, headerLen);
      std::memcpy(p + headerLen, payload, payloadLen);
      if (trailerLen) std::memcpy(p + headerLen + payloadLen, trailer, trailerLen);
      tail.end += total;
      s_->size += total;
      return;
    }
  }
  append(pool, header, headerLen);
  append(pool, payload, payloadLen);
  append(pool, trailer, trailerLen);
}

void OutputQueue::appendShared(SharedBytes* bytes) {
  if (bytes->size() == 0) return;
  bytes->retain();
  State& s = state();
  // capacity == end: append() finds no room in it and never writes into it.
  s.chunks.push_back(Chunk{bytes->data(), bytes->size(), 0, bytes->size(), false, bytes});
  s.size += bytes->size();
}

void OutputQueue::appendBorrowed(const uint8_t* data, size_t len, uint32_t tag) {
  if (len == 0) return;
  // capacity == end: append() finds no room in it and never writes into it.
  Chunk c{const_cast<uint8_t*>(data), len, 0, len, false, nullptr, tag + 1};
  State& s = state();
  s.chunks.push_back(c);
  s.size += len;
  ++s.borrowed;
}

size_t OutputQueue::detachBorrowed(ChunkPool& pool) {
  if (!hasBorrowed()) return 0;
  State& s = *s_;
  size_t copied = 0;
  for (size_t i = s.head; i < s.chunks.size(); ++i) {
    Chunk& c = s.chunks[i];
    if (c.borrowTag == 0) continue;
    const size_t n = c.end - c.begin;
    Chunk own{};
    if (n <= ChunkPool::kChunkSize) {
      own.data = pool.take();
      own.capacity = ChunkPool::kChunkSize;
      own.pooled = true;
    } else {
      own.data = static_cast<uint8_t*>(std::malloc(n));
      own.capacity = n;
    }
    std::memcpy(own.data, c.data + c.begin, n);
    own.end = n;
    // Appends fill the tail chunk only: one in the middle is marked full.
    if (i + 1 < s.chunks.size()) own.capacity = own.end;
    free(pool, c);
    c = own;
    copied += n;
  }
  s.borrowed = 0;
  return copied;
}

int OutputQueue::gather(struct iovec* iov, int maxIov) const {
  int n = 0;
  if (!s_) return 0;
  for (size_t i = s_->head; i < s_->chunks.size() && n < maxIov; ++i) {
    const Chunk& c = s_->chunks[i];
    iov[n].iov_base = c.data + c.begin;
    iov[n].iov_len = c.end - c.begin;
    ++n;
  }
  return n;
}

void OutputQueue::consume(ChunkPool& pool, size_t n) {
  if (!s_) return;
  State& s = *s_;
  s.size -= n;
  while (n > 0 && s.head < s.chunks.size()) {
    Chunk& head = s.chunks[s.head];
    size_t avail = head.end - head.begin;
    if (n < avail) {
      head.begin += n;
      return;
    }
    n -= avail;
    release(pool, head);
    ++s.head;
  }
  // An emptied queue keeps no chunk: idle connections hold no memory.
  if (s.size == 0) {
    clear(pool);
  } else if (s.head >= 16 && s.head * 2 >= s.chunks.size()) {
    // A queue that never empties (streaming) must not keep dead entries.
    s.chunks.erase(s.chunks.begin(), s.chunks.begin() + static_cast<std::ptrdiff_t>(s.head));
    s.head = 0;
  }
}

void OutputQueue::clear(ChunkPool& pool) {
  if (!s_) return;
  State& s = *s_;
  for (size_t i = s.head; i < s.chunks.size(); ++i) release(pool, s.chunks[i]);
  // Keep a small index (no malloc per flush on request/response traffic),
  // but only from the second time the queue empties: a connection that sent
  // one thing and went idle (a WebSocket after its 101) keeps no memory. A
  // large index is dropped so a past burst does not pin memory.
  const bool used = s.chunks.capacity() != 0;
  if (s.chunks.capacity() > 4 || !reuseIndex_) {
    s_.reset();
  } else {
    s.chunks.clear();
    s.head = 0;
    s.size = 0;
    s.borrowed = 0;
  }
  if (used) reuseIndex_ = true;
}

void OutputQueue::release(ChunkPool& pool, Chunk& c) {
  if (c.borrowTag != 0) --s_->borrowed;
  if (held_) {
    held_->bytes_ += c.capacity;
    held_->chunks_.push_back(c);
    c.data = nullptr;
    c.shared = nullptr;  // the hold owns the reference now
    c.borrowTag = 0;
    return;
  }
  free(pool, c);
}

void OutputQueue::beginHold() {
  if (!held_) held_ = std::make_unique<Held>();
}

void OutputQueue::endHold(ChunkPool& pool) {
  if (!held_) return;
  held_->release(pool);
  held_.reset();
}

std::unique_ptr<OutputQueue::Held> OutputQueue::takeHeld() { return std::move(held_); }

OutputQueue::Held::~Held() {
  // Pooled chunks come from malloc too: without the pool, free them directly.
  for (Chunk& c : chunks_) {
    if (c.shared) {
      c.shared->release();
    } else if (c.borrowTag == 0) {  // borrowed memory belongs to its lender, gone by now
      std::free(c.data);
    }
  }
}

void OutputQueue::Held::release(ChunkPool& pool) {
  for (Chunk& c : chunks_) OutputQueue::free(pool, c);
  chunks_.clear();
  bytes_ = 0;
}

void OutputQueue::free(ChunkPool& pool, Chunk& c) {
  if (c.shared) {
    c.shared->release();
    c.shared = nullptr;
  } else if (c.borrowTag != 0) {
    if (BorrowOwner* owner = pool.borrowOwner()) owner->returnBorrowed(c.borrowTag - 1);
    c.borrowTag = 0;
  } else if (c.pooled) {
    pool.give(c.data);
  } else {
    std::free(c.data);
  }
  c.data = nullptr;
}

}  // namespace ringnet
