#include "ws_protocol.h"

#include <cstring>
#include <string>
#include <vector>

#include "../codec/http_chars.h"
#include "../codec/utf8.h"
#include "../codec/ws_extensions.h"
#include "../codec/ws_handshake.h"
#include "../codec/ws_mask.h"
#include "../goim/goim_protocol.h"
#include "../http/http_protocol.h"
#include "../timeouts.h"
#include "../wire.h"
#include "ws_deflate.h"
#include "ws_frame_deflate.h"
#include "ws_inflate.h"

namespace ringnet {

namespace {

using namespace ws;

// Connection::protoFlags once upgraded (before, the HTTP protocol owns bits
// 0-27; bit 31 is ours on both layers):
// (goim over WebSocket: bits 0-1 are GoimProtocol's auth state.)
constexpr uint32_t kPingSent = 1u << 2;      // idle ping sent, nothing received since
constexpr int kOurCodeShift = 16;            // bits 16-31: the code of the close we sent
constexpr uint32_t kUpgradeSeen = 1u << 31;  // HTTP layer: the request being delivered is an upgrade
// Between the upgrade's delivery and the accept (kLayerAwait):
constexpr uint32_t kDeflateAgreed = 1u << 30;  // permessage-deflate is in the answer
constexpr uint32_t kNoTakeoverAsked = 1u << 29;  // ... and the client asked for server_no_context_takeover
constexpr int kWindowShift = 24;               // bits 24-27: server_max_window_bits agreed (0: none)
constexpr int kClientWindowShift = 16;         // bits 16-19: client_max_window_bits answered (0: none)

constexpr size_t kKeepScratch = 256 * 1024;  // scratch kept between messages (payload_, inflatedBytes_)

// A connection's state beyond protoFlags: a fragmented message being
// assembled (allocated for it, freed after it), and with a dedicated
// compressor, the connection's deflate stream (kept for the connection's life).
struct WsState final : ProtocolState {
  std::vector<uint8_t> message;
  size_t committed = 0;  // bytes of fragments already consumed
  // Non-null: this connection holds one of the worker's dedicated compressor
  // slots (the count, shared so that it outlives the protocol at teardown).
  std::shared_ptr<uint32_t> dedicatedCount;
  std::unique_ptr<DeflateStream> stream;  // created at the first compressed send
  ~WsState() override {
    if (dedicatedCount) --*dedicatedCount;
  }
};

WsState* dedicatedOf(const Connection& c) {
  auto* s = static_cast<WsState*>(c.protoState.get());
  return s != nullptr && s->dedicatedCount ? s : nullptr;
}

// A fragmented message is done: its buffer goes (the state stays while it
// holds a dedicated compressor).
void endFragments(Connection& c) {
  WsState* s = dedicatedOf(c);
  if (s == nullptr) {
    c.protoState.reset();
    return;
  }
  std::vector<uint8_t>().swap(s->message);
  s->committed = 0;
}

uint32_t layerOf(const Connection& c) { return c.decoder.layer & kLayerMask; }
void setLayer(Connection& c, uint32_t layer) { c.decoder.layer = (c.decoder.layer & ~kLayerMask) | layer; }

void unmaskPayload(uint8_t* out, const uint8_t* frame, const DecodeResult& r) {
  const uint8_t* payload = frame + r.payloadOffset;
  unmask(out, payload, r.payloadLength, payload - 4, 0);
}

// The parsed head of an HTTP-layer frame: the decoder's when it parsed it in
// this same pass, else parsed again (the body completed in a later read).
struct HeadView {
  HttpHead head;
  const int32_t* fields = nullptr;
  size_t count = 0;
};

void collectField(void* ctx, size_t nameOffset, size_t nameLength, size_t valueOffset, size_t valueLength) {
  auto* v = static_cast<std::vector<int32_t>*>(ctx);
  for (size_t x : {nameOffset, nameLength, valueOffset, valueLength}) v->push_back(static_cast<int32_t>(x));
}

thread_local std::vector<int32_t> t_fields;

HeadView headOf(const uint8_t* data, size_t length, const HttpFraming& limits) {
  HeadView v;
  HttpLastHead& last = httpLastHead();
  if (last.data == data) {
    v.head = last.head;
    v.fields = last.fields.data();
    v.count = last.fields.size() / 4;
    return v;
  }
  size_t start = 0;
  while (start + 1 < length && data[start] == '\r' && data[start + 1] == '\n') start += 2;
  const void* hit = memmem(data + start, length - start, "\r\n\r\n", 4);
  const size_t end = static_cast<size_t>(static_cast<const uint8_t*>(hit) - data) + 4;
  t_fields.clear();
  parseHttpHead(data, start, end, limits, &v.head, collectField, &t_fields);
  v.fields = t_fields.data();
  v.count = t_fields.size() / 4;
  return v;
}

// Compresses a whole binary message for a connection (permessage-deflate),
// false when it goes plain.
class MessageCompressor {
 public:
  virtual ~MessageCompressor() = default;
  virtual bool compressMessage(Connection& c, const uint8_t* payload, size_t len, BuiltFrame* frame) = 0;
};

// What the goim protocol replies (heartbeat op 3, auth op 8) goes out as one
// binary message each (compressed like sends when the connection negotiated
// it): the goim logic is the TCP one, only the transport differs.
class BinaryMessageControl final : public ConnectionControl {
 public:
  BinaryMessageControl(ConnectionControl& inner, MessageCompressor& z) : inner_(inner), z_(z) {}
  void reply(Connection& c, const uint8_t* data, size_t len) override {
    if (c.sealed) return;
    BuiltFrame f;
    if (z_.compressMessage(c, data, len, &f)) {
      inner_.reply(c, f.data, f.length);
      return;
    }
    uint8_t h[10];
    const size_t hl = writeHeader(kBinary, true, false, len, h);
    frame_.assign(h, h + hl);
    frame_.insert(frame_.end(), data, data + len);
    inner_.reply(c, frame_.data(), frame_.size());
  }
  void armDeadline(Connection& c, uint32_t ms, int32_t reason) override { inner_.armDeadline(c, ms, reason); }
  void clearDeadline(Connection& c) override { inner_.clearDeadline(c); }
  void closeAfterFlush(Connection& c, int32_t reason, int32_t detail) override { inner_.closeAfterFlush(c, reason, detail); }

