// Fuzz target: goim framing (native/core/codec/goim_codec.cc).
// Input: shape u8 (bit 0 reject extended headers, bit 1 checksum, bit 2 seal
// the stream's checksums first), maxFrameLength code u16, a u32 rng seed, then
// the byte stream (see make-seeds.js).
//
// Besides cut-anywhere and the bounds checks (support/codec_props.h):
//  - a reference decoder written from the protocol description (README's goim
//    table) with its own CRC-32 (a table built from the bitwise definition,
//    not the codec's) must agree with the codec on every
//    stream: frames, consumed sizes, error code, leftover;
//  - round trip: bodies from the stream with random ver/op/seq, encoded by
//    headerFor() (the path conn.send() takes), decode back to exactly the
//    encoded packets with the header fields and checksum in place; the encoder
//    refuses exactly the bodies that would exceed maxFrameLength;
//  - configurations that cannot hold a header are refused.
// "Sealing" writes the right CRC into every complete packet of the stream
// that has room for one, so the fuzzer reaches checksummed frames (and the
// extended-header paths behind the CRC check) without guessing 32 bits.
#include <cstdint>

#include "core/codec/goim_codec.h"
#include "support/codec_props.h"

using namespace ringnet;
using namespace ringnet::fuzz;

namespace {

constexpr size_t kBase = 16;      // packLen, headerLen, ver, op, seq
constexpr size_t kWithCrc = 20;   // + CRC-32 of the body at bytes 16..19

struct Config {
  GoimFraming f;
  bool seal = false;
};

Config readConfig(FuzzInput& in) {
  Config c;
  const uint8_t shape = in.u8();
  c.f.allowExtendedHeader = (shape & 1) == 0;
  c.f.checksum = (shape & 2) != 0;
  c.seal = (shape & 4) != 0;
  const uint16_t max = in.u16();
  const uint64_t header = c.f.checksum ? kWithCrc : kBase;
  // Small limits make the limit paths reachable; 0xffff picks the largest
  // packLen the field can carry.
  c.f.maxFrameLength = max == 0xffff ? UINT32_MAX : header + max % 1024;
  return c;
}

uint32_t be32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; i++) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}
uint32_t be16(const std::string& s, size_t at) {
  return (uint32_t{static_cast<uint8_t>(s[at])} << 8) | static_cast<uint8_t>(s[at + 1]);
}

// CRC-32 (IEEE, reflected, as zlib), one bit at a time: no table to get wrong
// the same way as the codec's.
uint32_t bitwiseCrc32(const std::string& s, size_t from, size_t to) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = from; i < to; i++) {
    c ^= static_cast<uint8_t>(s[i]);
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

// The same CRC a byte at a time, through a table built once from the bitwise
// step above (not the codec's table), checked against the bitwise CRC and the
// standard check value at startup: the reference's per-packet CRCs were a
// quarter of the target's time one bit at a time.
uint32_t refCrc32(const std::string& s, size_t from, size_t to) {
  static const struct Table {
    uint32_t t[256];
    Table() {
      for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        t[i] = c;
      }
    }
  } table;
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = from; i < to; i++) c = table.t[(c ^ static_cast<uint8_t>(s[i])) & 0xFF] ^ (c >> 8);
  return ~c;
}

bool refCrcChecked() {
  const std::string check = "123456789";  // CRC-32's check value: 0xCBF43926
  FUZZ_CHECK(bitwiseCrc32(check, 0, check.size()) == 0xCBF43926u);
  FUZZ_CHECK(refCrc32(check, 0, check.size()) == 0xCBF43926u);
  std::string bytes(1024, '\0');
  Rng rng(7);
  for (char& c : bytes) c = static_cast<char>(rng.next());
  for (size_t n = 0; n <= bytes.size(); n += 1 + n / 8) FUZZ_CHECK(refCrc32(bytes, 0, n) == bitwiseCrc32(bytes, 0, n));
  return true;
}

