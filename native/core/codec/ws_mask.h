// Client-to-server masking (RFC 6455 5.3): payload byte i is XORed with
// key[i % 4]. Done 16 bytes at a time with SSE2 on x86-64 (baseline there,
// so no runtime dispatch), 8 at a time elsewhere; bench/ws-mask.cc measures it
// against the byte loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ringnet::ws {

// dst[i] = src[i] ^ key[(phase + i) % 4]; dst may equal src.
inline void unmask(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t key[4], size_t phase) {
  uint8_t rotated[8];
  for (int j = 0; j < 8; ++j) rotated[j] = key[(phase + static_cast<size_t>(j)) & 3];
  uint64_t m;
  std::memcpy(&m, rotated, 8);
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i m16 = _mm_set1_epi64x(static_cast<long long>(m));
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_xor_si128(v, m16));
  }
#endif
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, src + i, 8);
    w ^= m;
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < n; ++i) dst[i] = src[i] ^ rotated[i & 7];
}

// The byte-at-a-time reference (tests and the benchmark compare against it).
inline void unmaskBytewise(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t key[4],
                           size_t phase) {
  for (size_t i = 0; i < n; ++i) dst[i] = src[i] ^ key[(phase + i) & 3];
}

}  // namespace ringnet::ws