 private:
  ConnectionControl& inner_;
  MessageCompressor& z_;
  std::vector<uint8_t> frame_;
};

class WebSocketProtocol final : public Protocol, MessageCompressor {
 public:
  explicit WebSocketProtocol(const FramingConfig& f)
      : o_(f.websocket),
        http_(makeHttpProtocol(f.websocket.http)),
        inflater_(f.websocket.perMessageDeflate ? std::make_unique<Inflater>() : nullptr),
        deflater_(f.websocket.compress ? std::make_unique<Deflater>() : nullptr),
        dedicatedCount_(std::make_shared<uint32_t>(0)),
        goimFraming_(f.goim),
        goim_(f.websocket.goim ? std::make_unique<GoimProtocol>(f) : nullptr),
        goimDecoder_(f.websocket.goim ? makeGoimDecoder(f.goim) : nullptr) {}

  void onOpen(ConnectionControl& ctl, Connection& c) override { http_->onOpen(ctl, c); }

  void afterInput(ConnectionControl& ctl, Connection& c, size_t pending) override {
    if (layerOf(c) == kLayerHttp) {
      http_->afterInput(ctl, c, pending);
    } else {
      c.protoFlags &= ~kPingSent;  // the peer is alive: the next idle period may ping again
    }
  }

  FrameVerdict onFrame(ConnectionControl& ctl, Connection& c, const uint8_t* data, const DecodeResult& r,
                       int32_t* closeReason) override {
    switch (layerOf(c)) {
      case kLayerHttp: return onRequest(ctl, c, data, r, closeReason);
      case kLayerFrames: break;
      default: return FrameVerdict::kConsumed;  // awaiting JS, or closing: nothing is read
    }
    // Per frame: a control frame after a compressed message is not inflated.
    inflated_ = false;
    const uint8_t op = r.info & kInfoOpcodeMask;
    switch (op) {
      case kPing:
        if (o_.deliverPings) return FrameVerdict::kDeliver;  // answered once delivered
        payload_.resize(r.payloadLength);
        unmaskPayload(payload_.data(), data, r);
        pong(ctl, c, payload_.data(), payload_.size());
        return FrameVerdict::kConsumed;
      case kPong:
        return o_.deliverPings ? FrameVerdict::kDeliver : FrameVerdict::kConsumed;
      case kClose:
        return FrameVerdict::kDeliver;  // JS learns the code and reason; answered once delivered
      default:
        break;
    }
    if (!(r.info & kInfoFin)) {
      // A fragment: kept here until the message is whole (the decoder checked
      // the sum against maxPayloadLength from each header).
      if (!c.protoState) c.protoState = std::make_unique<WsState>();
      auto& s = static_cast<WsState&>(*c.protoState);
      s.message.resize(s.committed + r.payloadLength);
      unmaskPayload(s.message.data() + s.committed, data, r);
      s.committed += r.payloadLength;
      advance(c.decoder, r);
      return FrameVerdict::kConsumed;
    }
    if (goim_) return goimMessage(ctl, c, data, r);
    const bool compressed = op == kContinuation ? (c.decoder.layer & kMessageCompressed) != 0 : (r.info & kInfoRsv1) != 0;
    if (compressed) return inflateMessage(ctl, c, data, r);
    return FrameVerdict::kDeliver;
  }

