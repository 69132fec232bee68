// Unit tests for the frame codecs (native/core/codec). Standalone: no test
// framework, run by test/native/run.sh under ASan/UBSan. Prints
// "N passed, N failed" last and exits non-zero on any failure.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/codec/codec.h"

using namespace ringnet;

namespace {

int g_passed = 0;
int g_failed = 0;
const char* g_section = "";

void fail(const char* file, int line, const std::string& what) {
  g_failed++;
  std::printf("FAIL [%s] %s:%d: %s\n", g_section, file, line, what.c_str());
}

#define CHECK(cond)                                  \
  do {                                               \
    if (cond) {                                      \
      g_passed++;                                    \
    } else {                                         \
      fail(__FILE__, __LINE__, #cond);               \
    }                                                \
  } while (0)

// Like CHECK but prints both sides; values must be convertible to unsigned long long.
#define CHECK_EQ(a, b)                                                                  \
  do {                                                                                  \
    const unsigned long long va_ = static_cast<unsigned long long>(a);                  \
    const unsigned long long vb_ = static_cast<unsigned long long>(b);                  \
    if (va_ == vb_) {                                                                   \
      g_passed++;                                                                       \
    } else {                                                                            \
      fail(__FILE__, __LINE__, std::string(#a " == " #b "  (") + std::to_string(va_) + \
                                   " vs " + std::to_string(vb_) + ")");                 \
    }                                                                                   \
  } while (0)

// Checked on every decode call; counts only failures so the totals stay
// readable. Evaluates to false on failure so the driver can stop.
#define INVARIANT(cond) ((cond) ? true : (fail(__FILE__, __LINE__, "invariant: " #cond), false))

std::string S(const char* s, size_t n) { return std::string(s, n); }

std::string hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Decode driver: behaves like a connection. Appends each piece to the pending
// input, then decodes until kNeedMore, keeping the unconsumed tail.

struct Outcome {
  std::vector<std::string> frames;
  bool error = false;
  CodecError err = CodecError::kNone;
  size_t errorAtFed = 0;  // total bytes fed when the error was reported
  size_t leftover = 0;    // pending bytes at the end
};

Outcome drive(const FrameDecoder& dec, const std::vector<std::string>& pieces) {
  Outcome out;
  std::string pending;
  DecoderState st;
  size_t fed = 0;
  for (const std::string& piece : pieces) {
    pending += piece;
    fed += piece.size();
    for (;;) {
      // Exact-size heap copy: ASan flags any read past data + len.
      std::unique_ptr<uint8_t[]> buf(new uint8_t[pending.size() + (pending.empty() ? 1 : 0)]);
      std::memcpy(buf.get(), pending.data(), pending.size());
      const DecodeResult r = dec.decode(buf.get(), pending.size(), st);
      // A broken invariant ends the run as an error (err stays kNone), so
      // callers comparing frames see a mismatch and nothing reads out of range.
      auto broken = [&]() {
        out.error = true;
        out.err = CodecError::kNone;
        out.errorAtFed = fed;
        out.leftover = pending.size();
        return out;
      };
      if (r.status == DecodeStatus::kError) {
        if (!INVARIANT(r.error != CodecError::kNone)) return broken();
        out.error = true;
        out.err = r.error;
        out.errorAtFed = fed;
        out.leftover = pending.size();
        return out;
      }
      if (!INVARIANT(r.error == CodecError::kNone)) return broken();
      if (r.status == DecodeStatus::kNeedMore) {
        if (!INVARIANT(r.needed == 0 || r.needed > pending.size())) return broken();
        if (!INVARIANT(r.needed <= dec.maxFrameLength())) return broken();
        break;
      }
      if (!INVARIANT(r.consumed > 0 && r.consumed <= pending.size())) return broken();
      if (!INVARIANT(r.consumed <= dec.maxFrameLength())) return broken();
      // Written so that a wrapped-around payloadLength cannot pass.
      if (!INVARIANT(r.payloadOffset <= r.consumed && r.payloadLength <= r.consumed - r.payloadOffset))
        return broken();
      if (!INVARIANT(st.scanned == 0)) return broken();
      out.frames.push_back(pending.substr(r.payloadOffset, r.payloadLength));
      pending.erase(0, r.consumed);
    }
  }
  out.leftover = pending.size();
  return out;
}

std::vector<std::string> whole(const std::string& s) { return {s}; }

std::vector<std::string> chunks(const std::string& s, size_t n) {
  std::vector<std::string> v;
  for (size_t i = 0; i < s.size(); i += n) v.push_back(s.substr(i, n));
  return v;
}

std::vector<std::string> randomChunks(const std::string& s, std::mt19937_64& rng, size_t maxPiece) {
  std::vector<std::string> v;
  size_t i = 0;
  while (i < s.size()) {
    size_t n = 1 + rng() % maxPiece;
    v.push_back(s.substr(i, n));
    i += n;
  }
  return v;
}

bool sameFrames(const Outcome& o, const std::vector<std::string>& expected) {
  return !o.error && o.frames == expected;
}

// The stream must decode to exactly `expected` (and nothing left over) whether
// it arrives whole, split at any one byte boundary, split at any two, one byte
// at a time, or in random pieces.
void checkSplits(const FrameDecoder& dec, const std::string& stream,
                 const std::vector<std::string>& expected, std::mt19937_64& rng, bool pairs = false) {
  auto ok = [&](const std::vector<std::string>& pieces) {
    Outcome o = drive(dec, pieces);
    return sameFrames(o, expected) && o.leftover == 0;
  };
  CHECK(ok(whole(stream)));
  CHECK(ok(chunks(stream, 1)));
  bool allSplits = true;
  for (size_t i = 0; i <= stream.size() && allSplits; i++)
    allSplits = ok({stream.substr(0, i), stream.substr(i)});
  CHECK(allSplits);
  if (pairs) {
    bool allPairs = true;
    for (size_t i = 0; i <= stream.size() && allPairs; i++)
      for (size_t j = i; j <= stream.size() && allPairs; j++)
        allPairs = ok({stream.substr(0, i), stream.substr(i, j - i), stream.substr(j)});
    CHECK(allPairs);
  }
  bool randomOk = true;
  for (int k = 0; k < 20 && randomOk; k++) randomOk = ok(randomChunks(stream, rng, 1 + rng() % 64));
  CHECK(randomOk);
}

std::string randomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// ---------------------------------------------------------------------------
// Length framing

// Builds a frame independently of the encoder: `fill` bytes before the length
// field, the field = body.size() - adjustment, then body. Frame = header + body.
std::string buildLengthFrame(const LengthFraming& f, const std::string& body, uint8_t fill = 0xAA) {
  const uint64_t value = static_cast<uint64_t>(static_cast<int64_t>(body.size()) - f.lengthAdjustment);
  std::string s(f.lengthFieldOffset, static_cast<char>(fill));
  for (uint32_t i = 0; i < f.lengthFieldLength; i++) {
    uint32_t shift = f.byteOrder == ByteOrder::kBig ? 8 * (f.lengthFieldLength - 1 - i) : 8 * i;
    s += static_cast<char>(shift >= 64 ? 0 : (value >> shift) & 0xFF);
  }
  return s + body;
}

LengthFraming lf(uint32_t offset, uint32_t len, int64_t adj, uint32_t strip,
                 ByteOrder order = ByteOrder::kBig, uint64_t max = 1 << 20) {
  LengthFraming f;
  f.byteOrder = order;
  f.lengthFieldOffset = offset;
  f.lengthFieldLength = len;
  f.lengthAdjustment = adj;
  f.initialBytesToStrip = strip;
  f.maxFrameLength = max;
  return f;
}

// Encodes with the encoder under test: header + payload + trailer; "" on -1.
bool encodeFrame(const FrameEncoder& enc, const std::string& payload, std::string* out) {
  std::vector<uint8_t> hdr(enc.maxHeaderLength() + 1);
  int n = enc.header(payload.size(), hdr.data());
  if (n < 0) return false;
  size_t tlen = 0;
  const uint8_t* t = enc.trailer(&tlen);
  *out = std::string(reinterpret_cast<const char*>(hdr.data()), static_cast<size_t>(n)) + payload +
         std::string(reinterpret_cast<const char*>(t), tlen);
  return true;
}

void testLengthFieldSizesAndOrders() {
  g_section = "length: field sizes x byte orders";
  const uint32_t sizes[] = {1, 2, 3, 4, 8};
  for (uint32_t n : sizes) {
    for (ByteOrder order : {ByteOrder::kBig, ByteOrder::kLittle}) {
      LengthFraming f = lf(0, n, 0, n, order);
      auto dec = makeLengthDecoder(f);
      auto enc = makeLengthEncoder(f);
      CHECK(dec && enc);
      if (!dec || !enc) continue;
      CHECK_EQ(enc->maxHeaderLength(), n);
      CHECK_EQ(dec->maxFrameLength(), 1u << 20);

      // Exact header bytes for a payload length that uses every field byte we can.
      const size_t plen = n == 1 ? 0xAB : n == 2 ? 0x1234 : 0x012345;
      uint8_t hdr[8];
      CHECK_EQ(enc->header(plen, hdr), n);
      uint64_t v = 0;
      for (uint32_t i = 0; i < n; i++) {
        uint32_t idx = order == ByteOrder::kBig ? i : n - 1 - i;
        v = (v << 8) | hdr[idx];
      }
      CHECK_EQ(v, plen);
      if (n == 3) {
        // 0x012345 big: 01 23 45, little: 45 23 01.
        CHECK_EQ(hdr[0], order == ByteOrder::kBig ? 0x01 : 0x45);
        CHECK_EQ(hdr[2], order == ByteOrder::kBig ? 0x45 : 0x01);
      }

      // Decode a hand-built frame and a stream of them.
      std::string payload(plen, 'x');
      for (size_t i = 0; i < plen; i++) payload[i] = static_cast<char>('a' + i % 26);
      std::string frame = buildLengthFrame(f, payload);
      Outcome o = drive(*dec, whole(frame));
      CHECK(sameFrames(o, {payload}));

      // A header only: kNeedMore with the whole frame length as `needed`.
      DecoderState st;
      DecodeResult r = dec->decode(reinterpret_cast<const uint8_t*>(frame.data()), n, st);
      CHECK(r.status == DecodeStatus::kNeedMore);
      CHECK_EQ(r.needed, n + plen);
      // Less than the header: needed = header length.
      if (n > 1) {
        r = dec->decode(reinterpret_cast<const uint8_t*>(frame.data()), n - 1, st);
        CHECK(r.status == DecodeStatus::kNeedMore);
        CHECK_EQ(r.needed, n);
      }

      // Largest value the field can hold (1-byte: 255) and one more.
      if (n == 1) {
        CHECK_EQ(enc->header(255, hdr), 1);
        CHECK_EQ(hdr[0], 255);
        CHECK_EQ(enc->header(256, hdr), -1);
        std::string big(255, 'z');
        CHECK(sameFrames(drive(*dec, whole(buildLengthFrame(f, big))), {big}));
      }
      if (n == 2) {
        CHECK_EQ(enc->header(65535, hdr), 2);
        CHECK_EQ(enc->header(65536, hdr), -1);
      }
      if (n == 3) {
        CHECK_EQ(enc->header(0xFFFFFF, hdr), -1);  // fits the field but exceeds maxFrameLength
        LengthFraming g = f;
        g.maxFrameLength = 1ull << 26;
        auto enc2 = makeLengthEncoder(g);
        CHECK_EQ(enc2->header(0xFFFFFF, hdr), 3);
        CHECK_EQ(enc2->header(0x1000000, hdr), -1);
      }
      if (n == 8) {
        // The same 8 bytes read in the configured order are 16, in the other
        // order 2^60: the decoder must pick the right end.
        uint8_t field[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        field[order == ByteOrder::kBig ? 7 : 0] = 0x10;
        DecoderState s2;
        r = dec->decode(field, 8, s2);
        CHECK(r.status == DecodeStatus::kNeedMore && r.needed == 8 + 16);
        std::reverse(field, field + 8);
        r = dec->decode(field, 8, s2);
        CHECK(r.status == DecodeStatus::kError && r.error == CodecError::kFrameTooLarge);
      }
    }
  }
}

struct NettyCase {
  const char* name;
  LengthFraming f;
  std::string input;
  std::string payload;
};

void testNettyExamples(std::mt19937_64& rng) {
  g_section = "length: Netty javadoc examples";
  const std::string hw = "HELLO, WORLD";  // 12 bytes
  const std::vector<NettyCase> cases = {
      // 2 bytes length field at offset 0, do not strip header
      {"offset0 len2 strip0", lf(0, 2, 0, 0), S("\x00\x0C", 2) + hw, S("\x00\x0C", 2) + hw},
      // 2 bytes length field at offset 0, strip header
      {"offset0 len2 strip2", lf(0, 2, 0, 2), S("\x00\x0C", 2) + hw, hw},
      // length represents the whole message: adjustment -2
      {"len includes header", lf(0, 2, -2, 0), S("\x00\x0E", 2) + hw, S("\x00\x0E", 2) + hw},
      // 3 bytes length field at the end of a 5 bytes header
      {"offset2 len3", lf(2, 3, 0, 0), S("\xCA\xFE\x00\x00\x0C", 5) + hw, S("\xCA\xFE\x00\x00\x0C", 5) + hw},
      // 3 bytes length field at the beginning of a 5 bytes header
      {"len3 then header", lf(0, 3, 2, 0), S("\x00\x00\x0C\xCA\xFE", 5) + hw, S("\x00\x00\x0C\xCA\xFE", 5) + hw},
      // 2 bytes length at offset 1 in a 4 bytes header, strip HDR1 and length
      {"offset1 len2 adj1 strip3", lf(1, 2, 1, 3), S("\xCA\x00\x0C\xFE", 4) + hw, S("\xFE", 1) + hw},
      // as above, but the length field is the whole message length
      {"offset1 len2 adj-3 strip3", lf(1, 2, -3, 3), S("\xCA\x00\x10\xFE", 4) + hw, S("\xFE", 1) + hw},
  };
  for (const NettyCase& c : cases) {
    g_section = c.name;
    auto dec = makeLengthDecoder(c.f);
    CHECK(dec != nullptr);
    if (!dec) continue;
    Outcome o = drive(*dec, whole(c.input));
    CHECK(sameFrames(o, {c.payload}));
    CHECK_EQ(o.leftover, 0);
    // Three frames back to back, split every way.
    checkSplits(*dec, c.input + c.input + c.input, {c.payload, c.payload, c.payload}, rng, true);
  }
}

// Streams of many frames under many configurations, decoded whole and split.
void testLengthStreams(std::mt19937_64& rng) {
  g_section = "length: split / coalesced streams";
  const uint32_t sizes[] = {1, 2, 3, 4, 8};
  int configs = 0;
  for (uint32_t n : sizes)
    for (ByteOrder order : {ByteOrder::kBig, ByteOrder::kLittle})
      for (uint32_t offset : {0u, 1u, 3u})
        for (int64_t adj : {int64_t{0}, int64_t{-2}, int64_t{3}, -int64_t(offset + n)}) {
          const uint32_t hdr = offset + n;
          for (uint32_t strip : {0u, offset, hdr, hdr + 1}) {
            LengthFraming f = lf(offset, n, adj, strip, order);
            auto dec = makeLengthDecoder(f);
            CHECK(dec != nullptr);
            if (!dec) continue;
            configs++;
            std::vector<std::string> expected;
            std::string stream;
            for (int k = 0; k < 12; k++) {
              // Bodies must be >= adj (field >= 0) and frames >= strip.
              size_t minBody = std::max<int64_t>(adj, 0);
              if (hdr + minBody < strip) minBody = strip - hdr;
              size_t len = minBody + rng() % (n == 1 ? 40 : 70);
              if (k == 0) len = minBody;  // smallest legal frame
              std::string body = randomBytes(rng, len);
              std::string frame = buildLengthFrame(f, body, static_cast<uint8_t>(k));
              stream += frame;
              expected.push_back(frame.substr(strip));
            }
            checkSplits(*dec, stream, expected, rng);
          }
        }
  CHECK(configs > 100);
}

void testLengthRoundTrip(std::mt19937_64& rng) {
  g_section = "length: encode -> decode round trips";
  int trips = 0;
  for (int iter = 0; iter < 400; iter++) {
    const uint32_t sizes[] = {1, 2, 3, 4, 8};
    uint32_t n = sizes[rng() % 5];
    uint32_t offset = rng() % 4;
    int64_t adj = static_cast<int64_t>(rng() % 9) - 4 - (rng() % 2 ? offset + n : 0);
    ByteOrder order = rng() % 2 ? ByteOrder::kBig : ByteOrder::kLittle;
    LengthFraming f = lf(offset, n, adj, offset + n, order, 4096);
    auto enc = makeLengthEncoder(f);
    auto dec = makeLengthDecoder(f);
    CHECK(enc && dec);
    if (!enc || !dec) continue;
    std::string stream;
    std::vector<std::string> expected;
    for (int k = 0; k < 8; k++) {
      std::string p = randomBytes(rng, rng() % 300);
      std::string wire;
      bool ok = encodeFrame(*enc, p, &wire);
      // Encodable iff the field value p - adj is >= 0 and fits.
      int64_t value = static_cast<int64_t>(p.size()) - adj;
      bool fits = value >= 0 && (n == 8 || value < (int64_t{1} << (8 * n)));
      CHECK_EQ(ok, fits);
      if (!ok) continue;
      CHECK_EQ(wire.size(), offset + n + p.size());
      CHECK(wire.compare(0, offset, std::string(offset, '\0')) == 0);  // offset bytes are zero
      Outcome o = drive(*dec, whole(wire));
      CHECK(sameFrames(o, {p}));
      stream += wire;
      expected.push_back(p);
      trips++;
    }
    Outcome o = drive(*dec, randomChunks(stream, rng, 50));
    CHECK(sameFrames(o, expected) && o.leftover == 0);
  }
  CHECK(trips > 1000);
}

void testLengthLimits() {
  g_section = "length: too large / bad length";
  // Too large is reported from the header alone, before the body arrives.
  {
    LengthFraming f = lf(0, 2, 0, 2, ByteOrder::kBig, 100);
    auto dec = makeLengthDecoder(f);
    DecoderState st;
    const uint8_t ok[] = {0, 98};    // frame = 2 + 98 = 100 = max
    const uint8_t big[] = {0, 99};   // frame = 101
    DecodeResult r = dec->decode(ok, 2, st);
    CHECK(r.status == DecodeStatus::kNeedMore);
    CHECK_EQ(r.needed, 100);
    r = dec->decode(big, 2, st);
    CHECK(r.status == DecodeStatus::kError);
    CHECK(r.error == CodecError::kFrameTooLarge);
    CHECK_EQ(r.consumed, 0);
    // Through the driver, fed one byte at a time: error as soon as the field is complete.
    std::string s = S("\x00\x63", 2) + std::string(99, 'x');
    Outcome o = drive(*dec, chunks(s, 1));
    CHECK(o.error && o.err == CodecError::kFrameTooLarge);
    CHECK_EQ(o.errorAtFed, 2);
    // Exactly max is fine.
    std::string m = S("\x00\x62", 2) + std::string(98, 'y');
    CHECK(sameFrames(drive(*dec, chunks(m, 7)), {std::string(98, 'y')}));
    // Encoder refuses a payload whose frame would exceed max.
    auto enc = makeLengthEncoder(f);
    uint8_t h[2];
    CHECK_EQ(enc->header(98, h), 2);
    CHECK_EQ(enc->header(99, h), -1);
  }
  // With an offset: kNeedMore (needed = offset + len) until the field is readable.
  {
    LengthFraming f = lf(4, 4, 0, 8, ByteOrder::kLittle, 1000);
    auto dec = makeLengthDecoder(f);
    std::string s = std::string(4, 'h') + S("\xE9\x03\x00\x00", 4);  // 1001 -> frame 1009
    DecoderState st;
    for (size_t i = 0; i < 8; i++) {
      DecodeResult r = dec->decode(reinterpret_cast<const uint8_t*>(s.data()), i, st);
      CHECK(r.status == DecodeStatus::kNeedMore && r.needed == 8);
    }
    DecodeResult r = dec->decode(reinterpret_cast<const uint8_t*>(s.data()), 8, st);
    CHECK(r.status == DecodeStatus::kError && r.error == CodecError::kFrameTooLarge);
  }
  // Bad lengths.
  auto expectError = [](const LengthFraming& f, const std::string& hdr, CodecError e) {
    auto dec = makeLengthDecoder(f);
    if (!dec) return false;
    DecoderState st;
    DecodeResult r = dec->decode(reinterpret_cast<const uint8_t*>(hdr.data()), hdr.size(), st);
    return r.status == DecodeStatus::kError && r.error == e;
  };
  // Length includes the 2-byte header (adj -2) but says 1: shorter than the header.
  CHECK(expectError(lf(0, 2, -2, 0), S("\x00\x01", 2), CodecError::kBadLength));
  CHECK(expectError(lf(0, 2, -2, 0), S("\x00\x00", 2), CodecError::kBadLength));   // negative
  // Exactly the header: an empty frame, valid.
  {
    auto dec = makeLengthDecoder(lf(0, 2, -2, 2));
    CHECK(sameFrames(drive(*dec, whole(S("\x00\x02", 2))), {""}));
  }
  // Frame shorter than initialBytesToStrip: rejected from the header.
  CHECK(expectError(lf(0, 1, 0, 5), S("\x03", 1), CodecError::kBadLength));
  CHECK(sameFrames(drive(*makeLengthDecoder(lf(0, 1, 0, 5)), whole(S("\x04" "abcd", 5))), {""}));
  // 8-byte fields: values that overflow the arithmetic.
  const std::string ff = S("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
  CHECK(expectError(lf(0, 8, 0, 8), ff, CodecError::kBadLength));
  CHECK(expectError(lf(0, 8, -8, 8), ff, CodecError::kBadLength));  // value + 8 overflows first
  CHECK(expectError(lf(0, 8, INT64_MAX, 8), S("\x80\0\0\0\0\0\0\0", 8), CodecError::kBadLength));
  CHECK(expectError(lf(0, 8, INT64_MIN, 8), S("\0\0\0\0\0\0\0\x10", 8), CodecError::kBadLength));
  // Overflows whose wrapped result would look like a small, valid frame.
  CHECK(expectError(lf(0, 8, 20, 8), S("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xF8", 8), CodecError::kBadLength));
  CHECK(expectError(lf(0, 8, INT64_MAX, 8), S("\x80\0\0\0\0\0\0\x14", 8), CodecError::kBadLength));
  // Huge but not overflowing: simply too large.
  CHECK(expectError(lf(0, 8, 0, 8), S("\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8), CodecError::kFrameTooLarge));
  CHECK(expectError(lf(0, 8, INT64_MAX, 8), S("\0\0\0\0\0\0\0\0", 8), CodecError::kFrameTooLarge));
  // Negative adjustment cancelling a huge value back into range is legal.
  {
    LengthFraming f = lf(0, 8, INT64_MIN, 8);
    auto dec = makeLengthDecoder(f);
    std::string h = S("\x80\0\0\0\0\0\0\x03", 8) + "abc";  // 2^63 + 3 + 8 - 2^63 = 11
    CHECK(sameFrames(drive(*dec, whole(h)), {"abc"}));
  }
  // Encoder: negative field value, and adjustments pushing the value out of the field.
  {
    auto enc = makeLengthEncoder(lf(0, 1, 5, 1));
    uint8_t h[1];
    CHECK_EQ(enc->header(4, h), -1);
    CHECK_EQ(enc->header(5, h), 1);
    CHECK_EQ(h[0], 0);
    auto enc2 = makeLengthEncoder(lf(0, 1, -2, 1));
    CHECK_EQ(enc2->header(253, h), 1);
    CHECK_EQ(h[0], 255);
    CHECK_EQ(enc2->header(254, h), -1);
    size_t tl = 99;
    CHECK(enc2->trailer(&tl) != nullptr);
    CHECK_EQ(tl, 0);
  }
  // Invalid configurations are refused by the factories.
  CHECK(makeLengthDecoder(lf(0, 0, 0, 0)) == nullptr);
  CHECK(makeLengthDecoder(lf(0, 5, 0, 0)) == nullptr);
  CHECK(makeLengthEncoder(lf(0, 16, 0, 0)) == nullptr);
  CHECK(makeLengthDecoder(lf(0, 4, 0, 4, ByteOrder::kBig, 0)) == nullptr);
  CHECK(makeLengthDecoder(lf(10, 4, 0, 4, ByteOrder::kBig, 13)) == nullptr);
  CHECK(makeLengthDecoder(lf(9, 4, 0, 4, ByteOrder::kBig, 13)) != nullptr);
  CHECK(makeLengthDecoder(LengthFraming{}) != nullptr);
  CHECK(makeLengthEncoder(LengthFraming{}) != nullptr);
}

// ---------------------------------------------------------------------------
// Delimiter framing

// Reference splitter: std::string::find on the whole input.
std::vector<std::string> refSplit(const std::string& in, const std::string& delim, bool strip) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    size_t q = in.find(delim, pos);
    if (q == std::string::npos) break;
    out.push_back(in.substr(pos, q - pos + (strip ? 0 : delim.size())));
    pos = q + delim.size();
  }
  return out;
}

DelimiterFraming df(const std::string& delim, uint64_t max = 1024, bool strip = true) {
  DelimiterFraming f;
  f.delimiter = delim;
  f.maxFrameLength = max;
  f.stripDelimiter = strip;
  return f;
}

void testDelimiterBasics(std::mt19937_64& rng) {
  g_section = "delimiter: basics";
  {
    auto dec = makeDelimiterDecoder(df("\n"));
    CHECK_EQ(dec->maxFrameLength(), 1025);
    checkSplits(*dec, "hello\n\nworld\n", {"hello", "", "world"}, rng, true);
    Outcome o = drive(*dec, whole("a\nb"));
    CHECK(sameFrames(o, {"a"}) && o.leftover == 1);
    CHECK(sameFrames(drive(*dec, whole("\n")), {""}));  // empty line
  }
  {
    auto dec = makeDelimiterDecoder(df("\n", 1024, false));
    checkSplits(*dec, "hello\n\nworld\n", {"hello\n", "\n", "world\n"}, rng, true);
  }
  g_section = "delimiter: CRLF";
  {
    auto dec = makeDelimiterDecoder(df("\r\n"));
    CHECK_EQ(dec->maxFrameLength(), 1026);
    // A lone CR or LF is payload; the delimiter split in its middle is found.
    checkSplits(*dec, "a\rb\nc\r\n\r\nx\r\r\n", {"a\rb\nc", "", "x\r"}, rng, true);
    Outcome o = drive(*dec, {"abc\r", "\n"});
    CHECK(sameFrames(o, {"abc"}));
    // The state remembers the search position, backing off for the split delimiter.
    DecoderState st;
    const uint8_t* p = reinterpret_cast<const uint8_t*>("abc\r\n");
    CHECK(dec->decode(p, 3, st).status == DecodeStatus::kNeedMore);
    CHECK_EQ(st.scanned, 3);
    CHECK(dec->decode(p, 4, st).status == DecodeStatus::kNeedMore);
    CHECK_EQ(st.scanned, 3);  // "\r" at 3 may begin the delimiter
    DecodeResult r = dec->decode(p, 5, st);
    CHECK(r.status == DecodeStatus::kFrame && r.consumed == 5 && r.payloadLength == 3);
    CHECK_EQ(st.scanned, 0);
    // A state beyond the input (caller misuse) must not cause reads past len.
    st.scanned = 1000;
    r = dec->decode(p, 5, st);
    CHECK(r.status == DecodeStatus::kFrame && r.payloadLength == 3);
  }
  {
    auto dec = makeDelimiterDecoder(df("\r\n", 1024, false));
    checkSplits(*dec, "a\r\n\r\n", {"a\r\n", "\r\n"}, rng, true);
  }
  g_section = "delimiter: NUL and self-overlapping";
  {
    auto dec = makeDelimiterDecoder(df(std::string(1, '\0')));
    checkSplits(*dec, S("ab\0\0cd\0", 7), {"ab", "", "cd"}, rng, true);
    auto dec2 = makeDelimiterDecoder(df(S("\0\0", 2)));
    checkSplits(*dec2, S("a\0b\0\0\0\0\0c\0\0", 11), {S("a\0b", 3), "", S("\0c", 2)}, rng, true);
    auto dec3 = makeDelimiterDecoder(df("aab"));
    CHECK(refSplit("aaabaabxaab", "aab", true) == std::vector<std::string>({"a", "", "x"}));
    checkSplits(*dec3, "aaabaabxaab", {"a", "", "x"}, rng, true);
    auto dec4 = makeDelimiterDecoder(df("abab"));
    CHECK(refSplit("abaabababababxabab", "abab", true) == std::vector<std::string>({"aba", "", "abx"}));
    checkSplits(*dec4, "abaabababababxabab", {"aba", "", "abx"}, rng, true);
  }
  g_section = "delimiter: random streams vs reference";
  for (int iter = 0; iter < 200; iter++) {
    // Small alphabet so delimiter fragments occur all the time.
    const char* alpha = "ab\r\n";
    std::string delim;
    size_t dlen = 1 + rng() % 4;
    for (size_t i = 0; i < dlen; i++) delim += alpha[rng() % 4];
    std::string in;
    size_t n = rng() % 200;
    for (size_t i = 0; i < n; i++) in += alpha[rng() % 4];
    bool strip = rng() % 2;
    auto dec = makeDelimiterDecoder(df(delim, 1 << 20, strip));
    std::vector<std::string> expected = refSplit(in, delim, strip);
    // Drop the trailing partial frame so leftover checks are about whole frames.
    size_t used = 0;
    for (const std::string& e : expected) used += e.size() + (strip ? delim.size() : 0);
    std::string stream = in.substr(0, used);
    Outcome whole1 = drive(*dec, whole(in));
    CHECK(sameFrames(whole1, expected) && whole1.leftover == in.size() - used);
    checkSplits(*dec, stream, expected, rng);
  }
}

void testDelimiterTooLarge(std::mt19937_64& rng) {
  g_section = "delimiter: too large";
  {
    auto dec = makeDelimiterDecoder(df("\n", 5));
    CHECK(sameFrames(drive(*dec, whole("abcde\n")), {"abcde"}));  // exactly max
    Outcome o = drive(*dec, chunks("abcdef\n", 1));
    CHECK(o.error && o.err == CodecError::kFrameTooLarge);
    CHECK_EQ(o.errorAtFed, 6);  // proven at max + 1 bytes, without waiting for '\n'
    o = drive(*dec, whole(std::string(10000, 'x')));
    CHECK(o.error && o.err == CodecError::kFrameTooLarge);
    // A later over-long frame after good ones.
    o = drive(*dec, chunks("ab\n\nabcdefgh", 1));
    CHECK(o.error && o.frames == std::vector<std::string>({"ab", ""}));
    CHECK_EQ(o.errorAtFed, 10);
  }
  {
    // Multi-byte delimiter: proven as soon as no position <= max can start it.
    auto dec = makeDelimiterDecoder(df("\r\n", 5));
    CHECK(sameFrames(drive(*dec, chunks("abcde\r\n", 1)), {"abcde"}));
    Outcome o = drive(*dec, chunks("abcdex\r\n", 1));
    CHECK(o.error && o.err == CodecError::kFrameTooLarge);
    CHECK_EQ(o.errorAtFed, 6);  // before max + delimiter (7) bytes
    o = drive(*dec, chunks("abcde\rx", 1));
    CHECK(o.error && o.err == CodecError::kFrameTooLarge);
    CHECK_EQ(o.errorAtFed, 7);  // the '\r' at 5 kept it possible until 'x'
    o = drive(*dec, chunks("abcdef", 1));
    CHECK(o.error && o.errorAtFed == 6);
  }
  {
    // maxFrameLength 0: only empty frames.
    auto dec = makeDelimiterDecoder(df(";", 0));
    CHECK(sameFrames(drive(*dec, whole(";;")), {"", ""}));
    Outcome o = drive(*dec, whole(";a;"));
    CHECK(o.error && o.frames == std::vector<std::string>({""}));
  }
  {
    // The error is reported at the first byte that proves it, for any delimiter:
    // compare with the reference (frame too large iff no delimiter starts in [0, max]).
    for (int iter = 0; iter < 300; iter++) {
      const char* alpha = "ab";
      std::string delim;
      size_t dlen = 1 + rng() % 3;
      for (size_t i = 0; i < dlen; i++) delim += alpha[rng() % 2];
      size_t max = rng() % 8;
      std::string in;
      size_t n = rng() % 40;
      for (size_t i = 0; i < n; i++) in += alpha[rng() % 2];
      auto dec = makeDelimiterDecoder(df(delim, max));
      Outcome o = drive(*dec, chunks(in, 1));
      // Reference: walk the frames; for the first frame starting at `pos` with
      // no delimiter starting at or before pos + max, the earliest proof is the
      // first prefix length L after which no start in [pos, pos + max] can still match.
      size_t pos = 0;
      std::vector<std::string> frames;
      bool refError = false;
      size_t refAt = 0;
      for (;;) {
        size_t q = in.find(delim, pos);
        if (q != std::string::npos && q - pos <= max) {
          frames.push_back(in.substr(pos, q - pos));
          pos = q + dlen;
          continue;
        }
        for (size_t L = pos + max + 1; L <= in.size(); L++) {
          bool possible = false;
          for (size_t s = pos; s <= pos + max && !possible; s++) {
            size_t avail = std::min(dlen, L - s);
            possible = in.compare(s, avail, delim, 0, avail) == 0;
          }
          if (!possible) {
            refError = true;
            refAt = L;
            break;
          }
        }
        break;
      }
      bool same = o.frames == frames && o.error == refError && (!refError || o.errorAtFed == refAt);
      if (!same)
        std::printf("  delim=%s max=%zu in=%s frames=%zu/%zu err=%d/%d at=%zu/%zu\n", delim.c_str(), max,
                    in.c_str(), o.frames.size(), frames.size(), o.error, refError, o.errorAtFed, refAt);
      CHECK(same);
    }
  }
}

// A 1 MiB frame arriving one byte per call must be scanned in linear total
// time: state.scanned must trail the input by at most delimiter.size() - 1.
void testDelimiterLinear(const std::string& delim, char fillA, char fillB) {
  g_section = "delimiter: linear scanning";
  const size_t kFrame = 1 << 20;
  auto dec = makeDelimiterDecoder(df(delim, 2 * kFrame));
  std::string payload(kFrame, fillA);
  for (size_t i = 0; i < kFrame; i += 97) payload[i] = fillB;  // partial delimiter fragments
  std::string input = payload + delim;
  CHECK(refSplit(input, delim, true) == std::vector<std::string>({payload}));
  std::vector<uint8_t> buf;
  buf.reserve(input.size());
  DecoderState st;
  bool lagOk = true;
  size_t frames = 0;
  auto t0 = std::chrono::steady_clock::now();
  DecodeResult last;
  for (size_t i = 0; i < input.size(); i++) {
    buf.push_back(static_cast<uint8_t>(input[i]));
    last = dec->decode(buf.data(), buf.size(), st);
    if (last.status == DecodeStatus::kFrame) {
      frames++;
      break;
    }
    if (last.status != DecodeStatus::kNeedMore) break;
    if (st.scanned + (delim.size() - 1) < buf.size()) {
      lagOk = false;  // rescanning: stop now rather than run for hours
      break;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(lagOk);
  CHECK_EQ(frames, 1);
  CHECK(last.status == DecodeStatus::kFrame && last.payloadLength == kFrame &&
        last.consumed == input.size());
  CHECK(std::memcmp(buf.data(), payload.data(), kFrame) == 0);
  std::printf("  linear scan, delimiter %s: 1 MiB one byte per call in %.3f s\n", hex(delim).c_str(), secs);
  CHECK(secs < 10.0);  // quadratic rescanning would take hours
}

void testDelimiterEncoder(std::mt19937_64& rng) {
  g_section = "delimiter: encoder";
  for (const std::string& d : {std::string("\n"), std::string("\r\n"), S("\0", 1), std::string("--END--")}) {
    auto enc = makeDelimiterEncoder(df(d));
    auto dec = makeDelimiterDecoder(df(d));
    CHECK_EQ(enc->maxHeaderLength(), 0);
    CHECK_EQ(enc->header(12345, nullptr), 0);
    size_t tl = 0;
    const uint8_t* t = enc->trailer(&tl);
    CHECK(tl == d.size() && std::memcmp(t, d.data(), tl) == 0);
    std::string stream;
    std::vector<std::string> expected;
    for (int k = 0; k < 20; k++) {
      std::string p;
      size_t n = rng() % 50;
      for (size_t i = 0; i < n; i++) p += static_cast<char>('A' + rng() % 26);  // never contains d
      std::string wire;
      CHECK(encodeFrame(*enc, p, &wire));
      stream += wire;
      expected.push_back(p);
    }
    checkSplits(*dec, stream, expected, rng);
  }
  CHECK(makeDelimiterDecoder(df("")) == nullptr);
  CHECK(makeDelimiterEncoder(df("")) == nullptr);
  CHECK(makeDelimiterDecoder(DelimiterFraming{}) != nullptr);
}

// ---------------------------------------------------------------------------
// Fixed and raw

void testFixed(std::mt19937_64& rng) {
  g_section = "fixed";
  FixedFraming f;
  f.frameLength = 4;
  auto dec = makeFixedDecoder(f);
  auto enc = makeFixedEncoder(f);
  CHECK(dec && enc);
  CHECK_EQ(dec->maxFrameLength(), 4);
  checkSplits(*dec, "abcdefghijkl", {"abcd", "efgh", "ijkl"}, rng, true);
  Outcome o = drive(*dec, whole("abcdefghij"));
  CHECK(sameFrames(o, {"abcd", "efgh"}) && o.leftover == 2);
  DecoderState st;
  DecodeResult r = dec->decode(reinterpret_cast<const uint8_t*>("ab"), 2, st);
  CHECK(r.status == DecodeStatus::kNeedMore && r.needed == 4);
  r = dec->decode(nullptr, 0, st);
  CHECK(r.status == DecodeStatus::kNeedMore && r.needed == 4);
  CHECK_EQ(enc->maxHeaderLength(), 0);
  CHECK_EQ(enc->header(4, nullptr), 0);
  CHECK_EQ(enc->header(3, nullptr), -1);
  CHECK_EQ(enc->header(5, nullptr), -1);
  size_t tl = 9;
  CHECK(enc->trailer(&tl) != nullptr && tl == 0);
  FixedFraming one;
  one.frameLength = 1;
  checkSplits(*makeFixedDecoder(one), "xyz", {"x", "y", "z"}, rng);
  FixedFraming zero;
  CHECK(makeFixedDecoder(zero) == nullptr);
  CHECK(makeFixedEncoder(zero) == nullptr);
}

void testRaw(std::mt19937_64& rng) {
  g_section = "raw";
  RawFraming f;
  f.maxChunk = 3;
  auto dec = makeRawDecoder(f);
  CHECK(dec != nullptr);
  CHECK_EQ(dec->maxFrameLength(), 3);
  Outcome o = drive(*dec, whole("abcdefg"));
  CHECK(sameFrames(o, {"abc", "def", "g"}) && o.leftover == 0);
  DecoderState st;
  DecodeResult r = dec->decode(nullptr, 0, st);
  CHECK(r.status == DecodeStatus::kNeedMore && r.needed == 0);
  // Whatever the split, every byte comes out once, in order, in chunks <= maxChunk.
  std::string in = randomBytes(rng, 1000);
  bool ok = true;
  for (int k = 0; k < 50 && ok; k++) {
    Outcome ro = drive(*dec, randomChunks(in, rng, 10));
    std::string joined;
    for (const std::string& c : ro.frames) {
      ok = ok && !c.empty() && c.size() <= 3;
      joined += c;
    }
    ok = ok && !ro.error && joined == in && ro.leftover == 0;
  }
  CHECK(ok);
  RawFraming big;  // default 64 KiB
  CHECK(sameFrames(drive(*makeRawDecoder(big), whole(in)), {in}));
  auto enc = makeRawEncoder();
  CHECK_EQ(enc->maxHeaderLength(), 0);
  CHECK_EQ(enc->header(1 << 30, nullptr), 0);
  size_t tl = 9;
  CHECK(enc->trailer(&tl) != nullptr && tl == 0);
  RawFraming zero;
  zero.maxChunk = 0;
  CHECK(makeRawDecoder(zero) == nullptr);
}

// Random configurations and garbage input: only the invariants in drive() and
// the sanitizers judge; any decoder must stay inside [data, data + len).
void testFuzz(std::mt19937_64& rng) {
  g_section = "fuzz";
  for (int iter = 0; iter < 3000; iter++) {
    std::unique_ptr<FrameDecoder> dec;
    switch (rng() % 4) {
      case 0: {
        const uint32_t sizes[] = {1, 2, 3, 4, 8};
        LengthFraming f = lf(rng() % 5, sizes[rng() % 5], static_cast<int64_t>(rng() % 21) - 10, rng() % 12,
                             rng() % 2 ? ByteOrder::kBig : ByteOrder::kLittle, 16 + rng() % 400);
        if (rng() % 8 == 0) f.lengthAdjustment = static_cast<int64_t>(rng());
        dec = makeLengthDecoder(f);
        break;
      }
      case 1: {
        std::string d = randomBytes(rng, 1 + rng() % 3);
        for (char& c : d) c &= 3;
        dec = makeDelimiterDecoder(df(d, rng() % 64, rng() % 2));
        break;
      }
      case 2: {
        FixedFraming f;
        f.frameLength = 1 + rng() % 20;
        dec = makeFixedDecoder(f);
        break;
      }
      default: {
        RawFraming f;
        f.maxChunk = 1 + rng() % 20;
        dec = makeRawDecoder(f);
      }
    }
    if (!dec) {
      CHECK(dec != nullptr);
      continue;
    }
    std::string in = randomBytes(rng, rng() % 300);
    if (rng() % 2)
      for (char& c : in) c &= 3;  // small values: plausible lengths and delimiters
    drive(*dec, randomChunks(in, rng, 1 + rng() % 40));
  }
  CHECK(true);
}

}  // namespace

int main() {
  const uint64_t seed = 0x5eed1234abcdull;
  std::printf("codec_test seed %" PRIx64 "\n", seed);
  std::mt19937_64 rng(seed);
  testLengthFieldSizesAndOrders();
  testNettyExamples(rng);
  testLengthStreams(rng);
  testLengthRoundTrip(rng);
  testLengthLimits();
  testDelimiterBasics(rng);
  testDelimiterTooLarge(rng);
  testDelimiterLinear("\n", 'x', 'y');
  testDelimiterLinear("\r\n", 'x', '\r');
  testDelimiterLinear("aab", 'a', 'c');  // self-overlapping: partial matches at every step
  testDelimiterEncoder(rng);
  testFixed(rng);
  testRaw(rng);
  testFuzz(rng);
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
