// Fuzz target: the WebSocket frame layer (native/core/codec/ws_decoder.cc,
// ws_codec.cc) and the UTF-8 validator (utf8.cc).
// Input: shape u8 (bit 0: permessage-deflate negotiated, bits 1-2: mode),
// maxPayloadLength code u16, a u32 rng seed, then bytes:
//   mode 0: the bytes are the client stream as is;
//   mode 1: the bytes describe frames (opcode/flags byte, length byte,
//           payload) that are encoded as masked client frames, so the
//           fuzzer reaches deep, valid streams without guessing masks;
//   mode 2: the bytes are a text for the UTF-8 properties;
//   mode 3: the bytes are a Sec-WebSocket-Extensions value (negotiation:
//           no overread, an accepted offer names a window it can honour and
//           splitting the value at a comma never accepts what the whole refuses).
// Properties:
//  - cut anywhere: the stream fed in random pieces gives the same frames,
//    payloads and error as fed whole (the protocol's ws::advance between
//    frames, as the reactor's protocol applies it);
//  - bounds: consumed <= input, payload inside the frame, no data frame over
//    maxPayloadLength, every error carries a code;
//  - a reference decoder written from RFC 6455 (whole stream, byte by byte,
//    its own UTF-8 decoder by code points) agrees on frames and error codes;
//  - round trip (mode 1): the frames built decode back to the same payloads;
//  - UTF-8: the streaming validator, fed in any pieces, agrees with the
//    code-point reference, and stops at the same first invalid byte.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/codec/utf8.h"
#include "core/codec/ws_codec.h"
#include "core/codec/ws_extensions.h"
#include "core/codec/ws_mask.h"
#include "support/arrival_buffer.h"
#include "support/check.h"
#include "support/fuzz_input.h"

using namespace ringnet;
using namespace ringnet::fuzz;

namespace {

// A decoded frame; its unmasked payload is bytes [at, at + length) of the
// outcome's one payload buffer (no string per frame: they were most of the
// allocations per input).
struct Frame {
  uint8_t opcode;
  bool fin;
  size_t at, length;
};

struct Outcome {
  std::vector<Frame> frames;
  std::string payloads;  // every frame's unmasked payload, end to end
  CodecError error = CodecError::kNone;

  // Empty again, keeping the capacity (outcomes are reused across inputs).
  void clear() {
    frames.clear();
    payloads.clear();
    error = CodecError::kNone;
  }
  std::string_view payload(const Frame& f) const { return std::string_view(payloads).substr(f.at, f.length); }
  // Room for a frame's n payload bytes, at the end of the buffer.
  uint8_t* add(uint8_t opcode, bool fin, size_t n) {
    frames.push_back(Frame{opcode, fin, payloads.size(), n});
    payloads.resize(payloads.size() + n);
    return reinterpret_cast<uint8_t*>(&payloads[0]) + (payloads.size() - n);
  }
};

bool sameFrames(const Outcome& a, const Outcome& b) {
  if (a.frames.size() != b.frames.size()) return false;
  for (size_t i = 0; i < a.frames.size(); ++i) {
    const Frame &x = a.frames[i], &y = b.frames[i];
    if (x.opcode != y.opcode || x.fin != y.fin || a.payload(x) != b.payload(y)) return false;
  }
  return true;
}

// ---- reference: RFC 6455 read plainly -------------------------------------

// Length of the longest valid prefix, and whether all of it is valid (by code points).
bool refUtf8(std::string_view s, bool complete, size_t* invalidAt) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const uint8_t b = static_cast<uint8_t>(s[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (len == 0) { *invalidAt = i; return false; }
    uint32_t cp = len == 1 ? b : b & (0x7f >> len);
    static constexpr uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};  // static: not a copy per code point
    // A prefix whose every completion is out of range (overlong, surrogate,
    // above U+10FFFF) is invalid at its last byte.
    auto hopeless = [&](size_t left) {
      const uint32_t lo = cp << (6 * left), hi = lo | ((1u << (6 * left)) - 1);
      return hi < minimum[len] || lo > 0x10ffff || (lo >= 0xd800 && hi <= 0xdfff);
    };
    if (len > 1 && hopeless(len - 1)) { *invalidAt = i; return false; }
    size_t k = 1;
    for (; k < len && i + k < n; ++k) {
      const uint8_t c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xc0) != 0x80) { *invalidAt = i + k; return false; }
      cp = (cp << 6) | (c & 0x3f);
      if (hopeless(len - k - 1)) { *invalidAt = i + k; return false; }
    }
    if (k < len) {  // truncated at the end
      if (complete) { *invalidAt = n; return false; }
      return true;
    }
    if (cp < minimum[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) { *invalidAt = i + len - 1; return false; }
    i += len;
  }
  return true;
}

