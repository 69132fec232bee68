#include "goim_protocol.h"

#include <vector>

#include "../wire.h"

namespace ringnet {

GoimProtocol::GoimProtocol(const FramingConfig& framing)
    : framing_(framing.goim), auth_(framing.goimAuth), authTimeoutMs_(framing.goimAuthTimeoutMs) {}

void GoimProtocol::onOpen(ConnectionControl& ctl, Connection& c) {
  if (auth_ && authTimeoutMs_ != 0) ctl.armDeadline(c, authTimeoutMs_, wire::kCloseAuthTimeout);
}

FrameVerdict GoimProtocol::onFrame(ConnectionControl& ctl, Connection& c, const uint8_t* data,
                                   const DecodeResult& r, int32_t* closeReason) {
  const goim::Header h = goim::readHeader(data + r.payloadOffset);
  if (auth_ && (c.protoFlags & kAuthed) == 0) {
    // Exactly one auth may be outstanding; anything else before acceptance is
    // a client that skipped the handshake.
    // The pending bit is set in onDelivered(): this frame may be judged again
    // when the batch to JS was full, and must get the same verdict.
    if (h.op == goim::kOpAuth && (c.protoFlags & kAuthPending) == 0) return FrameVerdict::kDeliver;
    *closeReason = wire::kCloseAuthRequired;
    return FrameVerdict::kClose;
  }
  if (h.op == goim::kOpHeartbeat) {
    uint8_t meta[goim::kMetaLength];
    goim::writeMeta(h.ver, goim::kOpHeartbeatReply, h.seq, meta);
    send(ctl, c, meta, nullptr, 0);
    return FrameVerdict::kConsumed;
  }
  return FrameVerdict::kDeliver;
}

void GoimProtocol::onDelivered(ConnectionControl&, Connection& c) {
  // Before acceptance the only frame onFrame() delivers is the one auth.
  if (auth_ && (c.protoFlags & kAuthed) == 0) c.protoFlags |= kAuthPending;
}

void GoimProtocol::onCommand(ConnectionControl& ctl, Connection& c, int32_t op,
                             const uint8_t* payload, size_t len) {
  if (op != kGoimCmdAuthAccept || len < goim::kMetaLength) return;
  if (!auth_ || (c.protoFlags & kAuthed) != 0) return;
  c.protoFlags = (c.protoFlags & ~kAuthPending) | kAuthed;
  ctl.clearDeadline(c);
  send(ctl, c, payload, payload + goim::kMetaLength, len - goim::kMetaLength);
}

void GoimProtocol::send(ConnectionControl& ctl, Connection& c, const uint8_t* meta,
                        const uint8_t* body, size_t bodyLen) {
  uint8_t header[goim::kChecksumHeaderLength];
  int h = goim::writeHeader(framing_, meta, body, bodyLen, header);
  if (h < 0) return;  // JS validated the body against maxFrameLength
  if (bodyLen == 0) {
    ctl.reply(c, header, static_cast<size_t>(h));
    return;
  }
  // One reply call keeps the packet contiguous in the output queue.
  std::vector<uint8_t> packet(header, header + h);
  packet.insert(packet.end(), body, body + bodyLen);
  ctl.reply(c, packet.data(), packet.size());
}

}  // namespace ringnet
