// A byte stream that "arrives" front to back: one heap copy whose bytes past
// the arrived prefix are poisoned for AddressSanitizer, so reading a byte that
// has not arrived is reported like a read past an exact-size buffer. Reused
// by every decode call of one feed (see codec_props.h feedStream).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

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

class ArrivalBuffer {
 public:
  explicit ArrivalBuffer(const std::string& stream)
      : size_(stream.size()), bytes_(new uint8_t[stream.size() + 1]) {
    std::memcpy(bytes_.get(), stream.data(), stream.size());
    poison(0, size_ + 1);
  }
  ~ArrivalBuffer() { unpoison(arrived_, size_ + 1 - arrived_); }
  ArrivalBuffer(const ArrivalBuffer&) = delete;
  ArrivalBuffer& operator=(const ArrivalBuffer&) = delete;

  // Bytes [0, upTo) have arrived.
  void arrive(size_t upTo) {
    if (upTo > arrived_) unpoison(arrived_, upTo - arrived_);
    arrived_ = upTo;
  }
  const uint8_t* data() const { return bytes_.get(); }

 private:
  void poison(size_t from, size_t n) {
#ifdef RINGNET_FUZZ_ASAN
    ASAN_POISON_MEMORY_REGION(bytes_.get() + from, n);
#else
    (void)from, (void)n;
#endif
  }
  void unpoison(size_t from, size_t n) {
#ifdef RINGNET_FUZZ_ASAN
    ASAN_UNPOISON_MEMORY_REGION(bytes_.get() + from, n);
#else
    (void)from, (void)n;
#endif
  }

  size_t size_;
  std::unique_ptr<uint8_t[]> bytes_;
  size_t arrived_ = 0;
};

}  // namespace ringnet::fuzz
