#include "goim_codec.h"

#include <array>

namespace ringnet {
namespace goim {
namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

std::array<uint32_t, 256> makeCrcTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}

size_t headerLengthFor(const GoimFraming& f) {
  return f.checksum ? kChecksumHeaderLength : kHeaderLength;
}

}  // namespace

Header readHeader(const uint8_t* p) {
  return Header{be32(p), be16(p + 4), be16(p + 6), be32(p + 8), be32(p + 12)};
}

void writeMeta(uint16_t ver, uint32_t op, uint32_t seq, uint8_t* meta) {
  put16(meta, ver);
  put32(meta + 2, op);
  put32(meta + 6, seq);
}

uint32_t crc32(const uint8_t* data, size_t len) {
  static const std::array<uint32_t, 256> table = makeCrcTable();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

int writeHeader(const GoimFraming& f, const uint8_t* meta, const uint8_t* body, size_t bodyLength,
                uint8_t* out) {
  const size_t headerLen = headerLengthFor(f);
  if (bodyLength > f.maxFrameLength - headerLen) return -1;
  put32(out, static_cast<uint32_t>(headerLen + bodyLength));
  put16(out + 4, static_cast<uint16_t>(headerLen));
  for (size_t i = 0; i < kMetaLength; ++i) out[6 + i] = meta[i];
  if (f.checksum) put32(out + 16, crc32(body, bodyLength));
  return static_cast<int>(headerLen);
}

}  // namespace goim

namespace {

class GoimDecoder final : public FrameDecoder {
 public:
  explicit GoimDecoder(const GoimFraming& f) : f_(f) {}

  DecodeResult decode(const uint8_t* data, size_t len, DecoderState& state) const override {
    DecodeResult r;
    r.needed = goim::kHeaderLength;
    if (len < 4) return r;
    // Validity is decided from the header alone, so a bad or oversized packet
    // is refused before its body is buffered.
    const uint32_t packLen = goim::be32(data);
    if (packLen > f_.maxFrameLength) return error(CodecError::kFrameTooLarge);
    if (packLen < goim::kHeaderLength) return error(CodecError::kBadLength);
    if (len < 6) return r;
    const uint16_t headerLen = goim::be16(data + 4);
    if (headerLen < goim::kHeaderLength || headerLen > packLen) return error(CodecError::kBadLength);
    // "Extended" is relative to this framing's own header: with checksum on,
    // the 20-byte header the encoder writes is the standard one, not an extension.
    if (headerLen > goim::headerLengthFor(f_) && !f_.allowExtendedHeader) return error(CodecError::kBadLength);
    if (f_.checksum && headerLen < goim::kChecksumHeaderLength) return error(CodecError::kBadChecksum);
    if (len < packLen) {
      r.needed = packLen;
      return r;
    }
    if (f_.checksum &&
        goim::crc32(data + headerLen, packLen - headerLen) != goim::be32(data + 16)) {
      return error(CodecError::kBadChecksum);
    }
    state.scanned = 0;
    r.status = DecodeStatus::kFrame;
    r.needed = 0;
    r.consumed = packLen;
    r.payloadOffset = 0;  // the whole packet: JS reads the header fields
    r.payloadLength = packLen;
    return r;
  }

  size_t maxFrameLength() const override { return static_cast<size_t>(f_.maxFrameLength); }

 private:
  static DecodeResult error(CodecError e) {
    DecodeResult r;
    r.status = DecodeStatus::kError;
    r.error = e;
    return r;
  }
  GoimFraming f_;
};

class GoimEncoder final : public FrameEncoder {
 public:
  explicit GoimEncoder(const GoimFraming& f) : f_(f) {}

  // Without meta (a plain payload): a version-1 message with sequence 0.
  int header(size_t payloadLength, uint8_t* out) const override {
    uint8_t meta[goim::kMetaLength];
    goim::writeMeta(1, goim::kOpMessage, 0, meta);
    if (f_.checksum) return -1;  // the checksum needs the body: use headerFor()
    return goim::writeHeader(f_, meta, nullptr, payloadLength, out);
  }
  size_t maxHeaderLength() const override { return goim::kChecksumHeaderLength; }
  const uint8_t* trailer(size_t* length) const override {
    *length = 0;
    return nullptr;
  }
  size_t metaLength() const override { return goim::kMetaLength; }
  int headerFor(const uint8_t* meta, const uint8_t* payload, size_t payloadLength,
                uint8_t* out) const override {
    return goim::writeHeader(f_, meta, payload, payloadLength, out);
  }

 private:
  GoimFraming f_;
};

bool validConfig(const GoimFraming& f) {
  const size_t header = f.checksum ? goim::kChecksumHeaderLength : goim::kHeaderLength;
  return f.maxFrameLength >= header && f.maxFrameLength <= UINT32_MAX;
}

}  // namespace

std::unique_ptr<FrameDecoder> makeGoimDecoder(const GoimFraming& f) {
  if (!validConfig(f)) return nullptr;
  return std::make_unique<GoimDecoder>(f);
}

std::unique_ptr<FrameEncoder> makeGoimEncoder(const GoimFraming& f) {
  if (!validConfig(f)) return nullptr;
  return std::make_unique<GoimEncoder>(f);
}

}  // namespace ringnet
