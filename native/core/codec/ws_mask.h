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

// The key rotated to start at key[phase % 4], repeated over 8 bytes (in memory
// order: byte j is key[(phase + j) % 4]).
inline uint64_t maskWord(const uint8_t key[4], size_t phase) {
  uint32_t k;
  std::memcpy(&k, key, 4);
  const unsigned shift = 8u * static_cast<unsigned>(phase & 3);
  if (shift != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    k = (k << shift) | (k >> (32 - shift));
#else
    k = (k >> shift) | (k << (32 - shift));
#endif
  }
  return uint64_t{k} | (uint64_t{k} << 32);
}

// dst[i] = src[i] ^ key[(phase + i) % 4]; dst may equal src.
inline void unmask(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t key[4], size_t phase) {
  const uint64_t m = maskWord(key, phase);
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
  for (; i < n; ++i) dst[i] = src[i] ^ key[(phase + i) & 3];
}

// The byte-at-a-time reference (tests and the benchmark compare against it).
inline void unmaskBytewise(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t key[4],
                           size_t phase) {
  for (size_t i = 0; i < n; ++i) dst[i] = src[i] ^ key[(phase + i) & 3];
}

}  // namespace ringnet::ws
