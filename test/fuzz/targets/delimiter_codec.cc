// Fuzz target: delimiter framing (native/core/codec/delimiter_codec.cc).
// Input: config bytes (delimiter, limit, strip), a u32 rng seed, the stream.
// The reference is std::string::find from each frame start: the decoder's
// incremental scan (state.scanned, split delimiters) must agree with it.
#include <algorithm>
#include <cstdint>

#include "support/codec_props.h"

using namespace ringnet;
using namespace ringnet::fuzz;

namespace {

DelimiterFraming readConfig(FuzzInput& in) {
  DelimiterFraming f;
  const uint8_t shape = in.u8();
  f.delimiter = in.bytes(1 + shape % 4);
  if (f.delimiter.empty()) f.delimiter = "\n";
  f.stripDelimiter = (shape & 0x80) == 0;
  f.maxFrameLength = in.u16() % 1024;  // small limits make the limit paths reachable
  return f;
}

// The reference outcome (a per-thread Decoded, valid until the next call).
const Decoded& reference(const DelimiterFraming& f, const std::string& s) {
  const std::string& delim = f.delimiter;
  const size_t d = delim.size();
  static thread_local Decoded out;
  out.clear();
  size_t at = 0;
  for (;;) {
    const size_t pos = s.find(delim, at);
    if (pos != std::string::npos && pos - at <= f.maxFrameLength) {
      out.frames.push_back(std::string_view(s).substr(at, pos - at + (f.stripDelimiter ? 0 : d)));
      out.consumed.push_back(pos - at + d);
      at = pos + d;
      continue;
    }
    const size_t len = s.size() - at;
    // Too large once every start position within the limit has been seen and
    // none begins a delimiter, not even one cut off by the end of the input.
    bool partial = false;
    for (size_t q = len >= d ? len - d + 1 : 0; q < len && q <= f.maxFrameLength; q++) {
      if (s.compare(at + q, len - q, delim, 0, len - q) == 0) partial = true;
    }
    if (len > f.maxFrameLength && !partial) {
      out.error = true;
      out.code = CodecError::kFrameTooLarge;
    }
    out.leftover = len;
    return out;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const DelimiterFraming f = readConfig(in);
  auto dec = makeDelimiterDecoder(f);
  auto enc = makeDelimiterEncoder(f);
  FUZZ_CHECK(dec && enc);
  Rng rng(in.u32());
  const std::string stream = in.rest();

  const Decoded& got = checkCutAnywhere(*dec, stream, rng);
  FUZZ_CHECK(sameOutcome(got, reference(f, stream)));

  // A payload survives framing when the first delimiter in payload+delimiter
  // is the appended one (so "a" + "aa" does not, for delimiter "aa").
  RoundTrip rt;
  rt.carries = [&](std::string_view payload, std::string_view wire) {
    return payload.size() <= f.maxFrameLength && wire.find(f.delimiter) == payload.size();
  };
  rt.expected = [&](std::string_view payload, std::string_view wire) {
    return f.stripDelimiter ? wire.substr(0, payload.size()) : wire;
  };
  checkRoundTrip(*dec, *enc, stream, rng, 64, rt);
  return 0;
}
