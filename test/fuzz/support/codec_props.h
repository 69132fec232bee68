// Properties every frame codec must have, checked by each codec's fuzz target:
//
//  1. Cut anywhere: a byte stream fed in arbitrary pieces decodes to the same
//     frames, the same error and the same leftover as the stream fed whole.
//  2. Bounds: no frame (or announced need) exceeds maxFrameLength(); payloads
//     lie inside the bytes consumed; an error carries a code; decode() never
//     reads past data + len (the bytes past it are ASan-poisoned, so
//     AddressSanitizer reports any overread).
//  3. Round trip: payloads encoded with the codec's encoder and concatenated
//     decode back to one frame per payload, each consuming exactly its encoded
//     bytes and carrying the expected payload.
//
// A codec-specific target adds an oracle (an obviously-correct reference
// decoder) on top; see targets/*.cc.
//
// Speed (docs/fuzz-speed.md): nothing here allocates per input once warm.
// Buffers are per-thread and reused (cleared, not freed): a Decoded returned by
// reference is valid until the next call of the same function, and frames are
// views into the stream.
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

  // Empty again, keeping the vectors' capacity.
  void clear() {
    frames.clear();
    consumed.clear();
    error = false;
    code = CodecError::kNone;
    leftover = 0;
  }
};

// Appends piece sizes that add up to len: 1..maxPiece bytes each, from rng.
inline void appendRandomCuts(size_t len, Rng& rng, size_t maxPiece, std::vector<size_t>* cuts) {
  for (size_t done = 0; done < len;) {
    size_t n = rng.between(1, maxPiece);
    if (n > len - done) n = len - done;
    cuts->push_back(n);
    done += n;
  }
}

// The whole stream as one piece (none when it is empty).
inline const std::vector<size_t>& wholeCut(size_t len) {
  static thread_local std::vector<size_t> one;
  one.clear();
  if (len > 0) one.push_back(len);
  return one;
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
size_t feedStream(const FrameDecoder& dec, std::string_view stream, const std::vector<size_t>& pieces,
                  OnFrame&& onFrame, OnError&& onError, bool scannedBounded = true) {
  static thread_local ArrivalBuffer arrived;
  const ArrivalBuffer::Lease lease = arrived.load(stream);
  const size_t maxFrame = dec.maxFrameLength();  // once, not a virtual call per frame
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
        FUZZ_CHECK(r.needed <= maxFrame);
        if (scannedBounded) FUZZ_CHECK(state.scanned <= len);
        break;
      }
      FUZZ_CHECK(r.consumed > 0 && r.consumed <= len);
      FUZZ_CHECK(r.consumed <= maxFrame);
      FUZZ_CHECK(r.payloadOffset <= r.consumed && r.payloadLength <= r.consumed - r.payloadOffset);
      FUZZ_CHECK(state.scanned == 0);
      onFrame(data, r, at);
      at += r.consumed;
    }
  }
  return fed - at;
}

// Decodes into *out (cleared first); frames are views into `stream`.
inline void decodeStream(const FrameDecoder& dec, std::string_view stream, const std::vector<size_t>& pieces,
                         Decoded* out) {
  out->clear();
  const size_t pending = feedStream(
      dec, stream, pieces,
      [&](const uint8_t*, const DecodeResult& r, size_t at) {
        out->frames.push_back(stream.substr(at + r.payloadOffset, r.payloadLength));
        out->consumed.push_back(r.consumed);
      },
      [&](const DecodeResult& r, size_t len) {
        out->error = true;
        out->code = r.error;
        out->leftover = len;
      });
  if (!out->error) out->leftover = pending;
}

inline void decodeWhole(const FrameDecoder& dec, std::string_view stream, Decoded* out) {
  decodeStream(dec, stream, wholeCut(stream.size()), out);
}

// The same bytes. Frames of one stream are views into it, so the same view
// (pointer and size) settles it without a memcmp (which, through the
// sanitizer's interceptor and libFuzzer's memcmp hook, was ~10% of the small
// targets' time); other views are compared byte for byte.
inline bool sameBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.data() == b.data() || a == b);
}
inline bool sameFrames(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!sameBytes(a[i], b[i])) return false;
  }
  return true;
}

// Leftover is compared only without an error: an error is reported as soon as
// it is provable, which in pieces can be before the whole stream has arrived.
inline bool sameOutcome(const Decoded& a, const Decoded& b) {
  return sameFrames(a.frames, b.frames) && a.consumed == b.consumed && a.error == b.error && a.code == b.code &&
         (a.error || a.leftover == b.leftover);
}