  FrameBytes frameForJs(Connection& c, const uint8_t* data, const DecodeResult& r) override {
    last_ = r;
    if (layerOf(c) == kLayerHttp) {
      FrameBytes b = http_->frameForJs(c, data, r);
      b.kind = (c.protoFlags & kUpgradeSeen) ? kWsKindUpgrade : kWsKindRequest;
      return b;
    }
    const uint8_t op = r.info & kInfoOpcodeMask;
    if (goimPacket_.data != nullptr) {
      const BuiltFrame p = goimPacket_;
      goimPacket_ = BuiltFrame{};
      return FrameBytes{p.data, p.length, kBinary};
    }
    if (inflated_) {
      const bool text = op == kContinuation ? (c.decoder.layer & kMessageText) != 0 : op == kText;
      return FrameBytes{inflatedBytes_.data(), inflatedBytes_.size(), text ? kText : kBinary};
    }
    if (op == kContinuation) {
      // The last fragment: the message is the fragments so far plus this one.
      // (Called again for the same frame after a full batch: resize first.)
      auto& s = static_cast<WsState&>(*c.protoState);
      s.message.resize(s.committed + r.payloadLength);
      unmaskPayload(s.message.data() + s.committed, data, r);
      const int32_t kind = (c.decoder.layer & kMessageText) ? kText : kBinary;
      return FrameBytes{s.message.data(), s.message.size(), kind};
    }
    if (!isControl(op)) {
      // A whole one-frame message: unmasked as the batch copies it (no scratch copy).
      const uint8_t* payload = data + r.payloadOffset;
      return FrameBytes{payload, r.payloadLength, op, payload - 4};
    }
    payload_.resize(r.payloadLength);  // a control frame: onDelivered answers from payload_
    unmaskPayload(payload_.data(), data, r);
    return FrameBytes{payload_.data(), payload_.size(), op};
  }

  void onDelivered(ConnectionControl& ctl, Connection& c) override {
    switch (layerOf(c)) {
      case kLayerHttp:
        if (c.protoFlags & kUpgradeSeen) {
          upgradeDelivered(ctl, c);
        } else {
          http_->onDelivered(ctl, c);
        }
        return;
      case kLayerFrames: break;
      default: return;
    }
    const uint8_t op = last_.info & kInfoOpcodeMask;
    // The hot path: a one-frame message, as it came (unmasked into the batch):
    // nothing to answer, no message state (the decoder's is already at rest
    // after a final frame outside a message), no scratch used.
    if ((op == kText || op == kBinary) && !inflated_ && !goim_) return;
    if (op == kPing) {
      pong(ctl, c, payload_.data(), payload_.size());
    } else if (op == kClose) {
      peerClosed(ctl, c);
    } else if (!isControl(op)) {
      advance(c.decoder, last_);
      if (op == kContinuation) endFragments(c);
      if (goim_) {  // the packet reached JS: goim's auth gate moves on
        BinaryMessageControl binary(ctl, *this);
        goim_->onDelivered(binary, c);
      }
    }
    for (std::vector<uint8_t>* scratch : {&payload_, &inflatedBytes_}) {
      if (scratch->capacity() > kKeepScratch) {
        scratch->clear();
        scratch->shrink_to_fit();
      }
    }
  }

  bool onDecodeError(ConnectionControl& ctl, Connection& c, const DecodeResult& r) override {
    if (layerOf(c) == kLayerHttp) return http_->onDecodeError(ctl, c, r);
    closeWith(ctl, c, closeCodeFor(r.error), wire::kCloseWsError);
    return true;
  }

