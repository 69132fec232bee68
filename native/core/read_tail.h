// The undecoded bytes of one connection: a partial frame, or decoded frames
// waiting for room in the batch to JS. Empty most of the time, and then it owns
// no memory, so idle connections cost no read buffer. One pointer in the
// connection: capacity and the live range sit in front of the bytes, in the
// same allocation (8 bytes per idle connection instead of 32).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace ringnet {

class ReadTail {
 public:
  ReadTail() = default;
  ~ReadTail() { std::free(b_); }
  ReadTail(const ReadTail&) = delete;
  ReadTail& operator=(const ReadTail&) = delete;

  const uint8_t* data() const { return b_ ? b_->bytes() + b_->begin : nullptr; }
  size_t size() const { return b_ ? b_->end - b_->begin : 0; }
  bool empty() const { return size() == 0; }

  // Makes room for n more bytes at the end; returns false when out of memory.
  bool reserve(size_t n) {
    if (b_ != nullptr) {
      if (b_->cap - b_->end >= n) return true;
      if (b_->begin > 0) {  // slide the live bytes to the front first
        std::memmove(b_->bytes(), b_->bytes() + b_->begin, b_->end - b_->begin);
        b_->end -= b_->begin;
        b_->begin = 0;
        if (b_->cap - b_->end >= n) return true;
      }
    }
    const size_t cap = b_ ? b_->cap : 0;
    const size_t end = b_ ? b_->end : 0;
    // A first tail is small: a burst of opens whose requests wait for room in
    // the batch to JS (threaded workers) parks one tail per connection, and
    // malloc keeps what that peak touched (4096 left ~1.5 KB of RSS per idle
    // threaded WebSocket at 10,000). Larger frames double from here.
    size_t want = cap ? cap : kFirstCapacity;
    while (want - end < n) want *= 2;
    auto* grown = static_cast<Block*>(std::realloc(b_, sizeof(Block) + want));
    if (!grown) return false;
    if (b_ == nullptr) grown->begin = grown->end = 0;
    b_ = grown;
    b_->cap = want;
    return true;
  }

  bool append(const uint8_t* bytes, size_t n) {
    if (!reserve(n)) return false;
    std::memcpy(b_->bytes() + b_->end, bytes, n);
    b_->end += n;
    return true;
  }

  // Space for a direct read after reserve().
  uint8_t* writable() { return b_->bytes() + b_->end; }
  size_t writableSize() const { return b_ ? b_->cap - b_->end : 0; }
  void commit(size_t n) { b_->end += n; }

  void consume(size_t n) {
    if (b_ == nullptr) return;
    b_->begin += n;
    if (b_->begin == b_->end) release();
  }

  void release() {
    std::free(b_);
    b_ = nullptr;
  }

 private:
  struct Block {
    size_t cap;    // capacity of bytes()
    size_t begin;  // first live byte
    size_t end;    // one past the last live byte
    uint8_t* bytes() { return reinterpret_cast<uint8_t*>(this + 1); }  // the capacity follows
  };
  static constexpr size_t kFirstCapacity = 512;
  Block* b_ = nullptr;
};

}  // namespace ringnet