// (A per-thread Outcome, valid until the next call.)
const Outcome& reference(std::string_view in, uint64_t max, bool deflate) {
  static thread_local Outcome o;
  static thread_local std::string textSoFar;  // the text message's fragments so far
  o.clear();
  textSoFar.clear();
  size_t p = 0;
  bool inMessage = false, text = false, compressed = false;
  uint64_t messageLen = 0;
  auto fail = [&](CodecError e) -> const Outcome& { o.error = e; return o; };
  while (p < in.size()) {
    const size_t avail = in.size() - p;
    if (avail < 2) return o;
    const uint8_t b0 = static_cast<uint8_t>(in[p]), b1 = static_cast<uint8_t>(in[p + 1]);
    const bool fin = b0 & 0x80, rsv1 = b0 & 0x40;
    const uint8_t op = b0 & 15;
    uint64_t len = b1 & 127;
    size_t h = 2;
    if (len == 126) {
      if (avail < 4) return o;
      len = (uint64_t(uint8_t(in[p + 2])) << 8) | uint8_t(in[p + 3]);
      h = 4;
    } else if (len == 127) {
      if (avail < 10) return o;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | uint8_t(in[p + 2 + i]);
      if (len >> 63) return fail(CodecError::kWsProtocolError);
      h = 10;
    }
    if (b1 & 0x80) {
      if (avail < h + 4) return o;
    }
    if (!(b1 & 0x80) || (b0 & 0x30)) return fail(CodecError::kWsProtocolError);
    const bool control = op >= 8;
    if (rsv1 && (!deflate || op == 0 || control)) return fail(CodecError::kWsProtocolError);
    if (op == 0) {
      if (!inMessage) return fail(CodecError::kWsProtocolError);
      if (messageLen + len > max) return fail(CodecError::kWsMessageTooBig);
    } else if (op == 1 || op == 2) {
      if (inMessage) return fail(CodecError::kWsProtocolError);
      if (len > max) return fail(CodecError::kWsMessageTooBig);
    } else if (op == 8 || op == 9 || op == 10) {
      if (!fin || len > 125) return fail(CodecError::kWsProtocolError);
    } else {
      return fail(CodecError::kWsProtocolError);
    }
    const uint8_t* key = reinterpret_cast<const uint8_t*>(in.data() + p + h);
    h += 4;
    const size_t have = static_cast<size_t>(std::min<uint64_t>(len, avail - h));
    // Unmasked into the outcome's buffer; dropped again unless the frame is complete.
    const size_t mark = o.payloads.size();
    uint8_t* out = o.add(op, fin, have);
    for (size_t i = 0; i < have; ++i) out[i] = uint8_t(in[p + h + i]) ^ key[i & 3];
    const std::string_view payload = o.payload(o.frames.back());
    const bool isText = (op == 1 && !rsv1) || (op == 0 && text && !compressed);
    const bool complete = have == len;
    size_t bad = 0;
    if (isText) {
      // The message's text so far: a continuation adds to it, a new message starts it.
      if (op != 0) textSoFar.clear();
      textSoFar.append(payload);
    }
    const auto drop = [&] {
      o.frames.pop_back();
      o.payloads.resize(mark);
    };
    if (isText && !refUtf8(textSoFar, complete && fin, &bad)) {
      drop();
      return fail(CodecError::kWsInvalidData);
    }
    if (!complete) {
      drop();
      return o;
    }
    if (op == 8 && len > 0) {
      const CodecError e = len == 1 ? CodecError::kWsProtocolError : CodecError::kNone;
      const uint32_t code = len == 1 ? 0 : (uint32_t(uint8_t(payload[0])) << 8) | uint8_t(payload[1]);
      const bool valid = (code >= 3000 && code <= 4999) || (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006);
      if (e != CodecError::kNone || !valid) {
        drop();
        return fail(CodecError::kWsProtocolError);
      }
      if (!refUtf8(payload.substr(2), true, &bad)) {
        drop();
        return fail(CodecError::kWsInvalidData);
      }
    }
    if (!control) {
      if (op != 0) {
        text = op == 1;
        compressed = rsv1;
        messageLen = 0;
      }
      inMessage = !fin;
      messageLen = fin ? 0 : messageLen + len;
      if (fin) textSoFar.clear();
    }
    p += h + len;
  }
  return o;
}