  bool holdsOpenOnServerClose(ConnectionControl& ctl, Connection& c) override {
    return layerOf(c) == kLayerHttp && http_->holdsOpenOnServerClose(ctl, c);
  }

  // An open WebSocket's one deadline serves the idle ping/close and
  // maxLifetime: whichever comes first is armed, and this sorts them out.
  bool onDeadline(ConnectionControl& ctl, Connection& c, int32_t reason) override {
    if (reason != wire::kCloseIdleTimeout || layerOf(c) != kLayerFrames || c.sealed) return false;
    const uint64_t now = coarseMs();
    if (o_.maxLifetimeMs != 0 && now >= lifetimeEndMs(c)) {
      closeWith(ctl, c, kCloseGoingAway, wire::kCloseMaxLifetime);
      return true;
    }
    const uint64_t idle = o_.idleTimeoutMs;
    if (idle == 0) {
      armTimers(ctl, c, now, 0);  // only the lifetime is timed
      return true;
    }
    const uint64_t silent = now > c.lastInMs ? now - c.lastInMs : 0;
    if (o_.sendPings && !(c.protoFlags & kPingSent)) {
      if (silent < idle / 2) {
        armTimers(ctl, c, now, idle / 2 - silent);
        return true;
      }
      static const uint8_t ping[2] = {0x89, 0x00};
      ctl.reply(c, ping, sizeof ping);
      c.protoFlags |= kPingSent;
    }
    if (silent < idle) {
      armTimers(ctl, c, now, idle - silent);
      return true;
    }
    closeWith(ctl, c, kCloseGoingAway, wire::kCloseIdleTimeout);
    return true;
  }

  void onCommand(ConnectionControl& ctl, Connection& c, int32_t op, const uint8_t* payload,
                 size_t len) override {
    switch (op) {
      case kWsCmdAccept:
        if (layerOf(c) != kLayerAwait || len < 24) return;
        accept(ctl, c, payload, std::string(reinterpret_cast<const char*>(payload + 24), len - 24));
        ctl.resumeInput(c);  // bytes that followed the request are decoded now
        return;
      case kWsCmdReject: {
        if (layerOf(c) != kLayerAwait || len < 4) return;
        int32_t status;
        std::memcpy(&status, payload, 4);
        refuse(ctl, c, status);
        return;
      }
      case kWsCmdEnd: {
        if (layerOf(c) != kLayerFrames || c.sealed) return;
        const size_t n = len > kWsMaxControlPayload ? kWsMaxControlPayload : len;
        const uint32_t code = n >= 2 ? (uint32_t{payload[0]} << 8) | payload[1] : uint32_t{kCloseNoStatus};
        sendClose(ctl, c, payload, n);
        c.protoFlags = (c.protoFlags & 0xffffu) | (code << kOurCodeShift);
        // The peer's close completes the handshake (onDelivered); none in time: reset.
        ctl.armDeadline(c, o_.closeTimeoutMs, wire::kCloseWsCloseTimeout);
        return;
      }
      default:
        if (layerOf(c) == kLayerHttp) {
          http_->onCommand(ctl, c, op, payload, len);
        } else if (goim_ && layerOf(c) == kLayerFrames) {
          BinaryMessageControl binary(ctl, *this);
          goim_->onCommand(binary, c, op, payload, len);  // the auth acceptance (op 8 reply)
          // It cleared the auth deadline, which had taken the idle/lifetime one's place.
          if (c.deadlineMs == 0 && !c.sealed) armOpenTimers(ctl, c, coarseMs());
        }
        return;
    }
  }

