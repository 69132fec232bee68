// Fuzz target: raw framing (native/core/codec/raw_codec.cc): frames are what
// each read delivered, cut to maxChunk. Input: u16 chunk limit, a u32 rng
// seed, the stream.
#include <cstdint>

#include "support/codec_props.h"

using namespace ringnet;
using namespace ringnet::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  RawFraming f;
  f.maxChunk = 1 + in.u16() % 1024;
  auto dec = makeRawDecoder(f);
  auto enc = makeRawEncoder();
  FUZZ_CHECK(dec && enc);
  Rng rng(in.u32());
  const std::string stream = in.rest();

  // Whole: full chunks and then the rest; never an error, nothing left over.
  const Decoded& whole = checkCutAnywhere(*dec, stream, rng, /*boundariesFollowReads=*/true);
  FUZZ_CHECK(!whole.error && whole.leftover == 0 && joinedEquals(whole.frames, stream));
  for (size_t i = 0; i < whole.frames.size(); i++) {
    const size_t want = i + 1 < whole.frames.size() ? f.maxChunk : stream.size() - i * f.maxChunk;
    FUZZ_CHECK(whole.frames[i].size() == want);
  }

  RoundTrip rt;
  rt.boundariesFollowReads = true;
  checkRoundTrip(*dec, *enc, stream, rng, 200, rt);
  return 0;
}
