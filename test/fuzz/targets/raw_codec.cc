// Fuzz target: raw framing (native/core/codec/raw_codec.cc): frames are what
// each read delivered, cut to maxChunk. Input: u16 chunk limit, a u32 rng
// seed, the stream.
//
// Checked exactly, per frame (no list of frames is built: a 1-byte chunk
// limit makes one frame per byte): fed in any pieces, every piece comes out
// as frames of maxChunk bytes and then the piece's rest, each frame carrying
// exactly the bytes it consumed, never an error and nothing left over. So the
// frames tile the stream (its bytes survive any cut) and follow the reads.
// Fed whole (one piece) this is "full chunks, then the rest". Round trip: the
// encoder adds nothing (no header, no trailer), so encoded payloads are the
// stream again, which decodes as above.
#include <cstdint>

#include "support/codec_props.h"

using namespace ringnet;
using namespace ringnet::fuzz;

namespace {

// Decodes `stream` in `pieces` and checks the frames against the reads.
void checkReads(const FrameDecoder& dec, std::string_view stream, const std::vector<size_t>& pieces,
                size_t maxChunk) {
  size_t piece = 0, pieceEnd = 0;  // the read the next frame comes from, and where it ends
  size_t next = 0;                 // where the next frame must start
  const size_t pending = feedStream(
      dec, stream, pieces,
      [&](const uint8_t*, const DecodeResult& r, size_t at) {
        while (pieceEnd <= at) pieceEnd += pieces[piece++];
        FUZZ_CHECK(at == next);
        FUZZ_CHECK(r.payloadOffset == 0 && r.payloadLength == r.consumed);
        FUZZ_CHECK(r.consumed == std::min(maxChunk, pieceEnd - at));
        next += r.consumed;
      },
      [&](const DecodeResult&, size_t) { FUZZ_CHECK(false); });  // raw never fails
  FUZZ_CHECK(pending == 0 && next == stream.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  RawFraming f;
  f.maxChunk = 1 + in.u16() % 1024;
  auto dec = makeRawDecoder(f);
  auto enc = makeRawEncoder();
  FUZZ_CHECK(dec && enc);
  Rng rng(in.u32());
  const std::string stream = in.rest();

  checkReads(*dec, stream, wholeCut(stream.size()), f.maxChunk);
  checkReads(*dec, stream, sampledCuts(stream.size(), rng), f.maxChunk);

  // Round trip: payloads of 0..200 bytes encoded back to back are the stream.
  static thread_local std::string wire;
  wire.clear();
  for (size_t at = 0; at < stream.size();) {
    const size_t n = std::min(rng.between(0, 200), stream.size() - at);
    FUZZ_CHECK(encodeFrame(*enc, std::string_view(stream).substr(at, n), &wire));
    at += n;
  }
  FUZZ_CHECK(wire == stream);
  checkReads(*dec, wire, sampledCuts(wire.size(), rng), f.maxChunk);
  return 0;
}