// Same bytes as the concatenated frames (what a boundary-free codec, raw,
// preserves), without building the concatenation.
inline bool joinedEquals(const std::vector<std::string_view>& frames, std::string_view all) {
  size_t at = 0;
  for (std::string_view f : frames) {
    if (all.size() - at < f.size() || all.compare(at, f.size(), f) != 0) return false;
    at += f.size();
  }
  return at == all.size();
}
inline bool sameJoined(const Decoded& a, const Decoded& b) {
  size_t ai = 0, aOff = 0;  // walk a's frames against b's
  for (std::string_view f : b.frames) {
    for (size_t fOff = 0; fOff < f.size();) {
      while (ai < a.frames.size() && aOff == a.frames[ai].size()) ++ai, aOff = 0;
      if (ai == a.frames.size()) return false;
      const size_t n = std::min(f.size() - fOff, a.frames[ai].size() - aOff);
      if (f.compare(fOff, n, a.frames[ai], aOff, n) != 0) return false;
      fOff += n;
      aOff += n;
    }
  }
  while (ai < a.frames.size() && aOff == a.frames[ai].size()) ++ai, aOff = 0;
  return ai == a.frames.size();
}

// One cut pattern per input, picked by rng: byte by byte, small, medium or
// large random pieces, or a few random cut points. Checking every pattern on
// every input made the targets slow (each 1-byte pass is one decode call per
// byte); over millions of inputs each pattern still meets every input shape.
// The fine patterns cut a window of kFineWindow bytes at a random place (all
// of a shorter stream) and the rest in pieces of up to 4096: a 4 KiB stream
// cut byte by byte was thousands of decode calls for one input, and every
// byte of it still lies in some input's window over a run.
constexpr size_t kFineWindow = 512;
inline void sampledCuts(size_t len, Rng& rng, std::vector<size_t>* cuts) {
  static const size_t kMaxPieces[] = {1, 7, 64, 4096};
  const uint32_t pick = rng.next() % 5;
  cuts->clear();
  if (pick < 4) {
    const size_t window = std::min(len, kFineWindow);
    const size_t from = len > window ? rng.between(0, len - window) : 0;
    appendRandomCuts(from, rng, 4096, cuts);
    appendRandomCuts(window, rng, kMaxPieces[pick], cuts);
    appendRandomCuts(len - from - window, rng, 4096, cuts);
    return;
  }
  // 1..8 cut points anywhere
  size_t points[8];
  size_t count = 0;
  for (size_t n = rng.between(1, 8); n > 0 && len > 1; --n) points[count++] = rng.between(1, len - 1);
  std::sort(points, points + count);
  size_t prev = 0;
  for (size_t i = 0; i < count; ++i) {
    if (points[i] > prev) cuts->push_back(points[i] - prev), prev = points[i];
  }
  if (len > prev) cuts->push_back(len - prev);
}
inline const std::vector<size_t>& sampledCuts(size_t len, Rng& rng) {
  static thread_local std::vector<size_t> cuts;
  sampledCuts(len, rng, &cuts);
  return cuts;
}

// Property 1 (+2): returns the whole-stream outcome for oracle checks (a
// per-thread Decoded, valid until the next call).
// boundariesFollowReads: the codec's frames are "what one read delivered"
// (raw), so only the byte sequence, not the frame list, must survive cutting.
inline const Decoded& checkCutAnywhere(const FrameDecoder& dec, std::string_view stream, Rng& rng,
                                       bool boundariesFollowReads = false) {
  static thread_local Decoded whole, cut;
  decodeWhole(dec, stream, &whole);
  decodeStream(dec, stream, sampledCuts(stream.size(), rng), &cut);
  if (boundariesFollowReads) {
    FUZZ_CHECK(sameJoined(cut, whole));
    FUZZ_CHECK(cut.error == whole.error && (cut.error || cut.leftover == whole.leftover));
  } else {
    FUZZ_CHECK(sameOutcome(cut, whole));
  }
  return whole;
}

