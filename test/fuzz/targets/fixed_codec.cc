// Fuzz target: fixed-size framing (native/core/codec/fixed_codec.cc).
// Input: u16 frame size, a u32 rng seed, the stream.
#include <cstdint>

#include "support/codec_props.h"

using namespace ringnet;
using namespace ringnet::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  FixedFraming f;
  f.frameLength = 1 + in.u16() % 512;
  auto dec = makeFixedDecoder(f);
  auto enc = makeFixedEncoder(f);
  FUZZ_CHECK(dec && enc);
  Rng rng(in.u32());
  const std::string stream = in.rest();

  // Reference: consecutive slices of frameLength bytes; never an error.
  static thread_local Decoded want;
  want.clear();
  const size_t n = static_cast<size_t>(f.frameLength);
  size_t at = 0;
  for (; stream.size() - at >= n; at += n) {
    want.frames.push_back(std::string_view(stream).substr(at, n));
    want.consumed.push_back(n);
  }
  want.leftover = stream.size() - at;
  FUZZ_CHECK(sameOutcome(checkCutAnywhere(*dec, stream, rng), want));

  // Only a payload of exactly frameLength bytes is encodable.
  static thread_local std::string wire, filler;
  filler.assign(n + 1, 'x');
  FUZZ_CHECK(!encodeFrame(*enc, filler, &wire));
  FUZZ_CHECK(n == 1 || !encodeFrame(*enc, std::string_view(filler).substr(0, n - 1), &wire));
  RoundTrip rt;
  rt.fixedSize = n;
  checkRoundTrip(*dec, *enc, stream, rng, n, rt);
  return 0;
}