 private:
  // goim over WebSocket: a whole message must be one goim packet, in binary;
  // the goim protocol (auth gate, heartbeats) judges it as on TCP.
  FrameVerdict goimMessage(ConnectionControl& ctl, Connection& c, const uint8_t* data, const DecodeResult& r) {
    const uint8_t op = r.info & kInfoOpcodeMask;
    const bool text = op == kContinuation ? (c.decoder.layer & kMessageText) != 0 : op == kText;
    if (text) {
      closeWith(ctl, c, kCloseUnsupportedData, wire::kCloseWsError);
      return FrameVerdict::kConsumed;
    }
    const BuiltFrame whole = wholeMessage(c, data, r);
    const uint8_t* packet = whole.data;
    size_t n = whole.length;
    if (op == kContinuation ? (c.decoder.layer & kMessageCompressed) != 0 : (r.info & kInfoRsv1) != 0) {
      // permessage-deflate: the packet is what inflates (within maxPayloadLength).
      const Inflater::Result res = inflater_ ? inflater_->inflate(packet, n, o_.maxPayloadLength, &inflatedBytes_)
                                             : Inflater::Result::kCorrupt;
      if (res != Inflater::Result::kOk) {
        closeWith(ctl, c, res == Inflater::Result::kTooBig ? kCloseTooBig : kCloseInvalidData, wire::kCloseWsError);
        return FrameVerdict::kConsumed;
      }
      packet = inflatedBytes_.data();
      n = inflatedBytes_.size();
    }
    DecoderState st;
    const DecodeResult g = goimDecoder_->decode(packet, n, st);
    if (g.status != DecodeStatus::kFrame || g.consumed != n) {
      closeWith(ctl, c, g.error == CodecError::kFrameTooLarge ? kCloseTooBig : kCloseProtocolError, wire::kCloseWsError);
      return FrameVerdict::kConsumed;
    }
    BinaryMessageControl binary(ctl, *this);
    int32_t reason = wire::kCloseBadFrame;
    const FrameVerdict v = goim_->onFrame(binary, c, packet, g, &reason);
    if (v == FrameVerdict::kClose) {
      closeWith(ctl, c, kClosePolicy, reason);
      return FrameVerdict::kConsumed;
    }
    if (v == FrameVerdict::kConsumed) {
      // Answered natively (a heartbeat): the message is done.
      advance(c.decoder, r);
      if (op == kContinuation) endFragments(c);
      return FrameVerdict::kConsumed;
    }
    goimPacket_ = BuiltFrame{packet, n};
    return FrameVerdict::kDeliver;
  }

  // The payload of a whole message whose last frame is `r`, unmasked: the
  // fragments so far plus this one, or this frame's payload alone.
  BuiltFrame wholeMessage(Connection& c, const uint8_t* data, const DecodeResult& r) {
    if ((r.info & kInfoOpcodeMask) == kContinuation) {
      auto& s = static_cast<WsState&>(*c.protoState);
      s.message.resize(s.committed + r.payloadLength);
      unmaskPayload(s.message.data() + s.committed, data, r);
      return BuiltFrame{s.message.data(), s.message.size()};
    }
    payload_.resize(r.payloadLength);
    unmaskPayload(payload_.data(), data, r);
    return BuiltFrame{payload_.data(), payload_.size()};
  }

  // A whole compressed message (its last frame is `r`): inflated within
  // maxPayloadLength, text validated; else closed (1009, 1007).
  FrameVerdict inflateMessage(ConnectionControl& ctl, Connection& c, const uint8_t* data, const DecodeResult& r) {
    const uint8_t op = r.info & kInfoOpcodeMask;
    const BuiltFrame whole = wholeMessage(c, data, r);
    const Inflater::Result res = inflater_ ? inflater_->inflate(whole.data, whole.length, o_.maxPayloadLength, &inflatedBytes_)
                                           : Inflater::Result::kCorrupt;
    const bool text = op == kContinuation ? (c.decoder.layer & kMessageText) != 0 : op == kText;
    uint16_t code = 0;
    if (res == Inflater::Result::kTooBig) code = kCloseTooBig;
    else if (res != Inflater::Result::kOk) code = kCloseInvalidData;
    else if (text && !utf8::isValid(inflatedBytes_.data(), inflatedBytes_.size())) code = kCloseInvalidData;
    if (code != 0) {
      closeWith(ctl, c, code, wire::kCloseWsError);
      return FrameVerdict::kConsumed;
    }
    inflated_ = true;
    return FrameVerdict::kDeliver;
  }

  FrameVerdict onRequest(ConnectionControl& ctl, Connection& c, const uint8_t* data, const DecodeResult& r,
                         int32_t* closeReason) {
    c.protoFlags &= ~kUpgradeSeen;
    const HeadView v = headOf(data, r.consumed, o_.http);
    UpgradeCheck u = checkUpgrade(data, v.head, v.fields, v.count, o_.path);
    if (!u.upgrade && o_.httpRequests) return http_->onFrame(ctl, c, data, r, closeReason);
    // An upgrade is not pipelined behind requests still being answered.
    if (u.status == 0 && o_.httpRequests && httpOutstanding(c) != 0) u.status = 400;
    if (u.status != 0) {
      refuse(ctl, c, u.status);
      return FrameVerdict::kConsumed;
    }
    std::memcpy(key_, data + u.keyOffset, sizeof key_);
    offer_ = DeflateOffer{};
    if (o_.perMessageDeflate) {
      for (size_t i = 0; i < v.count && !offer_.accepted; ++i) {
        const int32_t* fl = v.fields + 4 * i;
        if (http::equalsLower(data + fl[0], static_cast<size_t>(fl[1]), "sec-websocket-extensions", 24)) {
          offer_ = negotiateDeflate(data + fl[2], static_cast<size_t>(fl[3]), policy_);
        }
      }
    }
    c.protoFlags |= kUpgradeSeen;
    return FrameVerdict::kDeliver;
  }