// ---- the codec, fed like the reactor does ----------------------------------

// The stream is copied once; the bytes not yet arrived are ASan-poisoned
// (support/arrival_buffer.h), so a decode call reading past its input is an
// ASan report, as with an exact-size copy of the pending bytes per arrival
// (which made small pieces quadratic).
// Into *o (cleared first).
void decode(const FrameDecoder& d, std::string_view in, const std::vector<size_t>& pieces, uint64_t max,
            bool deflate, Outcome* o) {
  o->clear();
  DecoderState s;
  s.layer = ws::kLayerFrames | (deflate ? ws::kDeflateOn : 0);
  static thread_local ArrivalBuffer arrived;
  const ArrivalBuffer::Lease lease = arrived.load(in);
  size_t fed = 0;
  size_t at = 0;  // first pending byte
  for (size_t piece : pieces) {
    fed += piece;
    arrived.arrive(fed);
    for (;;) {
      const size_t len = fed - at;
      const uint8_t* data = arrived.data() + at;
      const DecodeResult r = d.decode(data, len, s);
      if (r.status == DecodeStatus::kError) {
        FUZZ_CHECK(r.error != CodecError::kNone);
        o->error = r.error;
        return;
      }
      if (r.status == DecodeStatus::kNeedMore) {
        FUZZ_CHECK(r.needed == 0 || r.needed > len);
        break;
      }
      FUZZ_CHECK(r.consumed > 0 && r.consumed <= len);
      FUZZ_CHECK(r.payloadOffset >= 6 && r.payloadOffset + r.payloadLength == r.consumed);
      FUZZ_CHECK(s.scanned == 0);
      const uint8_t op = r.info & ws::kInfoOpcodeMask;
      if (!ws::isControl(op)) FUZZ_CHECK(r.payloadLength <= max);
      uint8_t* payload = o->add(op, (r.info & ws::kInfoFin) != 0, r.payloadLength);
      ws::unmask(payload, data + r.payloadOffset, r.payloadLength, data + r.payloadOffset - 4, 0);
      ws::advance(s, r);
      at += r.consumed;
    }
  }
}

// Pieces of 1..64 bytes (the bound itself random per piece). A per-thread
// vector, valid until the next call.
const std::vector<size_t>& cuts(size_t len, Rng& rng) {
  static thread_local std::vector<size_t> out;
  out.clear();
  for (size_t done = 0; done < len;) {
    size_t n = rng.between(1, 1 + rng.next() % 64);
    if (n > len - done) n = len - done;
    out.push_back(n);
    done += n;
  }
  return out;
}

