// Reads a fuzzer's byte string as a sequence of small typed values, front to
// back. Past the end every read yields 0, so any input is a valid program; the
// committed seeds (test/fuzz/make-seeds.js) are written in the same layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ringnet::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}

  uint8_t u8() { return p_ < end_ ? *p_++ : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
  uint32_t u32() { return u16() | (static_cast<uint32_t>(u16()) << 16); }
  bool flag() { return (u8() & 1) != 0; }

  // n bytes (fewer if the input runs out).
  std::string bytes(size_t n) {
    const size_t avail = static_cast<size_t>(end_ - p_);
    if (n > avail) n = avail;
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  // Everything that is left.
  std::string rest() { return bytes(static_cast<size_t>(end_ - p_)); }
  // The same without a copy: views of the fuzzer's input (valid during the call).
  std::string_view view(size_t n) {
    const size_t avail = static_cast<size_t>(end_ - p_);
    if (n > avail) n = avail;
    const std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  std::string_view restView() { return view(static_cast<size_t>(end_ - p_)); }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// Deterministic pseudo-random numbers from a seed the fuzzer controls
// (xorshift32): cut points and payload sizes derive from it, so a finding
// replays exactly.
class Rng {
 public:
  explicit Rng(uint32_t seed) : x_(seed ? seed : 0x9e3779b9u) {}
  uint32_t next() {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 17;
    x_ ^= x_ << 5;
    return x_;
  }
  // Uniform-ish in [lo, hi].
  size_t between(size_t lo, size_t hi) { return lo + next() % (hi - lo + 1); }

 private:
  uint32_t x_;
};

}  // namespace ringnet::fuzz
