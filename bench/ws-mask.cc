// Micro-benchmark of WebSocket unmasking (native/core/codec/ws_mask.h): the
// SSE2/word loop the server uses against the byte-at-a-time loop, at the
// message sizes of the echo benchmark. Prints ns per call and GB/s, median
// of 7 interleaved rounds.
//
//   g++ -O2 -std=c++17 -I native bench/ws-mask.cc -o build/ws-mask && build/ws-mask
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/codec/ws_mask.h"

namespace {

template <typename F>
double nsPerCall(F&& f, size_t iters) {
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < iters; ++i) f(i);
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / double(iters);
}

}  // namespace

int main() {
  const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  std::printf("%8s %14s %14s %8s\n", "bytes", "word/SSE2 ns", "bytewise ns", "speedup");
  for (size_t n : {64, 4096, 65536, 1 << 20}) {
    std::vector<uint8_t> src(n + 1), dst(n + 1);
    for (size_t i = 0; i < src.size(); ++i) src[i] = uint8_t(i * 31);
    const size_t iters = std::max<size_t>(200, (256u << 20) / n);
    std::vector<double> fast, slow;
    volatile uint8_t sink = 0;
    for (int round = 0; round < 7; ++round) {
      fast.push_back(nsPerCall([&](size_t i) { ringnet::ws::unmask(dst.data(), src.data(), n, key, i & 3); sink = sink + dst[n / 2]; }, iters));
      slow.push_back(nsPerCall([&](size_t i) { ringnet::ws::unmaskBytewise(dst.data(), src.data(), n, key, i & 3); sink = sink + dst[n / 2]; }, iters));
    }
    std::sort(fast.begin(), fast.end());
    std::sort(slow.begin(), slow.end());
    std::printf("%8zu %14.1f %14.1f %7.1fx   (%.1f GB/s vs %.1f GB/s)\n", n, fast[3], slow[3], slow[3] / fast[3],
                double(n) / fast[3], double(n) / slow[3]);
  }
  return 0;
}
