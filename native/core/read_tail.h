// The undecoded bytes of one connection: a partial frame, or decoded frames
// waiting for room in the batch to JS. Empty most of the time, and then it owns
// no memory, so idle connections cost no read buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace ringnet {

class ReadTail {
 public:
  ReadTail() = default;
  ~ReadTail() { std::free(data_); }
  ReadTail(const ReadTail&) = delete;
  ReadTail& operator=(const ReadTail&) = delete;

  const uint8_t* data() const { return data_ + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }

  // Makes room for n more bytes at the end; returns false when out of memory.
  bool reserve(size_t n) {
    if (cap_ - end_ >= n) return true;
    if (begin_ > 0) {  // slide the live bytes to the front first
      std::memmove(data_, data_ + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
      if (cap_ - end_ >= n) return true;
    }
    size_t want = cap_ ? cap_ : 4096;
    while (want - end_ < n) want *= 2;
    auto* grown = static_cast<uint8_t*>(std::realloc(data_, want));
    if (!grown) return false;
    data_ = grown;
    cap_ = want;
    return true;
  }

  bool append(const uint8_t* bytes, size_t n) {
    if (!reserve(n)) return false;
    std::memcpy(data_ + end_, bytes, n);
    end_ += n;
    return true;
  }

  // Space for a direct read after reserve().
  uint8_t* writable() { return data_ + end_; }
  size_t writableSize() const { return cap_ - end_; }
  void commit(size_t n) { end_ += n; }

  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) release();
  }

  void release() {
    std::free(data_);
    data_ = nullptr;
    cap_ = begin_ = end_ = 0;
  }

 private:
  uint8_t* data_ = nullptr;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace ringnet
