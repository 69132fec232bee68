// Unit tests for the WebSocket codec (native/core/codec/ws_*, utf8): the
// accept key against RFC 6455's example, SHA-1 and base64 against FIPS / RFC
// 4648 vectors, the UTF-8 validator (fail-fast, streaming), unmasking against
// the byte loop, every frame rule, every message split at every byte, and the
// handshake checks. Run by test/native/run.sh under ASan/UBSan.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "core/codec/utf8.h"
#include "core/codec/ws_accept.h"
#include "core/codec/ws_codec.h"
#include "core/codec/ws_extensions.h"
#include "core/codec/ws_handshake.h"
#include "core/codec/ws_mask.h"

using namespace ringnet;
using ringnet::test::currentCase;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::string hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += d[p[i] >> 4], s += d[p[i] & 15];
  return s;
}

// A client frame: masked unless told otherwise.
Bytes clientFrame(uint8_t opcode, const Bytes& payload, bool fin = true, bool masked = true,
                  uint8_t rsv = 0, int lengthForm = 0) {
  Bytes f;
  f.push_back(static_cast<uint8_t>((fin ? 0x80 : 0) | rsv | opcode));
  const uint64_t n = payload.size();
  const uint8_t m = masked ? 0x80 : 0;
  if ((n < 126 && lengthForm == 0) || lengthForm == 7) {
    f.push_back(static_cast<uint8_t>(m | n));
  } else if ((n <= 0xffff && lengthForm == 0) || lengthForm == 16) {
    f.push_back(m | 126);
    f.push_back(static_cast<uint8_t>(n >> 8));
    f.push_back(static_cast<uint8_t>(n));
  } else {
    f.push_back(m | 127);
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<uint8_t>(n >> (8 * i)));
  }
  const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  if (masked) f.insert(f.end(), key, key + 4);
  for (size_t i = 0; i < payload.size(); ++i) f.push_back(masked ? payload[i] ^ key[i & 3] : payload[i]);
  return f;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct Frame {
  uint8_t opcode;
  bool fin;
  Bytes payload;
};

struct Outcome {
  std::vector<Frame> frames;
  CodecError error = CodecError::kNone;
  size_t errorAfter = 0;  // input bytes fed when the error came
};

WebSocketFraming framing(uint64_t max = 1 << 20) {
  WebSocketFraming f;
  f.maxPayloadLength = max;
  return f;
}

// Feeds `in` in pieces ending at `cuts` the way the reactor does (a tail of
// undecoded bytes, decode until it needs more), applying ws::advance as the
// protocol does for every consumed frame.
Outcome feed(const FrameDecoder& d, const Bytes& in, const std::vector<size_t>& cuts,
             uint32_t layer = ws::kLayerFrames) {
  Outcome o;
  DecoderState s;
  s.layer = layer;
  Bytes tail;
  size_t fed = 0;
  std::vector<size_t> ends(cuts);
  ends.push_back(in.size());
  for (size_t end : ends) {
    if (end < fed || end > in.size()) continue;
    tail.insert(tail.end(), in.begin() + static_cast<long>(fed), in.begin() + static_cast<long>(end));
    fed = end;
    size_t pos = 0;
    for (;;) {
      DecodeResult r = d.decode(tail.data() + pos, tail.size() - pos, s);
      if (r.status == DecodeStatus::kNeedMore) break;
      if (r.status == DecodeStatus::kError) {
        o.error = r.error;
        o.errorAfter = fed;
        return o;
      }
      Frame f;
      f.opcode = r.info & ws::kInfoOpcodeMask;
      f.fin = (r.info & ws::kInfoFin) != 0;
      const uint8_t* p = tail.data() + pos + r.payloadOffset;
      f.payload.resize(r.payloadLength);
      ws::unmask(f.payload.data(), p, r.payloadLength, p - 4, 0);
      o.frames.push_back(f);
      ws::advance(s, r);
      pos += r.consumed;
    }
    tail.erase(tail.begin(), tail.begin() + static_cast<long>(pos));
  }
  return o;
}