// Appends a masked client frame to *wire.
void appendMaskedFrame(uint8_t b0, std::string_view payload, Rng& rng, std::string* wire) {
  const size_t n = payload.size();
  char head[4] = {static_cast<char>(b0)};
  size_t headLength = 2;
  if (n < 126) {
    head[1] = static_cast<char>(0x80 | n);
  } else {
    head[1] = static_cast<char>(0x80 | 126);
    head[2] = static_cast<char>(n >> 8);
    head[3] = static_cast<char>(n & 255);
    headLength = 4;
  }
  wire->append(head, headLength);
  uint8_t key[4];
  const uint32_t k = rng.next();
  std::memcpy(key, &k, 4);
  wire->append(reinterpret_cast<char*>(key), 4);
  const size_t at = wire->size();
  wire->resize(at + n);
  for (size_t i = 0; i < n; ++i) (*wire)[at + i] = static_cast<char>(static_cast<uint8_t>(payload[i]) ^ key[i & 3]);
}

void utf8Properties(std::string_view text, Rng& rng) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  size_t refBad = 0;
  const bool refOk = refUtf8(text, true, &refBad);
  size_t at = 0;
  const uint8_t whole = utf8::advance(utf8::kAccept, p, text.size(), &at);
  FUZZ_CHECK((whole == utf8::kAccept) == refOk);
  size_t prefixBad = 0;
  if (whole == utf8::kReject) {
    FUZZ_CHECK(!refUtf8(text.substr(0, at + 1), false, &prefixBad));  // the byte it stopped at is invalid
    FUZZ_CHECK(at == 0 || refUtf8(text.substr(0, at), false, &prefixBad));  // and nothing before it
  }
  uint8_t s = utf8::kAccept;
  size_t done = 0;
  for (size_t piece : cuts(text.size(), rng)) {
    s = utf8::advance(s, p + done, piece);
    done += piece;
  }
  FUZZ_CHECK(s == whole || (whole == utf8::kReject && s == utf8::kReject));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t shape = in.u8();
  const bool deflate = shape & 1;
  const int mode = (shape >> 1) & 3;
  const uint64_t max = 1 + in.u16() % 4096;
  Rng rng(in.u32());
  WebSocketFraming f;
  f.maxPayloadLength = max;
  const auto dec = makeWebSocketDecoder(f);
  FUZZ_CHECK(dec != nullptr);

  if (mode == 2) {
    utf8Properties(in.restView(), rng);
    return 0;
  }
  if (mode == 3) {
    const std::string_view v = in.restView();
    static thread_local ExactBuffer exact;  // exact size: ASan sees overreads
    const ws::DeflateOffer o = ws::negotiateDeflate(exact.copy(v.data(), v.size()), v.size());
    FUZZ_CHECK(o.serverMaxWindowBits == 0 || (o.accepted && o.serverMaxWindowBits >= 9 && o.serverMaxWindowBits <= 15));
    if (o.accepted) FUZZ_CHECK(ws::deflateResponse(o).rfind("permessage-deflate; ", 0) == 0);
    return 0;
  }
  // Outcomes and the built stream are reused across inputs (cleared, not freed).
  static thread_local Outcome one, cut, built;
  static thread_local std::string wire;
  std::string_view stream;
  if (mode == 1) {
    wire.clear();
    built.clear();
    while (in.remaining() > 0) {
      const uint8_t b0 = in.u8();
      const std::string_view payload = in.view(in.u8());
      appendMaskedFrame(b0, payload, rng, &wire);
      uint8_t* p = built.add(static_cast<uint8_t>(b0 & 15), (b0 & 0x80) != 0, payload.size());
      if (!payload.empty()) std::memcpy(p, payload.data(), payload.size());
    }
    stream = wire;
  } else {
    stream = in.restView();
  }
  static thread_local std::vector<size_t> whole;
  whole.clear();
  if (!stream.empty()) whole.push_back(stream.size());
  decode(*dec, stream, whole, max, deflate, &one);
  decode(*dec, stream, cuts(stream.size(), rng), max, deflate, &cut);
  FUZZ_CHECK(one.error == cut.error);
  FUZZ_CHECK(sameFrames(one, cut));
  const Outcome& ref = reference(stream, max, deflate);
  FUZZ_CHECK(one.error == ref.error);
  FUZZ_CHECK(sameFrames(one, ref));
  if (mode == 1 && one.error == CodecError::kNone) FUZZ_CHECK(sameFrames(one, built));
  return 0;
}
