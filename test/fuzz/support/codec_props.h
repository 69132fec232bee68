// Properties every frame codec must have, checked by each codec's fuzz target:
//
//  1. Cut anywhere: a byte stream fed in arbitrary pieces decodes to the same
//     frames, the same error and the same leftover as the stream fed whole.
//  2. Bounds: no frame (or announced need) exceeds maxFrameLength(); payloads
//     lie inside the bytes consumed; an error carries a code; decode() never
//     reads past data + len (every call gets an exact-size heap buffer, so
//     AddressSanitizer reports any overread).
//  3. Round trip: payloads encoded with the codec's encoder and concatenated
//     decode back to one frame per payload, each consuming exactly its encoded
//     bytes and carrying the expected payload.
//
// A codec-specific target adds an oracle (an obviously-correct reference
// decoder) on top; see targets/*.cc.
#pragma once

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arrival_buffer.h"
#include "check.h"
#include "core/codec/codec.h"
#include "fuzz_input.h"

namespace ringnet::fuzz {

// frames are views into the decoded stream (no copy per frame: a 1-byte cut
// of a raw stream makes thousands), so the stream must outlive the Decoded;
// reference decoders slice std::string_view(stream), never a temporary.
struct Decoded {
  std::vector<std::string_view> frames;  // payloads
  std::vector<size_t> consumed;       // wire bytes of each frame
  bool error = false;
  CodecError code = CodecError::kNone;
  size_t leftover = 0;                // pending bytes when the input ran out (or at the error)
};

// Piece sizes that add up to len: 1..maxPiece bytes each, from rng.
inline std::vector<size_t> randomCuts(size_t len, Rng& rng, size_t maxPiece) {
  std::vector<size_t> cuts;
  for (size_t done = 0; done < len;) {
    size_t n = rng.between(1, maxPiece);
    if (n > len - done) n = len - done;
    cuts.push_back(n);
    done += n;
  }
  return cuts;
}

// Feeds `stream` in the given pieces the way a connection does (the pending
// tail + new bytes, decode until kNeedMore) and checks property 2 on every
// call. Calls onFrame(data, result, at)
// (`at`: where data is in the stream) for each frame and onError(result, len)
// for an error (after which nothing more is decoded); returns the bytes still
// pending when the input ran out (0 after an error).
// scannedBounded: DecoderState::scanned counts bytes of the pending input
// (true for the plain codecs; HTTP keeps parse progress there instead).
//
// The stream is copied once; the bytes that have not "arrived" yet are
// poisoned for AddressSanitizer and unpoisoned piece by piece, so a decode
// call that reads past its input is an ASan report exactly as with an
// exact-size copy per arrival, at O(piece) cost instead of a malloc and a
// copy of everything pending (which made 1-byte cuts quadratic).
template <typename OnFrame, typename OnError>
size_t feedStream(const FrameDecoder& dec, const std::string& stream, const std::vector<size_t>& pieces,
                  OnFrame&& onFrame, OnError&& onError, bool scannedBounded = true) {
  ArrivalBuffer arrived(stream);
  DecoderState state;
  size_t fed = 0;
  size_t at = 0;  // first pending byte
  for (size_t piece : pieces) {
    fed += piece;
    arrived.arrive(fed);
    for (;;) {
      const size_t len = fed - at;
      const uint8_t* data = arrived.data() + at;
      const DecodeResult r = dec.decode(data, len, state);
      if (r.status == DecodeStatus::kError) {
        FUZZ_CHECK(r.error != CodecError::kNone);
        onError(r, len);
        return 0;  // the connection is closed: nothing after an error
      }
      FUZZ_CHECK(r.error == CodecError::kNone);
      if (r.status == DecodeStatus::kNeedMore) {
        FUZZ_CHECK(r.needed == 0 || r.needed > len);
        FUZZ_CHECK(r.needed <= dec.maxFrameLength());
        if (scannedBounded) FUZZ_CHECK(state.scanned <= len);
        break;
      }
      FUZZ_CHECK(r.consumed > 0 && r.consumed <= len);
      FUZZ_CHECK(r.consumed <= dec.maxFrameLength());
      FUZZ_CHECK(r.payloadOffset <= r.consumed && r.payloadLength <= r.consumed - r.payloadOffset);
      FUZZ_CHECK(state.scanned == 0);
      onFrame(data, r, at);
      at += r.consumed;
    }
  }
  return fed - at;
}

inline Decoded decodeStream(const FrameDecoder& dec, const std::string& stream,
                            const std::vector<size_t>& pieces) {
  Decoded out;
  const size_t pending = feedStream(
      dec, stream, pieces,
      [&](const uint8_t*, const DecodeResult& r, size_t at) {
        out.frames.push_back(std::string_view(stream).substr(at + r.payloadOffset, r.payloadLength));
        out.consumed.push_back(r.consumed);
      },
      [&](const DecodeResult& r, size_t len) {
        out.error = true;
        out.code = r.error;
        out.leftover = len;
      });
  if (!out.error) out.leftover = pending;
  return out;
}

inline Decoded decodeWhole(const FrameDecoder& dec, const std::string& stream) {
  return decodeStream(dec, stream, stream.empty() ? std::vector<size_t>{} : std::vector<size_t>{stream.size()});
}

// Leftover is compared only without an error: an error is reported as soon as
// it is provable, which in pieces can be before the whole stream has arrived.
inline bool sameOutcome(const Decoded& a, const Decoded& b) {
  return a.frames == b.frames && a.consumed == b.consumed && a.error == b.error && a.code == b.code &&
         (a.error || a.leftover == b.leftover);
}

inline bool sameFrames(const std::vector<std::string_view>& got, const std::vector<std::string>& want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i]) return false;
  }
  return true;
}