// Writes the right CRC into every complete packet, walking packLen to packLen.
void seal(std::string& s) {
  for (size_t at = 0; s.size() - at >= 6;) {
    const size_t packLen = be32(s, at);
    const size_t headerLen = be16(s, at + 4);
    if (packLen < kBase || packLen > s.size() - at) return;
    if (headerLen >= kWithCrc && headerLen <= packLen) {
      const uint32_t crc = refCrc32(s, at + headerLen, at + packLen);
      for (size_t i = 0; i < 4; i++) s[at + 16 + i] = static_cast<char>(crc >> (24 - 8 * i));
    }
    at += packLen;
  }
}

// The protocol as documented, on the whole stream. A packet is refused as soon
// as its bytes prove it bad: packLen above the limit or below 16 from the first
// 4 bytes; headerLen below 16, above packLen, without room for the checksum
// (checksum on) or extended when extended headers are rejected, from the first
// 6; a wrong checksum once the packet is complete. A decoded frame is the whole
// packet, header included. (A per-thread Decoded, valid until the next call.)
const Decoded& reference(const GoimFraming& f, const std::string& s) {
  const size_t base = f.checksum ? kWithCrc : kBase;
  static thread_local Decoded d;
  d.clear();
  size_t at = 0;
  for (;;) {
    const size_t avail = s.size() - at;
    if (avail < 4) break;
    const uint64_t packLen = be32(s, at);
    CodecError err = CodecError::kNone;
    if (packLen > f.maxFrameLength) {
      err = CodecError::kFrameTooLarge;
    } else if (packLen < kBase) {
      err = CodecError::kBadLength;
    } else if (avail >= 6) {
      const uint64_t headerLen = be16(s, at + 4);
      if (headerLen < kBase || headerLen > packLen) {
        err = CodecError::kBadLength;
      } else if (f.checksum && headerLen < kWithCrc) {
        err = CodecError::kBadChecksum;  // no room for it: the checksum is missing
      } else if (headerLen > base && !f.allowExtendedHeader) {
        err = CodecError::kBadLength;
      } else if (f.checksum && avail >= packLen &&
                 refCrc32(s, at + headerLen, at + packLen) != be32(s, at + 16)) {
        err = CodecError::kBadChecksum;
      }
    }
    if (err != CodecError::kNone) {
      d.error = true;
      d.code = err;
      d.leftover = avail;
      return d;
    }
    if (avail < 6 || avail < packLen) break;
    d.frames.push_back(std::string_view(s).substr(at, packLen));
    d.consumed.push_back(packLen);
    at += packLen;
  }
  d.leftover = s.size() - at;
  return d;
}

// Encodes one packet the way conn.send({ ver, op, seq, body }) does: header
// into a buffer of exactly maxHeaderLength() bytes (an overrun is an ASan
// report), then the body (also exact-size for ASan). False when the encoder
// refuses the body. The buffers are reused across calls (no malloc per packet).
bool encodePacket(const FrameEncoder& enc, const uint8_t* meta, std::string_view body,
                  std::string* wire) {
  static thread_local ExactBuffer header, copy;
  FUZZ_CHECK(enc.metaLength() == goim::kMetaLength);
  const size_t cap = enc.maxHeaderLength();
  uint8_t* h = header.get(cap);
  const uint8_t* b = copy.copy(body.data(), body.size());
  const int n = enc.headerFor(meta, b, body.size(), h);
  if (n < 0) return false;
  FUZZ_CHECK(static_cast<size_t>(n) <= cap);
  wire->assign(reinterpret_cast<const char*>(h), static_cast<size_t>(n));
  wire->append(body);
  size_t trailerLength = 99;
  enc.trailer(&trailerLength);
  FUZZ_CHECK(trailerLength == 0);
  return true;
}

