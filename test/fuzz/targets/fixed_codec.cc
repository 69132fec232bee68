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
  Decoded want;
  const size_t n = static_cast<size_t>(f.frameLength);
  size_t at = 0;
  for (; stream.size() - at >= n; at += n) {
    want.frames.push_back(std::string_view(stream).substr(at, n));
    want.consumed.push_back(n);
  }
  want.leftover = stream.size() - at;
  FUZZ_CHECK(sameOutcome(checkCutAnywhere(*dec, stream, rng), want));

  // Only a payload of exactly frameLength bytes is encodable.
  std::string wire;
  FUZZ_CHECK(!encodeFrame(*enc, std::string(n + 1, 'x'), &wire));
  FUZZ_CHECK(n == 1 || !encodeFrame(*enc, std::string(n - 1, 'x'), &wire));
  RoundTrip rt;
  rt.fixedSize = n;
  checkRoundTrip(*dec, *enc, stream, rng, n, rt);
  return 0;
}