// Concatenation of the payloads: what a boundary-free codec (raw) preserves.
inline std::string joined(const Decoded& d) {
  std::string s;
  for (std::string_view f : d.frames) s += f;
  return s;
}

// One cut pattern per input, picked by rng: byte by byte, small, medium or
// large random pieces, or a few random cut points. Checking every pattern on
// every input made the targets slow (each 1-byte pass is one decode call per
// byte); over millions of inputs each pattern still meets every input shape.
inline std::vector<size_t> sampledCuts(size_t len, Rng& rng) {
  static const size_t kMaxPieces[] = {1, 7, 64, 4096};
  const uint32_t pick = rng.next() % 5;
  if (pick < 4) return randomCuts(len, rng, kMaxPieces[pick]);
  std::vector<size_t> cuts;  // 1..8 cut points anywhere
  std::vector<size_t> points;
  for (size_t n = rng.between(1, 8); n > 0 && len > 1; --n) points.push_back(rng.between(1, len - 1));
  std::sort(points.begin(), points.end());
  size_t prev = 0;
  for (size_t p : points) {
    if (p > prev) cuts.push_back(p - prev), prev = p;
  }
  if (len > prev) cuts.push_back(len - prev);
  return cuts;
}

// Property 1 (+2): returns the whole-stream outcome for oracle checks.
// boundariesFollowReads: the codec's frames are "what one read delivered"
// (raw), so only the byte sequence, not the frame list, must survive cutting.
inline Decoded checkCutAnywhere(const FrameDecoder& dec, const std::string& stream, Rng& rng,
                                bool boundariesFollowReads = false) {
  const Decoded whole = decodeWhole(dec, stream);
  const Decoded cut = decodeStream(dec, stream, sampledCuts(stream.size(), rng));
  if (boundariesFollowReads) {
    FUZZ_CHECK(joined(cut) == joined(whole));
    FUZZ_CHECK(cut.error == whole.error && (cut.error || cut.leftover == whole.leftover));
  } else {
    FUZZ_CHECK(sameOutcome(cut, whole));
  }
  return whole;
}

// Encodes one payload: header (into a buffer of exactly maxHeaderLength()
// bytes, so a header overrun is an ASan report) + payload + trailer.
// False when the encoder refuses the payload.
inline bool encodeFrame(const FrameEncoder& enc, const std::string& payload, std::string* wire) {
  const size_t cap = enc.maxHeaderLength();
  std::unique_ptr<uint8_t[]> header(new uint8_t[cap ? cap : 1]);
  const int n = enc.header(payload.size(), header.get());
  if (n < 0) return false;
  FUZZ_CHECK(static_cast<size_t>(n) <= cap);
  size_t trailerLength = 0;
  const uint8_t* trailer = enc.trailer(&trailerLength);
  FUZZ_CHECK(trailer != nullptr);
  wire->assign(reinterpret_cast<const char*>(header.get()), static_cast<size_t>(n));
  *wire += payload;
  wire->append(reinterpret_cast<const char*>(trailer), trailerLength);
  return true;
}

struct RoundTrip {
  // Frames the codec cannot carry (a delimiter inside the payload, a frame
  // shorter than the bytes to strip); default: all the encoder accepts.
  std::function<bool(const std::string& payload, const std::string& wire)> carries;
  // Every payload has this size (fixed framing); 0: sizes 0..maxPayload.
  size_t fixedSize = 0;
  // The payload the decoder is expected to return for an encoded frame;
  // default: the payload itself.
  std::function<std::string(const std::string& payload, const std::string& wire)> expected;
  // See checkCutAnywhere.
  bool boundariesFollowReads = false;
};

// Property 3. Payload sizes come from rng, bytes from `source`.
inline void checkRoundTrip(const FrameDecoder& dec, const FrameEncoder& enc, const std::string& source,
                           Rng& rng, size_t maxPayload, const RoundTrip& rt = {}) {
  std::vector<std::string> payloads;
  for (size_t at = 0; at < source.size();) {
    size_t n = rt.fixedSize ? rt.fixedSize : rng.between(0, maxPayload);
    if (n > source.size() - at) n = source.size() - at;
    payloads.push_back(source.substr(at, n));
    at += n == 0 ? 1 : n;  // a run of empty payloads still ends
  }
  std::string stream;
  std::vector<std::string> want;
  std::vector<size_t> wireSizes;
  for (const std::string& p : payloads) {
    std::string wire;
    if (!encodeFrame(enc, p, &wire)) continue;
    if (rt.carries && !rt.carries(p, wire)) continue;
    stream += wire;
    want.push_back(rt.expected ? rt.expected(p, wire) : p);
    wireSizes.push_back(wire.size());
  }
  const Decoded d = checkCutAnywhere(dec, stream, rng, rt.boundariesFollowReads);
  FUZZ_CHECK(!d.error && d.leftover == 0);
  if (rt.boundariesFollowReads) {
    std::string all;
    for (const std::string& w : want) all += w;
    FUZZ_CHECK(joined(d) == all);
    return;
  }
  FUZZ_CHECK(sameFrames(d.frames, want));
  FUZZ_CHECK(d.consumed == wireSizes);
}

}  // namespace ringnet::fuzz