void checkRoundTrip(const GoimFraming& f, const FrameDecoder& dec, const FrameEncoder& enc,
                    const std::string& source, Rng& rng) {
  const size_t base = f.checksum ? kWithCrc : kBase;
  static thread_local std::string stream, wire;
  static thread_local std::vector<size_t> sizes;  // packets, end to end in `stream`
  stream.clear();
  sizes.clear();
  for (size_t at = 0; at < source.size();) {
    size_t n = rng.between(0, 300);
    if (n > source.size() - at) n = source.size() - at;
    const std::string_view body = std::string_view(source).substr(at, n);
    at += n == 0 ? 1 : n;  // a run of empty bodies still ends
    const uint16_t ver = static_cast<uint16_t>(rng.next());
    const uint32_t op = rng.next();
    const uint32_t seq = rng.next();
    uint8_t meta[goim::kMetaLength];
    goim::writeMeta(ver, op, seq, meta);
    const bool fits = base + body.size() <= f.maxFrameLength;
    FUZZ_CHECK(encodePacket(enc, meta, body, &wire) == fits);
    if (!fits) continue;
    FUZZ_CHECK(wire.size() == base + body.size());
    FUZZ_CHECK(be32(wire, 0) == wire.size() && be16(wire, 4) == base);
    FUZZ_CHECK(be16(wire, 6) == ver && be32(wire, 8) == op && be32(wire, 12) == seq);
    if (f.checksum) FUZZ_CHECK(be32(wire, 16) == refCrc32(wire, base, wire.size()));
    FUZZ_CHECK(wire.compare(base, std::string::npos, body) == 0);
    stream += wire;
    sizes.push_back(wire.size());
  }
  const Decoded& d = checkCutAnywhere(dec, stream, rng);
  FUZZ_CHECK(!d.error && d.leftover == 0);
  // Frames are whole packets (so consumed == size), in order.
  FUZZ_CHECK(d.frames.size() == sizes.size());
  for (size_t i = 0, at = 0; i < sizes.size(); at += sizes[i++]) {
    FUZZ_CHECK(sameBytes(d.frames[i], std::string_view(stream).substr(at, sizes[i])));
    FUZZ_CHECK(d.consumed[i] == sizes[i]);
  }
}

// Meta-less header() (a plain payload): version 1, op 4, seq 0, and refused
// under checksum, which needs the body.
void checkPlainHeader(const GoimFraming& f, const FrameEncoder& enc, size_t bodyLength) {
  static thread_local ExactBuffer header;
  const int n = enc.header(bodyLength, header.get(enc.maxHeaderLength()));
  if (f.checksum || kBase + bodyLength > f.maxFrameLength) {
    FUZZ_CHECK(n == -1);
    return;
  }
  FUZZ_CHECK(n == static_cast<int>(kBase));
  const std::string h(reinterpret_cast<const char*>(header.data()), kBase);
  FUZZ_CHECK(be32(h, 0) == kBase + bodyLength && be16(h, 4) == kBase);
  FUZZ_CHECK(be16(h, 6) == 1 && be32(h, 8) == goim::kOpMessage && be32(h, 12) == 0);
}

void checkConfigLimits(const GoimFraming& f) {
  GoimFraming g = f;
  g.maxFrameLength = (f.checksum ? kWithCrc : kBase) - 1;  // cannot hold a header
  FUZZ_CHECK(!makeGoimDecoder(g) && !makeGoimEncoder(g));
  g.maxFrameLength = uint64_t{UINT32_MAX} + 1;  // packLen cannot say it
  FUZZ_CHECK(!makeGoimDecoder(g) && !makeGoimEncoder(g));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const Config c = readConfig(in);
  auto dec = makeGoimDecoder(c.f);
  auto enc = makeGoimEncoder(c.f);
  FUZZ_CHECK(dec && enc);  // readConfig only builds valid configurations
  FUZZ_CHECK(dec->maxFrameLength() == c.f.maxFrameLength);
  checkConfigLimits(c.f);
  Rng rng(in.u32());
  std::string stream = in.rest();
  if (c.seal) seal(stream);

  // The codec's CRC against the reference on a random window of up to 512
  // bytes (its loop is the same for every byte; the whole 4 KiB stream per
  // input was a tenth of the time); it also runs on every checksummed packet.
  static const bool refChecked = refCrcChecked();
  (void)refChecked;
  const size_t from = rng.between(0, stream.size());
  const size_t to = from + std::min<size_t>(stream.size() - from, rng.between(0, 512));
  FUZZ_CHECK(goim::crc32(reinterpret_cast<const uint8_t*>(stream.data()) + from, to - from) ==
             refCrc32(stream, from, to));
  const Decoded& got = checkCutAnywhere(*dec, stream, rng);
  FUZZ_CHECK(sameOutcome(got, reference(c.f, stream)));

  checkRoundTrip(c.f, *dec, *enc, stream, rng);
  checkPlainHeader(c.f, *enc, rng.between(0, 2048));
  return 0;
}