  // The upgrade request reached JS (which creates the WebSocket).
  void upgradeDelivered(ConnectionControl& ctl, Connection& c) {
    // What was negotiated waits here for the accept (JS may take a while).
    c.protoFlags = offer_.accepted
                       ? kDeflateAgreed | (static_cast<uint32_t>(offer_.serverMaxWindowBits) << kWindowShift) |
                             (static_cast<uint32_t>(offer_.clientMaxWindowBits) << kClientWindowShift) |
                             (offer_.serverNoContextTakeover ? kNoTakeoverAsked : 0u)
                       : 0;
    ctl.clearDeadline(c);
    if (!o_.jsUpgrade) {
      accept(ctl, c, key_, std::string());
      return;
    }
    // onUpgrade decides; nothing more is read until it does.
    setLayer(c, kLayerAwait);
    ctl.pauseInput(c);
    if (o_.upgradeTimeoutMs != 0) ctl.armDeadline(c, o_.upgradeTimeoutMs, wire::kCloseHeaderTimeout);
  }

  void accept(ConnectionControl& ctl, Connection& c, const uint8_t* key, const std::string& protocol) {
    const bool deflate = (c.protoFlags & kDeflateAgreed) != 0;
    DeflateOffer offer;
    offer.accepted = deflate;
    offer.serverMaxWindowBits = static_cast<int>((c.protoFlags >> kWindowShift) & 0xf);
    offer.clientMaxWindowBits = static_cast<int>((c.protoFlags >> kClientWindowShift) & 0xf);
    // A dedicated compressor (context takeover) unless the client refused
    // that, or the worker holds maxDedicated already: then the shared one.
    const bool dedicated = deflate && o_.dedicated && (c.protoFlags & kNoTakeoverAsked) == 0 &&
                           *dedicatedCount_ < o_.maxDedicated;
    if (dedicated) {
      if (!c.protoState) c.protoState = std::make_unique<WsState>();
      auto& s = static_cast<WsState&>(*c.protoState);
      s.dedicatedCount = dedicatedCount_;
      ++*dedicatedCount_;
    }
    const std::string response =
        acceptResponse(key, 24, protocol, deflate ? deflateResponse(offer, dedicated) : std::string());
    ctl.reply(c, reinterpret_cast<const uint8_t*>(response.data()), response.size());
    ctl.clearDeadline(c);
    c.protoFlags = 0;
    c.decoder.scanned = 0;
    c.decoder.message = 0;
    // The window the client allows us stays with the connection (the layer's
    // kServerWindowShift bits): sends are compressed within it.
    c.decoder.layer = kLayerFrames | (deflate ? uint32_t{kDeflateOn} | (static_cast<uint32_t>(offer.serverMaxWindowBits) << kServerWindowShift) : 0u);
    const uint64_t now = coarseMs();
    if (o_.maxLifetimeMs != 0) {
      // Rounded up to the second: never closed early.
      c.protoClockSec = static_cast<uint32_t>((now + o_.maxLifetimeMs + 999) / 1000);
    }
    armOpenTimers(ctl, c, now);
    if (goim_) goim_->onOpen(ctl, c);  // the auth timeout (if any) runs from the WebSocket's start
  }

  uint64_t lifetimeEndMs(const Connection& c) const { return uint64_t{c.protoClockSec} * 1000; }

  // The timers of an open WebSocket from `now`: the idle check (ping first
  // with sendPings) and maxLifetime.
  void armOpenTimers(ConnectionControl& ctl, Connection& c, uint64_t now) {
    const uint64_t idle = o_.idleTimeoutMs;
    armTimers(ctl, c, now, idle != 0 && o_.sendPings ? idle / 2 : idle);
  }

