// WebSocket frame headers, close codes and the encoder (ws_codec.h).
#include "ws_codec.h"

#include <cstring>

#include "goim_codec.h"

namespace ringnet {
namespace ws {

bool isValidCloseCode(uint32_t code) {
  if (code >= 3000 && code <= 4999) return true;
  if (code < 1000 || code > 1014) return false;
  return code != 1004 && code != 1005 && code != 1006;
}

uint16_t closeCodeFor(CodecError e) {
  switch (e) {
    case CodecError::kWsInvalidData: return kCloseInvalidData;
    case CodecError::kWsMessageTooBig: return kCloseTooBig;
    default: return kCloseProtocolError;
  }
}

size_t writeHeader(uint8_t opcode, bool fin, bool rsv1, uint64_t length, uint8_t* out) {
  out[0] = static_cast<uint8_t>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (opcode & 0x0f));
  if (length < 126) {
    out[1] = static_cast<uint8_t>(length);
    return 2;
  }
  if (length <= 0xffff) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(length >> 8);
    out[3] = static_cast<uint8_t>(length);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(length >> (56 - 8 * i));
  return 10;
}

void advance(DecoderState& s, const DecodeResult& r) {
  const uint8_t opcode = r.info & kInfoOpcodeMask;
  if (isControl(opcode) || (r.info & kInfoDiscarded)) return;
  uint32_t layer = s.layer;
  if (opcode != kContinuation) {
    layer &= ~(kMessageText | kMessageCompressed);
    if (opcode == kText) layer |= kMessageText;
    if (r.info & kInfoRsv1) layer |= kMessageCompressed;
    s.message = 0;
  }
  const uint32_t utf8 = (r.info >> kInfoUtf8Shift) & 0xf;
  layer = (layer & ~(0xfu << kUtf8Shift)) | (utf8 << kUtf8Shift);
  if (r.info & kInfoFin) {
    layer &= ~(kInMessage | kMessageText | kMessageCompressed | (0xfu << kUtf8Shift));
    s.message = 0;
  } else {
    layer |= kInMessage;
    const uint64_t total = uint64_t{s.message} + r.payloadLength;
    s.message = total > 0xffffffffu ? 0xffffffffu : static_cast<uint32_t>(total);
  }
  s.layer = layer;
}

}  // namespace ws

namespace {

// conn.send(): meta byte (opcode | kMetaCompressed), then the payload; one
// unfragmented, unmasked frame.
class WebSocketEncoder final : public FrameEncoder {
 public:
  int header(size_t payloadLength, uint8_t* out) const override {
    return static_cast<int>(ws::writeHeader(ws::kBinary, true, false, payloadLength, out));
  }
  size_t maxHeaderLength() const override { return 10; }
  const uint8_t* trailer(size_t* length) const override {
    *length = 0;
    return nullptr;
  }
  size_t metaLength() const override { return 1; }
  int headerFor(const uint8_t* meta, const uint8_t*, size_t payloadLength, uint8_t* out) const override {
    const uint8_t opcode = meta[0] & 0x0f;
    if (opcode != ws::kText && opcode != ws::kBinary && !ws::isControl(opcode)) return -1;
    if (ws::isControl(opcode) && payloadLength > kWsMaxControlPayload) return -1;
    const bool rsv1 = (meta[0] & ws::kMetaCompressed) != 0 && !ws::isControl(opcode);
    return static_cast<int>(ws::writeHeader(opcode, true, rsv1, payloadLength, out));
  }
};

}  // namespace

class GoimOverWebSocketEncoder final : public FrameEncoder {
 public:
  explicit GoimOverWebSocketEncoder(const GoimFraming& f) : f_(f) {}
  int header(size_t, uint8_t*) const override { return -1; }  // a goim packet needs its meta
  size_t maxHeaderLength() const override { return 10 + goim::kChecksumHeaderLength; }
  const uint8_t* trailer(size_t* length) const override {
    *length = 0;
    return nullptr;
  }
  size_t metaLength() const override { return goim::kMetaLength; }
  int headerFor(const uint8_t* meta, const uint8_t* payload, size_t payloadLength, uint8_t* out) const override {
    uint8_t packet[goim::kChecksumHeaderLength];
    const int g = goim::writeHeader(f_, meta, payload, payloadLength, packet);
    if (g < 0) return -1;
    const size_t w = ws::writeHeader(ws::kBinary, true, false, static_cast<size_t>(g) + payloadLength, out);
    std::memcpy(out + w, packet, static_cast<size_t>(g));
    return static_cast<int>(w) + g;
  }

 private:
  const GoimFraming f_;
};

std::unique_ptr<FrameEncoder> makeWebSocketEncoder() { return std::make_unique<WebSocketEncoder>(); }

std::unique_ptr<FrameEncoder> makeGoimOverWebSocketEncoder(const GoimFraming& f) {
  return std::make_unique<GoimOverWebSocketEncoder>(f);
}

}  // namespace ringnet