Outcome whole(const FrameDecoder& d, const Bytes& in) { return feed(d, in, {}); }

bool sameOutcome(const Outcome& a, const Outcome& b) {
  if (a.error != b.error || a.frames.size() != b.frames.size()) return false;
  for (size_t i = 0; i < a.frames.size(); ++i) {
    if (a.frames[i].opcode != b.frames[i].opcode || a.frames[i].fin != b.frames[i].fin ||
        a.frames[i].payload != b.frames[i].payload) {
      return false;
    }
  }
  return true;
}

// Every split into two reads, and one byte at a time, must decode the same.
void checkEverySplit(const FrameDecoder& d, const Bytes& in, const char* label) {
  currentCase = label;
  const Outcome one = whole(d, in);
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    if (!sameOutcome(one, feed(d, in, {cut}))) {
      std::printf("  split at %zu differs\n", cut);
      CHECK(false);
      break;
    }
  }
  std::vector<size_t> bytewise;
  for (size_t i = 1; i < in.size(); ++i) bytewise.push_back(i);
  CHECK(sameOutcome(one, feed(d, in, bytewise)));
  currentCase.clear();
}

void testAcceptKey() {
  currentCase = "accept key";
  // RFC 6455 1.3 and 4.2.2.
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  CHECK(ws::acceptKey(reinterpret_cast<const uint8_t*>(key.data()), key.size()) ==
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  uint8_t d[20];
  ws::sha1(reinterpret_cast<const uint8_t*>("abc"), 3, d);
  CHECK(hex(d, 20) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  ws::sha1(nullptr, 0, d);
  CHECK(hex(d, 20) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // 56 bytes: two padding blocks
  ws::sha1(reinterpret_cast<const uint8_t*>(two.data()), two.size(), d);
  CHECK(hex(d, 20) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  std::string million(1000000, 'a');
  ws::sha1(reinterpret_cast<const uint8_t*>(million.data()), million.size(), d);
  CHECK(hex(d, 20) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // RFC 4648 10.
  const char* in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    CHECK(ws::base64Encode(reinterpret_cast<const uint8_t*>(in[i]), std::strlen(in[i])) == out[i]);
  }
  auto valid = [](const std::string& k) {
    return ws::isValidKey(reinterpret_cast<const uint8_t*>(k.data()), k.size());
  };
  CHECK(valid(key));
  CHECK(valid("AAAAAAAAAAAAAAAAAAAAAA=="));
  CHECK(!valid("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
  CHECK(!valid("dGhlIHNhbXBsZSBub25jZQ=x"));
  CHECK(!valid("dGhlIHNhbXBsZSBub25j*Q=="));
  CHECK(!valid("dGhlIHNhbXBsZSBub25jZQZZ"));   // 18 bytes' worth, no padding
  CHECK(!valid(""));
  currentCase.clear();
}

void testUtf8() {
  currentCase = "utf8";
  auto ok = [](const std::string& s) {
    return utf8::isValid(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  CHECK(ok(""));
  CHECK(ok("hello, world and more ascii than eight bytes"));
  CHECK(ok("κόσμε"));
  CHECK(ok("\xf0\x9f\x98\x80 emoji"));
  CHECK(ok("\xed\x9f\xbf"));          // U+D7FF
  CHECK(ok("\xee\x80\x80"));          // U+E000
  CHECK(ok("\xf4\x8f\xbf\xbf"));      // U+10FFFF
  CHECK(ok("\xef\xbf\xbf"));          // U+FFFF (a noncharacter, still valid)
  CHECK(!ok("\xc0\xaf"));             // overlong '/'
  CHECK(!ok("\xe0\x80\xaf"));         // overlong
  CHECK(!ok("\xf0\x80\x80\xaf"));     // overlong
  CHECK(!ok("\xed\xa0\x80"));         // surrogate U+D800
  CHECK(!ok("\xed\xbf\xbf"));         // surrogate U+DFFF
  CHECK(!ok("\xf4\x90\x80\x80"));     // U+110000
  CHECK(!ok("\xf5\x80\x80\x80"));
  CHECK(!ok("\xff"));
  CHECK(!ok("\x80"));                 // lone continuation
  CHECK(!ok("\xce"));                 // truncated
  CHECK(!ok("abcdefgh\xce"));
  // Fail fast: the index of the first byte that can start no valid text.
  size_t at = 99;
  const std::string bad = "abcdefghijk\xed\xa0\x80xyz";
  CHECK(utf8::advance(0, reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), &at) == utf8::kReject);
  CHECK(at == 12);
  // Streaming: any split gives the same answer.
  const std::string text = "a\xc3\xa9z\xe2\x82\xac\xf0\x9f\x98\x80!";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    uint8_t s = utf8::advance(0, p, cut);
    s = utf8::advance(s, p + cut, text.size() - cut);
    CHECK(s == utf8::kAccept);
  }
  // Exhaustive over every 1..3 byte sequence against a decoder written from
  // the definition (code point ranges), so the table cannot hide a hole.
  auto reference = [](const uint8_t* p, size_t n) {
    size_t i = 0;
    while (i < n) {
      const uint8_t b = p[i];
      int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
      if (len == 0 || i + len > n) return false;
      uint32_t cp = len == 1 ? b : b & (0x7f >> len);
      for (int k = 1; k < len; ++k) {
        if ((p[i + k] & 0xc0) != 0x80) return false;
        cp = (cp << 6) | (p[i + k] & 0x3f);
      }
      const uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < minimum[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
      i += static_cast<size_t>(len);
    }
    return true;
  };
  int mismatches = 0;
  for (uint32_t v = 0; v < (1u << 24); v += (v < (1u << 16) ? 1 : 7)) {
    for (size_t n = 1; n <= 3; ++n) {
      uint8_t b[3] = {static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
      const uint8_t* p = b + (3 - n);
      if (utf8::isValid(p, n) != reference(p, n)) ++mismatches;
    }
  }
  for (uint32_t v = 0xf0000000u; v != 0xf5000000u; v += 0x10101) {
    uint8_t b[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                    static_cast<uint8_t>(v)};
    if (utf8::isValid(b, 4) != reference(b, 4)) ++mismatches;
  }
  CHECK(mismatches == 0);
  currentCase.clear();
}

void testMask() {
  currentCase = "mask";
  const uint8_t key[4] = {0x12, 0x9a, 0xfe, 0x01};
  Bytes src(300);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 7 + 3);
  bool same = true;
  for (size_t n = 0; n <= 80; ++n) {
    for (size_t phase = 0; phase < 4; ++phase) {
      for (size_t off = 0; off < 3; ++off) {  // unaligned sources
        Bytes a(n), b(n);
        ws::unmask(a.data(), src.data() + off, n, key, phase);
        ws::unmaskBytewise(b.data(), src.data() + off, n, key, phase);
        if (a != b) same = false;
      }
    }
  }
  CHECK(same);
  Bytes inPlace(src);
  ws::unmask(inPlace.data(), inPlace.data(), inPlace.size(), key, 1);
  Bytes ref(src.size());
  ws::unmaskBytewise(ref.data(), src.data(), src.size(), key, 1);
  CHECK(inPlace == ref);
  currentCase.clear();
}

void expectError(const FrameDecoder& d, const Bytes& in, CodecError e, const char* label,
                 uint32_t layer = ws::kLayerFrames) {
  currentCase = label;
  const Outcome o = feed(d, in, {}, layer);
  CHECK(o.error == e);
  currentCase.clear();
}

void testFrameRules() {
  auto d = makeWebSocketDecoder(framing(1000));
  auto p = [](size_t n) { return Bytes(n, 'x'); };
  // Accepted shapes.
  {
    const Bytes in = cat({clientFrame(ws::kText, bytes("hello")), clientFrame(ws::kBinary, p(126)),
                          clientFrame(ws::kBinary, p(0)), clientFrame(ws::kPing, p(125)),
                          clientFrame(ws::kBinary, p(5), true, true, 0, 64)});
    const Outcome o = whole(*d, in);
    currentCase = "accepted";
    CHECK(o.error == CodecError::kNone);
    CHECK(o.frames.size() == 5);
    CHECK(o.frames.size() == 5 && o.frames[0].payload == bytes("hello") && o.frames[1].payload.size() == 126 &&
          o.frames[3].opcode == ws::kPing && o.frames[4].payload == p(5));
    currentCase.clear();
    checkEverySplit(*d, in, "accepted, split");
  }
  expectError(*d, clientFrame(ws::kText, bytes("hi"), true, false), CodecError::kWsProtocolError, "unmasked");
  expectError(*d, clientFrame(ws::kText, bytes("hi"), true, true, 0x40), CodecError::kWsProtocolError, "rsv1 without deflate");
  expectError(*d, clientFrame(ws::kText, bytes("hi"), true, true, 0x20), CodecError::kWsProtocolError, "rsv2");
  expectError(*d, clientFrame(ws::kText, bytes("hi"), true, true, 0x10), CodecError::kWsProtocolError, "rsv3");
  for (uint8_t op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
    expectError(*d, clientFrame(op, bytes("x")), CodecError::kWsProtocolError, "reserved opcode");
  }
  expectError(*d, clientFrame(ws::kPing, p(126)), CodecError::kWsProtocolError, "ping > 125");
  expectError(*d, clientFrame(ws::kPing, p(5), false), CodecError::kWsProtocolError, "fragmented ping");
  expectError(*d, clientFrame(ws::kClose, p(1)), CodecError::kWsProtocolError, "close with 1 byte");
  expectError(*d, clientFrame(ws::kContinuation, p(3)), CodecError::kWsProtocolError, "orphan continuation");
  expectError(*d, cat({clientFrame(ws::kText, p(3), false), clientFrame(ws::kText, p(3))}),
              CodecError::kWsProtocolError, "new message inside a fragmented one");
  expectError(*d, clientFrame(ws::kBinary, p(1001)), CodecError::kWsMessageTooBig, "too big");
  expectError(*d, cat({clientFrame(ws::kBinary, p(600), false), clientFrame(ws::kContinuation, p(401))}),
              CodecError::kWsMessageTooBig, "fragments too big together");
  {
    Bytes top = {0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4};
    expectError(*d, top, CodecError::kWsProtocolError, "64-bit length with the top bit");
  }
  {
    // Too big is known from the header alone: nothing of the payload is needed.
    Bytes header = {0x82, 0xfe, 0x10, 0x00, 1, 2, 3, 4};
    currentCase = "too big from the header";
    DecoderState s;
    s.layer = ws::kLayerFrames;
    CHECK(d->decode(header.data(), header.size(), s).error == CodecError::kWsMessageTooBig);
    currentCase.clear();
  }
  // Close payloads.
  auto closeFrame = [](uint16_t code, const std::string& reason) {
    Bytes b = {static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code)};
    b.insert(b.end(), reason.begin(), reason.end());
    return clientFrame(ws::kClose, b);
  };
  for (uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999}) {
    currentCase = "valid close code " + std::to_string(code);
    CHECK(whole(*d, closeFrame(code, "bye")).error == CodecError::kNone);
  }
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    expectError(*d, closeFrame(code, ""), CodecError::kWsProtocolError, "invalid close code");
  }
  expectError(*d, closeFrame(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"),
              CodecError::kWsInvalidData, "close reason not UTF-8");
  currentCase = "empty close";
  CHECK(whole(*d, clientFrame(ws::kClose, {})).frames.size() == 1);
  currentCase.clear();
}

void testFragmentsAndUtf8() {
  auto d = makeWebSocketDecoder(framing(1 << 20));
  // A text message in three fragments with a ping between them, a code point
  // split across fragments.
  const Bytes in = cat({clientFrame(ws::kText, bytes("a\xe2"), false), clientFrame(ws::kPing, bytes("p")),
                        clientFrame(ws::kContinuation, bytes("\x82"), false),
                        clientFrame(ws::kContinuation, bytes("\xac!"), true), clientFrame(ws::kBinary, bytes("\xff"))});
  const Outcome o = whole(*d, in);
  currentCase = "fragments";
  CHECK(o.error == CodecError::kNone && o.frames.size() == 5);
  if (o.frames.size() == 5) {
    CHECK(o.frames[1].opcode == ws::kPing && o.frames[2].opcode == ws::kContinuation && !o.frames[2].fin);
    CHECK(o.frames[3].fin && o.frames[4].opcode == ws::kBinary);
  }
  currentCase.clear();
  checkEverySplit(*d, in, "fragments, split");
  expectError(*d, clientFrame(ws::kText, bytes("ab\xe2\x82")), CodecError::kWsInvalidData, "text ends mid code point");
  expectError(*d, cat({clientFrame(ws::kText, bytes("ab\xe2"), false), clientFrame(ws::kContinuation, bytes("x"))}),
              CodecError::kWsInvalidData, "bad continuation across fragments");
  checkEverySplit(*d, cat({clientFrame(ws::kText, bytes("ok")), clientFrame(ws::kText, bytes("\xed\xa0\x80"))}),
                  "invalid text, split");

  // Fail fast: a large text frame with an invalid byte early is refused
  // before the rest of it arrives.
  Bytes big(100000, 'a');
  big[10] = 0xff;
  const Bytes frame = clientFrame(ws::kText, big);
  currentCase = "fail fast";
  DecoderState s;
  s.layer = ws::kLayerFrames;
  DecodeResult r = d->decode(frame.data(), 30, s);
  CHECK(r.status == DecodeStatus::kError && r.error == CodecError::kWsInvalidData);
  // ... and a valid prefix is remembered: a later read validates only new bytes.
  Bytes good(100000, 'b');
  const Bytes frame2 = clientFrame(ws::kText, good);
  DecoderState s2;
  s2.layer = ws::kLayerFrames;
  r = d->decode(frame2.data(), 5000, s2);
  CHECK(r.status == DecodeStatus::kNeedMore && r.needed == frame2.size());
  CHECK((s2.scanned & ((uint64_t{1} << 40) - 1)) == 5000 - 14);  // 14-byte header
  r = d->decode(frame2.data(), frame2.size(), s2);
  CHECK(r.status == DecodeStatus::kFrame && r.payloadLength == good.size());
  currentCase.clear();
}

void testDiscardAndAwait() {
  auto d = makeWebSocketDecoder(framing());
  const Bytes junk = bytes("anything at all");
  DecoderState s;
  s.layer = ws::kLayerDiscard;
  DecodeResult r = d->decode(junk.data(), junk.size(), s);
  currentCase = "discard";
  CHECK(r.status == DecodeStatus::kFrame && r.consumed == junk.size() && (r.info & ws::kInfoDiscarded));
  s.layer = ws::kLayerAwait;
  r = d->decode(junk.data(), junk.size(), s);
  CHECK(r.status == DecodeStatus::kNeedMore);
  currentCase.clear();
}

// The HTTP layer decodes the request; checkUpgrade judges it.
ws::UpgradeCheck judge(const std::string& request, const std::string& path = "/ws") {
  auto d = makeWebSocketDecoder(framing());
  DecoderState s;
  const Bytes in = bytes(request);
  DecodeResult r = d->decode(in.data(), in.size(), s);
  if (r.status != DecodeStatus::kFrame) {
    ws::UpgradeCheck bad;
    bad.status = -1;
    return bad;
  }
  HttpLastHead& last = httpLastHead();
  return ws::checkUpgrade(in.data(), last.head, last.fields.data(), last.fields.size() / 4, path);
}

void testHandshake() {
  const std::string ok =
      "GET /ws?x=1 HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  currentCase = "handshake";
  ws::UpgradeCheck c = judge(ok);
  CHECK(c.upgrade && c.onPath && c.status == 0 && c.keyLength == 24);
  CHECK(std::memcmp(ok.data() + c.keyOffset, "dGhlIHNhbXBsZSBub25jZQ==", 24) == 0);
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = ok;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  CHECK(judge(ok, "/other").status == 404);
  CHECK(judge(ok, "").status == 0);
  CHECK(judge(replace("GET", "POST")).status == 400);
  CHECK(judge(replace("HTTP/1.1", "HTTP/1.0")).status == 400);
  CHECK(judge(replace("keep-alive, Upgrade", "keep-alive")).status == 400);
  CHECK(judge(replace("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ")).status == 400);
  CHECK(judge(replace("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")).status == 400);
  CHECK(judge(replace("Version: 13", "Version: 8")).status == 426);
  CHECK(judge(replace("Sec-WebSocket-Version: 13\r\n", "")).status == 426);
  CHECK(judge(replace("Upgrade: WebSocket\r\n", "")).status == 426);
  CHECK(!judge(replace("Upgrade: WebSocket\r\n", "")).upgrade);
  CHECK(judge(replace("Upgrade: WebSocket\r\n", ""), "/elsewhere").status == 404);
  CHECK(judge(replace("\r\n\r\n", "\r\nContent-Length: 3\r\n\r\nabc")).status == 400);
  const std::string resp = ws::acceptResponse(reinterpret_cast<const uint8_t*>("dGhlIHNhbXBsZSBub25jZQ=="), 24, "chat", "");
  CHECK(resp.find("HTTP/1.1 101 Switching Protocols\r\n") == 0);
  CHECK(resp.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
  CHECK(resp.find("Sec-WebSocket-Protocol: chat\r\n") != std::string::npos);
  CHECK(resp.find("Extensions") == std::string::npos);
  CHECK(ws::refusalResponse(426).find("Sec-WebSocket-Version: 13\r\n") != std::string::npos);
  currentCase.clear();
}

void testEncoder() {
  auto e = makeWebSocketEncoder();
  uint8_t h[16];
  currentCase = "encoder";
  const uint8_t text = ws::kText, bin = ws::kBinary, ping = ws::kPing, bad = 3;
  CHECK(e->metaLength() == 1);
  CHECK(e->headerFor(&text, nullptr, 5, h) == 2 && h[0] == 0x81 && h[1] == 5);
  CHECK(e->headerFor(&bin, nullptr, 126, h) == 4 && h[0] == 0x82 && h[1] == 126 && h[2] == 0 && h[3] == 126);
  CHECK(e->headerFor(&bin, nullptr, 70000, h) == 10 && h[1] == 127 && h[7] == 1 && h[8] == 0x11 && h[9] == 0x70);
  CHECK(e->headerFor(&ping, nullptr, 126, h) == -1);
  CHECK(e->headerFor(&bad, nullptr, 1, h) == -1);
  const uint8_t compressed = ws::kText | ws::kMetaCompressed;
  CHECK(e->headerFor(&compressed, nullptr, 1, h) == 2 && h[0] == 0xc1);
  currentCase.clear();
}

void testDeflateNegotiation() {
  currentCase = "permessage-deflate negotiation";
  auto offer = [](const std::string& v) { return ws::negotiateDeflate(reinterpret_cast<const uint8_t*>(v.data()), v.size()); };
  CHECK(offer("permessage-deflate").accepted);
  CHECK(offer("permessage-deflate; client_max_window_bits").accepted);
  CHECK(offer("x-webkit-deflate-frame, permessage-deflate; client_max_window_bits=10").accepted);
  CHECK(offer("PerMessage-Deflate ; server_no_context_takeover ; client_no_context_takeover").accepted);
  CHECK(offer("permessage-deflate; server_max_window_bits=12").serverMaxWindowBits == 12);
  CHECK(offer("permessage-deflate; server_max_window_bits=\"10\"").serverMaxWindowBits == 10);
  // The first acceptable offer wins; unacceptable ones are skipped.
  CHECK(offer("permessage-deflate; server_max_window_bits=8, permessage-deflate").accepted);
  CHECK(offer("permessage-deflate; server_max_window_bits=8, permessage-deflate").serverMaxWindowBits == 0);
  CHECK(!offer("permessage-deflate; server_max_window_bits=8").accepted);  // zlib cannot deflate with 8
  CHECK(!offer("permessage-deflate; server_max_window_bits=16").accepted);
  CHECK(!offer("permessage-deflate; server_max_window_bits=012").accepted);
  CHECK(!offer("permessage-deflate; server_max_window_bits").accepted);
  CHECK(!offer("permessage-deflate; client_max_window_bits=7").accepted);
  CHECK(!offer("permessage-deflate; server_no_context_takeover=1").accepted);
  CHECK(!offer("permessage-deflate; client_no_context_takeover; client_no_context_takeover").accepted);
  CHECK(!offer("permessage-deflate; unknown").accepted);
  CHECK(!offer("permessage-deflate;").accepted);
  CHECK(!offer("x-other").accepted);
  CHECK(!offer("").accepted);
  CHECK(!offer("permessage-deflate; server_max_window_bits=\"10").accepted);
  ws::DeflateOffer o;
  o.accepted = true;
  CHECK(ws::deflateResponse(o) == "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  o.serverMaxWindowBits = 11;
  CHECK(ws::deflateResponse(o) == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11");
  CHECK(ws::deflateResponse(o, true) == "permessage-deflate; client_no_context_takeover; server_max_window_bits=11");
  o.clientMaxWindowBits = 9;
  CHECK(ws::deflateResponse(o, true) == "permessage-deflate; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=9");

  // The server's window limits (RFC 7692 7.1.2).
  auto with = [](const std::string& v, int server, int client) {
    return ws::negotiateDeflate(reinterpret_cast<const uint8_t*>(v.data()), v.size(), ws::DeflatePolicy{server, client});
  };
  CHECK(with("permessage-deflate", 12, 15).serverMaxWindowBits == 12);    // announced below 15
  CHECK(with("permessage-deflate", 15, 15).serverMaxWindowBits == 0);     // nothing to say
  CHECK(with("permessage-deflate; server_max_window_bits=10", 12, 15).serverMaxWindowBits == 10);
  CHECK(with("permessage-deflate; server_max_window_bits=14", 12, 15).serverMaxWindowBits == 12);
  CHECK(with("permessage-deflate; server_max_window_bits=15", 15, 15).serverMaxWindowBits == 15);  // asked: answered
  CHECK(!with("permessage-deflate", 15, 10).accepted);  // a client window limit needs the client's parameter
  CHECK(with("permessage-deflate; client_max_window_bits", 15, 10).clientMaxWindowBits == 10);
  CHECK(with("permessage-deflate; client_max_window_bits=9", 15, 10).clientMaxWindowBits == 9);
  CHECK(with("permessage-deflate; client_max_window_bits=12", 15, 8).clientMaxWindowBits == 8);
  CHECK(with("permessage-deflate; client_max_window_bits=12", 15, 15).clientMaxWindowBits == 0);
  CHECK(with("permessage-deflate, permessage-deflate; client_max_window_bits", 15, 11).clientMaxWindowBits == 11);
  CHECK(with("permessage-deflate; server_no_context_takeover", 15, 15).serverNoContextTakeover);
  CHECK(!with("permessage-deflate", 15, 15).serverNoContextTakeover);
  currentCase.clear();
}

}  // namespace

int main() {
  testDeflateNegotiation();
  testAcceptKey();
  testUtf8();
  testMask();
  testFrameRules();
  testFragmentsAndUtf8();
  testDiscardAndAwait();
  testHandshake();
  testEncoder();
  return ringnet::test::checkSummary();
}
