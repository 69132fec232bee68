// Fuzz target: length-field framing (native/core/codec/length_codec.cc).
// Input: config bytes, a u32 rng seed, then the byte stream (see make-seeds.js).
// Besides the shared properties, every stream is checked against a reference
// decoder written with 128-bit arithmetic, so no overflow can hide in it.
#include <cstdint>

#include "support/codec_props.h"

using namespace ringnet;
using namespace ringnet::fuzz;

namespace {

LengthFraming readConfig(FuzzInput& in) {
  static const uint32_t kFieldSizes[] = {1, 2, 3, 4, 8};
  LengthFraming f;
  const uint8_t shape = in.u8();
  f.byteOrder = (shape & 1) ? ByteOrder::kLittle : ByteOrder::kBig;
  f.lengthFieldLength = kFieldSizes[(shape >> 1) % 5];
  f.lengthFieldOffset = in.u8() % 8;
  const uint64_t headerEnd = f.lengthFieldOffset + f.lengthFieldLength;
  const uint8_t adj = in.u8();
  // Mostly small adjustments; two codes pick the extremes.
  f.lengthAdjustment = adj == 0x7f ? INT64_MAX : adj == 0x80 ? INT64_MIN : static_cast<int8_t>(adj);
  const uint8_t strip = in.u8();
  f.initialBytesToStrip = (strip & 0x80) ? static_cast<uint32_t>(headerEnd) : strip % (headerEnd + 4);
  const uint16_t max = in.u16();
  f.maxFrameLength = max == 0xffff ? UINT64_MAX : headerEnd + max;
  return f;
}

uint64_t readField(const LengthFraming& f, const uint8_t* p) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < f.lengthFieldLength; i++) {
    const uint32_t idx = f.byteOrder == ByteOrder::kBig ? i : f.lengthFieldLength - 1 - i;
    v = (v << 8) | p[idx];
  }
  return v;
}

// The obvious decoder, on the whole stream.
// (a per-thread Decoded, valid until the next call)
const Decoded& reference(const LengthFraming& f, const std::string& s) {
  using i128 = __int128;
  const i128 kTwo64 = i128{1} << 64;
  const uint64_t headerEnd = f.lengthFieldOffset + f.lengthFieldLength;
  static thread_local Decoded d;
  d.clear();
  size_t at = 0;
  for (;;) {
    const size_t len = s.size() - at;
    if (len < headerEnd) break;
    const uint64_t v = readField(f, reinterpret_cast<const uint8_t*>(s.data()) + at + f.lengthFieldOffset);
    const i128 withHeader = i128{v} + headerEnd;
    const i128 frame = withHeader + f.lengthAdjustment;
    CodecError err = CodecError::kNone;
    if (withHeader >= kTwo64 || frame >= kTwo64 || frame < i128{headerEnd} ||
        frame < i128{f.initialBytesToStrip}) {
      err = CodecError::kBadLength;
    } else if (frame > i128{f.maxFrameLength}) {
      err = CodecError::kFrameTooLarge;
    }
    if (err != CodecError::kNone) {
      d.error = true;
      d.code = err;
      d.leftover = len;
      return d;
    }
    if (i128{len} < frame) break;
    const size_t n = static_cast<size_t>(frame);
    d.frames.push_back(std::string_view(s).substr(at + f.initialBytesToStrip, n - f.initialBytesToStrip));
    d.consumed.push_back(n);
    at += n;
  }
  d.leftover = s.size() - at;
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const LengthFraming f = readConfig(in);
  auto dec = makeLengthDecoder(f);
  auto enc = makeLengthEncoder(f);
  FUZZ_CHECK(dec && enc);  // readConfig only builds valid configurations
  Rng rng(in.u32());
  const std::string stream = in.rest();

  const Decoded& got = checkCutAnywhere(*dec, stream, rng);
  FUZZ_CHECK(sameOutcome(got, reference(f, stream)));

  RoundTrip rt;
  rt.carries = [&](std::string_view, std::string_view wire) { return wire.size() >= f.initialBytesToStrip; };
  rt.expected = [&](std::string_view, std::string_view wire) { return wire.substr(f.initialBytesToStrip); };
  checkRoundTrip(*dec, *enc, stream, rng, 300, rt);
  return 0;
}