  // Arms the open WebSocket's deadline `inMs` from `now` (0: no idle check),
  // or sooner when maxLifetime ends first.
  void armTimers(ConnectionControl& ctl, Connection& c, uint64_t now, uint64_t inMs) {
    if (o_.maxLifetimeMs != 0) {
      const uint64_t end = lifetimeEndMs(c);
      const uint64_t left = end > now ? end - now : 1;
      if (inMs == 0 || left < inMs) inMs = left;
    }
    if (inMs != 0) ctl.armDeadline(c, static_cast<uint32_t>(inMs), wire::kCloseIdleTimeout);
  }

  void refuse(ConnectionControl& ctl, Connection& c, int32_t status) {
    const std::string response = refusalResponse(status);
    ctl.reply(c, reinterpret_cast<const uint8_t*>(response.data()), response.size());
    setLayer(c, kLayerDiscard);
    c.sealed = true;
    ctl.closeAfterFlush(c, wire::kCloseWsRejected, status);
    // A client that never reads the answer is reset when this passes.
    ctl.armDeadline(c, o_.closeTimeoutMs, wire::kCloseWsRejected);
  }

  void pong(ConnectionControl& ctl, Connection& c, const uint8_t* payload, size_t len) {
    if (c.sealed) return;
    uint8_t frame[2 + kWsMaxControlPayload];
    const size_t h = writeHeader(kPong, true, false, len, frame);
    std::memcpy(frame + h, payload, len);
    ctl.reply(c, frame, h + len);
  }

  void sendClose(ConnectionControl& ctl, Connection& c, const uint8_t* body, size_t len) {
    if (len > kWsMaxControlPayload) len = kWsMaxControlPayload;  // callers pass control payloads; never overflow
    uint8_t frame[2 + kWsMaxControlPayload];
    const size_t h = writeHeader(kClose, true, false, len, frame);
    if (len) std::memcpy(frame + h, body, len);
    ctl.reply(c, frame, h + len);
    c.sealed = true;  // nothing may follow a close frame
  }

  // Closes with `code`: the close frame, then FIN once it is written; a peer
  // that does not read it is reset after closeTimeout.
  void closeWith(ConnectionControl& ctl, Connection& c, uint16_t code, int32_t reason) {
    if (!c.sealed) {
      const uint8_t body[2] = {static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code)};
      sendClose(ctl, c, body, 2);
    }
    setLayer(c, kLayerDiscard);
    ctl.closeAfterFlush(c, reason, code);
    ctl.armDeadline(c, o_.closeTimeoutMs, reason);
  }

  // The peer's close frame reached JS: answer it (unless ours went first) and
  // close the TCP connection (the server closes first, RFC 6455 7.1.1).
  void peerClosed(ConnectionControl& ctl, Connection& c) {
    const bool ours = c.sealed;
    const uint32_t code = payload_.size() >= 2 ? (uint32_t{payload_[0]} << 8) | payload_[1] : uint32_t{kCloseNoStatus};
    if (!ours) sendClose(ctl, c, payload_.data(), payload_.size());  // the peer's code and reason, echoed
    setLayer(c, kLayerDiscard);
    if (ours) {
      ctl.clearDeadline(c);
      ctl.closeAfterFlush(c, wire::kCloseWsLocal, static_cast<int32_t>(c.protoFlags >> kOurCodeShift));
    } else {
      ctl.closeAfterFlush(c, wire::kCloseWsPeer, static_cast<int32_t>(code));
      ctl.armDeadline(c, o_.closeTimeoutMs, wire::kCloseWsPeer);
    }
  }

 public:
  // permessage-deflate, the server's side: sends compressed with the worker's
  // shared compressor (no context takeover) within the window agreed.
  bool transformsSends() const override { return deflater_ != nullptr; }

  bool transformSend(Connection& c, const uint8_t* meta, size_t metaLen, const uint8_t* body, size_t len,
                     const uint8_t** outMeta, const uint8_t** outBody, size_t* outLen) override {
    if ((c.decoder.layer & kDeflateOn) == 0) return false;
    for (std::vector<uint8_t>* scratch : {&compressed_, &packet_}) {
      if (scratch->capacity() > kKeepScratch && len < kKeepScratch) std::vector<uint8_t>().swap(*scratch);
    }
    WsState* s = dedicatedOf(c);
    DeflateStream& stream = streamFor(c, s);
    if (goim_) {
      // goim: the packet (goim header + body) is the message; the frame is built whole.
      BuiltFrame f;
      if (!compressGoimMessage(stream, s != nullptr, goimFraming_, meta, body, len, o_.compressThreshold, &packet_,
                               &compressed_, &f)) {
        return false;
      }
      *outMeta = nullptr;
      *outBody = f.data;
      *outLen = f.length;
      return true;
    }
    if (metaLen != 1 || !compressSend(stream, s != nullptr, meta[0], body, len, o_.compressThreshold, &compressed_)) {
      return false;
    }
    *outMeta = compressed_.data();
    *outBody = compressed_.data() + 1;
    *outLen = compressed_.size() - 1;
    return true;
  }

