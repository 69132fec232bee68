// The layered WebSocket decoder (ws_codec.h): the HTTP request first, then
// frames, every client-frame rule checked from the header on.
#include <algorithm>

#include "utf8.h"
#include "ws_codec.h"
#include "ws_mask.h"

namespace ringnet {

using namespace ws;

namespace {

// DecoderState::scanned while a text frame arrives: payload bytes already
// validated (bits 0-39) and the UTF-8 state after them (bits 40-43).
constexpr uint64_t kValidatedMask = (uint64_t{1} << 40) - 1;
constexpr int kScanUtf8Shift = 40;

DecodeResult error(CodecError e) {
  DecodeResult r;
  r.status = DecodeStatus::kError;
  r.error = e;
  return r;
}

// Advances the UTF-8 state over masked payload bytes [from, to) of a frame.
uint8_t validateMasked(uint8_t state, const uint8_t* payload, size_t from, size_t to,
                       const uint8_t key[4]) {
  uint8_t buf[512];
  while (from < to && state != utf8::kReject) {
    const size_t n = std::min(sizeof buf, to - from);
    unmask(buf, payload + from, n, key, from);
    state = utf8::advance(state, buf, n);
    from += n;
  }
  return state;
}

class WebSocketDecoder final : public FrameDecoder {
 public:
  explicit WebSocketDecoder(const WebSocketFraming& f)
      : max_(f.maxPayloadLength), http_(makeHttpDecoder(f.http)) {}

  DecodeResult decode(const uint8_t* data, size_t len, DecoderState& state) const override {
    switch (state.layer & kLayerMask) {
      case kLayerHttp: return http_->decode(data, len, state);
      case kLayerAwait: return DecodeResult{};
      case kLayerDiscard: {
        DecodeResult r;
        if (len == 0) return r;
        r.status = DecodeStatus::kFrame;
        r.consumed = len;
        r.payloadOffset = len;
        r.info = kInfoDiscarded;
        return r;
      }
      default: return frame(data, len, state);
    }
  }

  size_t maxFrameLength() const override {
    return std::max<size_t>(http_->maxFrameLength(), static_cast<size_t>(max_) + kWsMaxHeaderLength);
  }

 private:
  DecodeResult frame(const uint8_t* data, size_t len, DecoderState& state) const {
    FrameHeader h;
    const int hl = parseHeader(data, len, &h);
    if (hl < 0) return error(CodecError::kWsProtocolError);
    if (hl == 0) return DecodeResult{};
    const uint32_t layer = state.layer;
    const bool inMessage = (layer & kInMessage) != 0;
    // Client frames are masked; RSV2/3 name no extension we negotiate; RSV1
    // means "compressed" and is legal only on a message's first frame with
    // permessage-deflate negotiated (RFC 7692 6).
    if (!h.masked || h.rsv2 || h.rsv3) return error(CodecError::kWsProtocolError);
    if (h.rsv1 && (!(layer & kDeflateOn) || h.opcode == kContinuation || isControl(h.opcode))) {
      return error(CodecError::kWsProtocolError);
    }
    bool text = false;
    uint8_t utf8State = utf8::kAccept;
    switch (h.opcode) {
      case kContinuation:
        if (!inMessage) return error(CodecError::kWsProtocolError);
        if (uint64_t{state.message} + h.length > max_) return error(CodecError::kWsMessageTooBig);
        text = (layer & kMessageText) && !(layer & kMessageCompressed);
        utf8State = static_cast<uint8_t>((layer >> kUtf8Shift) & 0xf);
        break;
      case kText:
      case kBinary:
        if (inMessage) return error(CodecError::kWsProtocolError);
        if (h.length > max_) return error(CodecError::kWsMessageTooBig);
        text = h.opcode == kText && !h.rsv1;
        break;
      case kClose:
      case kPing:
      case kPong:
        if (!h.fin || h.length > kWsMaxControlPayload) return error(CodecError::kWsProtocolError);
        break;
      default:
        return error(CodecError::kWsProtocolError);  // reserved opcodes 3-7, 11-15
    }

    const uint8_t* payload = data + hl;
    const size_t have = len - static_cast<size_t>(hl);
    const uint64_t total = static_cast<uint64_t>(hl) + h.length;
    if (len < total) {
      // Fail fast: validate the text that has arrived, remembering how far.
      if (text && have > 0) {
        const uint64_t done = state.scanned & kValidatedMask;
        if (done > 0) utf8State = static_cast<uint8_t>((state.scanned >> kScanUtf8Shift) & 0xf);
        if (have > done) {
          utf8State = validateMasked(utf8State, payload, static_cast<size_t>(done), have, h.key);
          if (utf8State == utf8::kReject) return error(CodecError::kWsInvalidData);
          state.scanned = have | (uint64_t{utf8State} << kScanUtf8Shift);
        }
      }
      DecodeResult r;
      r.needed = static_cast<size_t>(total);
      return r;
    }

    const size_t length = static_cast<size_t>(h.length);
    if (text) {
      const uint64_t done = state.scanned & kValidatedMask;
      if (done > 0) utf8State = static_cast<uint8_t>((state.scanned >> kScanUtf8Shift) & 0xf);
      utf8State = validateMasked(utf8State, payload, static_cast<size_t>(done), length, h.key);
      if (utf8State == utf8::kReject || (h.fin && utf8State != utf8::kAccept)) {
        return error(CodecError::kWsInvalidData);
      }
    } else if (h.opcode == kClose && length > 0) {
      // No payload, or a valid code and a UTF-8 reason (RFC 6455 5.5.1).
      if (length == 1) return error(CodecError::kWsProtocolError);
      uint8_t body[kWsMaxControlPayload];
      unmask(body, payload, length, h.key, 0);
      if (!isValidCloseCode((uint32_t{body[0]} << 8) | body[1])) return error(CodecError::kWsProtocolError);
      if (!utf8::isValid(body + 2, length - 2)) return error(CodecError::kWsInvalidData);
    }
    state.scanned = 0;
    DecodeResult r;
    r.status = DecodeStatus::kFrame;
    r.consumed = static_cast<size_t>(total);
    r.payloadOffset = static_cast<size_t>(hl);
    r.payloadLength = length;
    r.info = h.opcode | (h.fin ? uint32_t{kInfoFin} : 0u) | (h.rsv1 ? uint32_t{kInfoRsv1} : 0u) |
             (uint32_t{utf8State} << kInfoUtf8Shift);
    return r;
  }

  const uint64_t max_;
  const std::unique_ptr<FrameDecoder> http_;
};

}  // namespace

std::unique_ptr<FrameDecoder> makeWebSocketDecoder(const WebSocketFraming& f) {
  if (f.maxPayloadLength > kWsMaxPayloadLimit) return nullptr;
  return std::make_unique<WebSocketDecoder>(f);
}

}  // namespace ringnet