// Encodes one payload, appending it to *wire: header (into a buffer of exactly
// maxHeaderLength() bytes, so a header overrun is an ASan report) + payload +
// trailer. False (and *wire unchanged) when the encoder refuses the payload.
inline bool encodeFrame(const FrameEncoder& enc, std::string_view payload, std::string* wire) {
  static thread_local ExactBuffer header;
  const size_t cap = enc.maxHeaderLength();
  uint8_t* h = header.get(cap);
  const int n = enc.header(payload.size(), h);
  if (n < 0) return false;
  FUZZ_CHECK(static_cast<size_t>(n) <= cap);
  size_t trailerLength = 0;
  const uint8_t* trailer = enc.trailer(&trailerLength);
  FUZZ_CHECK(trailer != nullptr);
  wire->append(reinterpret_cast<const char*>(h), static_cast<size_t>(n));
  wire->append(payload);
  wire->append(reinterpret_cast<const char*>(trailer), trailerLength);
  return true;
}

struct RoundTrip {
  // Frames the codec cannot carry (a delimiter inside the payload, a frame
  // shorter than the bytes to strip); default: all the encoder accepts.
  std::function<bool(std::string_view payload, std::string_view wire)> carries;
  // Every payload has this size (fixed framing); 0: sizes 0..maxPayload.
  size_t fixedSize = 0;
  // The payload the decoder is expected to return for an encoded frame, as a
  // part of `wire`; default: the payload itself (a view of the source).
  std::function<std::string_view(std::string_view payload, std::string_view wire)> expected;
  // See checkCutAnywhere.
  bool boundariesFollowReads = false;
};

// Property 3. Payload sizes come from rng, bytes from `source`.
inline void checkRoundTrip(const FrameDecoder& dec, const FrameEncoder& enc, std::string_view source,
                           Rng& rng, size_t maxPayload, const RoundTrip& rt = {}) {
  struct Want {
    size_t at, length;  // the expected payload: offset and size in the stream
    bool inSource;      // (or in `source`, when it is the payload itself)
    size_t wire;        // encoded size
  };
  static thread_local std::string stream;
  static thread_local std::vector<Want> want;
  stream.clear();
  want.clear();
  for (size_t at = 0; at < source.size();) {
    size_t n = rt.fixedSize ? rt.fixedSize : rng.between(0, maxPayload);
    if (n > source.size() - at) n = source.size() - at;
    const std::string_view p = source.substr(at, n);
    at += n == 0 ? 1 : n;  // a run of empty payloads still ends
    const size_t start = stream.size();
    if (!encodeFrame(enc, p, &stream)) continue;
    const std::string_view wire = std::string_view(stream).substr(start);
    if (rt.carries && !rt.carries(p, wire)) {
      stream.resize(start);
      continue;
    }
    if (rt.expected) {
      const std::string_view e = rt.expected(p, wire);
      FUZZ_CHECK(e.data() >= wire.data() && e.data() + e.size() <= wire.data() + wire.size());
      want.push_back({start + static_cast<size_t>(e.data() - wire.data()), e.size(), false, wire.size()});
    } else {
      want.push_back({static_cast<size_t>(p.data() - source.data()), p.size(), true, wire.size()});
    }
  }
  const Decoded& d = checkCutAnywhere(dec, stream, rng, rt.boundariesFollowReads);
  FUZZ_CHECK(!d.error && d.leftover == 0);
  const auto expectedAt = [&](const Want& w) {
    return (w.inSource ? source : std::string_view(stream)).substr(w.at, w.length);
  };
  if (rt.boundariesFollowReads) {
    size_t total = 0;
    for (const Want& w : want) total += w.length;
    size_t joinedSize = 0;
    for (std::string_view f : d.frames) joinedSize += f.size();
    FUZZ_CHECK(joinedSize == total);
    size_t fi = 0, fOff = 0;  // walk the frames against the expected payloads
    for (const Want& w : want) {
      const std::string_view e = expectedAt(w);
      for (size_t eOff = 0; eOff < e.size();) {
        while (d.frames[fi].size() == fOff) ++fi, fOff = 0;
        const size_t k = std::min(e.size() - eOff, d.frames[fi].size() - fOff);
        FUZZ_CHECK(e.compare(eOff, k, d.frames[fi], fOff, k) == 0);
        eOff += k;
        fOff += k;
      }
    }
    return;
  }
  FUZZ_CHECK(d.frames.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    FUZZ_CHECK(sameBytes(d.frames[i], expectedAt(want[i])));
    FUZZ_CHECK(d.consumed[i] == want[i].wire);
  }
}

}  // namespace ringnet::fuzz