  // goim over WebSocket: a packet the protocol answers natively (op 8, op 3).
  bool compressMessage(Connection& c, const uint8_t* payload, size_t len, BuiltFrame* frame) override {
    if (deflater_ == nullptr || (c.decoder.layer & kDeflateOn) == 0) return false;
    WsState* s = dedicatedOf(c);
    return compressBinaryMessage(streamFor(c, s), s != nullptr, payload, len, o_.compressThreshold, &compressed_, frame);
  }

  // The connection's dedicated stream (made at its first compressed send), or the worker's shared one.
  DeflateStream& streamFor(Connection& c, WsState* dedicated) {
    if (dedicated == nullptr) return deflater_->stream(windowOf(c));
    if (!dedicated->stream) dedicated->stream = std::make_unique<DeflateStream>(windowOf(c), o_.memLevel);
    return *dedicated->stream;
  }

  // A broadcast's compressed encoding (compressed alone, on the JS thread,
  // with a window of serverMaxWindowBits) suits members whose agreed window
  // is no smaller; the others get the uncompressed encoding. A dedicated
  // member's inflater then holds bytes its stream did not write: the stream
  // forgets its context before its next message (one reset, when it sends).
  bool takesCompressedBroadcast(Connection& c) override {
    if (deflater_ == nullptr || (c.decoder.layer & kDeflateOn) == 0) return false;
    if (windowOf(c) < o_.serverMaxWindowBits) return false;
    WsState* s = dedicatedOf(c);
    if (s != nullptr && s->stream) s->stream->forgetContext();
    return true;
  }

  // The server's window agreed with this connection (9..15).
  static int windowOf(const Connection& c) {
    const int bits = static_cast<int>((c.decoder.layer >> kServerWindowShift) & 0xf);
    return bits == 0 ? 15 : bits;
  }

 private:
  // Scratch of the frame being delivered (members, not thread_local: a
  // protocol belongs to one reactor, and a thread_local costs a TLS lookup
  // per access from a shared object).
  std::vector<uint8_t> payload_;        // its unmasked payload
  std::vector<uint8_t> inflatedBytes_;  // a compressed message, inflated
  std::vector<uint8_t> compressed_;     // a send, compressed (transformSend): meta byte, then the payload
  const WebSocketFraming o_;
  const std::unique_ptr<Protocol> http_;
  const std::unique_ptr<Inflater> inflater_;  // with perMessageDeflate: one stream for the worker
  const std::unique_ptr<Deflater> deflater_;  // with compress: the worker's shared compressor
  const std::shared_ptr<uint32_t> dedicatedCount_;  // connections holding a dedicated compressor
  const DeflatePolicy policy_{o_.serverMaxWindowBits, o_.clientMaxWindowBits};
  const GoimFraming goimFraming_;  // goim over WebSocket: how packets are framed (for compressing them)
  std::vector<uint8_t> packet_;    // ... a goim packet being compressed
  DecodeResult last_;  // the frame frameForJs built last (onDelivered follows it)
  uint8_t key_[24] = {};  // Sec-WebSocket-Key of the upgrade being delivered
  DeflateOffer offer_;    // ... and its permessage-deflate negotiation
  bool inflated_ = false; // the frame being delivered is inflatedBytes_
  const std::unique_ptr<GoimProtocol> goim_;          // goim over WebSocket
  const std::unique_ptr<FrameDecoder> goimDecoder_;   // ... checks each message is one packet
  BuiltFrame goimPacket_;  // the goim packet being delivered (payload_, the fragments or inflatedBytes_)
};

}  // namespace

std::unique_ptr<Protocol> makeWebSocketProtocol(const FramingConfig& framing) {
  return std::make_unique<WebSocketProtocol>(framing);
}

}  // namespace ringnet
