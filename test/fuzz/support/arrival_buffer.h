// Reusable heap buffers whose bytes past the ones in use are poisoned for
// AddressSanitizer, so a read past the bytes handed out is reported exactly as
// a read past an exact-size heap copy would be, without a malloc per input
// (ASan's allocator and the libFuzzer malloc hooks were the largest cost of the
// small targets).
//
//  - ExactBuffer: bytes [0, n) of a kept allocation, the rest poisoned.
//  - ArrivalBuffer: a byte stream that "arrives" front to back (codec_props.h
//    feedStream): one copy per feed, the not-yet-arrived bytes poisoned and
//    unpoisoned piece by piece.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "check.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RINGNET_FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RINGNET_FUZZ_ASAN 1
#endif
#ifdef RINGNET_FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace ringnet::fuzz {

class ExactBuffer {
 public:
  ExactBuffer() = default;
  ~ExactBuffer() { unpoison(0, capacity_); }
  ExactBuffer(const ExactBuffer&) = delete;
  ExactBuffer& operator=(const ExactBuffer&) = delete;

  // n usable bytes (contents unspecified); everything after them, up to the
  // allocation's own redzone, is poisoned. Invalidates earlier pointers.
  uint8_t* get(size_t n) {
    if (n + 1 > capacity_) {
      unpoison(0, capacity_);
      capacity_ = n + 1 > 2 * capacity_ ? n + 1 : 2 * capacity_;
      bytes_.reset(new uint8_t[capacity_]);
    }
    unpoison(0, n);
    poison(n, capacity_ - n);
    return bytes_.get();
  }
  // n bytes copied from src.
  uint8_t* copy(const void* src, size_t n) {
    uint8_t* p = get(n);
    if (n > 0) std::memcpy(p, src, n);
    return p;
  }
  uint8_t* data() const { return bytes_.get(); }

  void poison(size_t from, size_t n) {
#ifdef RINGNET_FUZZ_ASAN
    if (n > 0) ASAN_POISON_MEMORY_REGION(bytes_.get() + from, n);
#else
    (void)from, (void)n;
#endif
  }
  void unpoison(size_t from, size_t n) {
#ifdef RINGNET_FUZZ_ASAN
    if (n > 0) ASAN_UNPOISON_MEMORY_REGION(bytes_.get() + from, n);
#else
    (void)from, (void)n;
#endif
  }

 private:
  std::unique_ptr<uint8_t[]> bytes_;
  size_t capacity_ = 0;
};

class ArrivalBuffer {
 public:
  // Held while one feed uses the buffer (a nested feed would overwrite it).
  class [[nodiscard]] Lease {
   public:
    explicit Lease(bool* inUse) : inUse_(inUse) {}
    ~Lease() { *inUse_ = false; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    bool* inUse_;
  };

  // Copies the stream in; nothing has arrived yet (all of it poisoned).
  Lease load(std::string_view stream) {
    FUZZ_CHECK(!inUse_);  // one feed at a time per buffer
    inUse_ = true;
    buf_.copy(stream.data(), stream.size());
    buf_.poison(0, stream.size());
    arrived_ = 0;
    return Lease(&inUse_);
  }

  // Bytes [0, upTo) have arrived.
  void arrive(size_t upTo) {
    if (upTo > arrived_) buf_.unpoison(arrived_, upTo - arrived_);
    arrived_ = upTo;
  }
  const uint8_t* data() const { return buf_.data(); }

 private:
  ExactBuffer buf_;
  size_t arrived_ = 0;
  bool inUse_ = false;
};

}  // namespace ringnet::fuzz
