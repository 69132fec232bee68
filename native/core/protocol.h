// A protocol above framing: what happens to a connection between the decoder
// and JS. Plain framings (length, delimiter, fixed, raw) use the pass-through
// base; protocols that answer frames natively (goim heartbeats), gate them
// (goim auth) or time parts of a message (HTTP header timeout) override it.
// One Protocol per reactor (each reactor calls makeProtocol), used only on
// that reactor's thread; per-connection state lives in the Connection
// (protoFlags), never in the Protocol.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "codec/codec.h"
#include "connection.h"
#include "server_config.h"

namespace ringnet {

// What a protocol may do to a connection; implemented by the reactor.
class ConnectionControl {
 public:
  virtual ~ConnectionControl() = default;
  // Queues bytes for the peer as they are (no framing), like conn.write().
  virtual void reply(Connection& c, const uint8_t* data, size_t len) = 0;
  // Closes with `reason` unless cleared within `ms` (timeouts.h).
  virtual void armDeadline(Connection& c, uint32_t ms, int32_t reason) = 0;
  virtual void clearDeadline(Connection& c) = 0;
  // Closes after queued output is flushed (FIN, bounded linger), with `reason`;
  // `detail` reaches JS in the close event's offset field (HTTP: the status
  // the request was refused with). The reactor implements it.
  virtual void closeAfterFlush(Connection& c, int32_t reason, int32_t detail) {
    (void)c, (void)reason, (void)detail;
  }
  // Stops reading from `c` (TCP flow control holds the peer back) until
  // resumeInput(), which also decodes what is already buffered.
  virtual void pauseInput(Connection& c) { (void)c; }
  virtual void resumeInput(Connection& c) { (void)c; }
};

// Bytes handed to JS for one frame.
struct FrameBytes {
  const uint8_t* data;
  size_t length;
  int32_t kind = 0;  // reaches JS in the frame event's aux field (WebSocket: the opcode)
  // Non-null: `data` is masked with this 4-byte key (RFC 6455 5.3) and is
  // unmasked as it is copied into the batch: no scratch copy per message.
  const uint8_t* maskKey = nullptr;
};

enum class FrameVerdict : uint8_t {
  kDeliver,   // hand the frame to JS
  kConsumed,  // handled natively; JS never sees it
  kClose,     // protocol violation: close the connection (reason in closeReason)
};

class Protocol {
 public:
  virtual ~Protocol() = default;
  // The connection was accepted (before any byte).
  virtual void onOpen(ConnectionControl&, Connection&) {}
  // Input arrived and was decoded as far as it goes; `pending` is the number
  // of undecoded bytes left waiting for more (a partial frame).
  virtual void afterInput(ConnectionControl&, Connection&, size_t pending) { (void)pending; }
  // One decoded frame: data[0, r.consumed) is the whole frame, the payload
  // is at r.payloadOffset. *closeReason is set when returning kClose.
  virtual FrameVerdict onFrame(ConnectionControl&, Connection&, const uint8_t* data,
                               const DecodeResult& r, int32_t* closeReason) {
    (void)data, (void)r, (void)closeReason;
    return FrameVerdict::kDeliver;
  }
  // The bytes JS receives for a frame onFrame() delivers: the decoded payload,
  // or a record the protocol builds (HTTP: the parsed request). Valid until the
  // next call on this thread. May be called again for the same frame when the
  // batch to JS was full (the frame is decoded again later).
  virtual FrameBytes frameForJs(Connection& c, const uint8_t* data, const DecodeResult& r) {
    (void)c;
    return FrameBytes{data + r.payloadOffset, r.payloadLength};
  }
  // The frame reached the batch for JS (called once per frame, unlike onFrame).
  virtual void onDelivered(ConnectionControl&, Connection&) {}
  // The decoder rejected the input. Returning true means the protocol took
  // over (it queued a reply and will close the connection, now or later): the
  // reactor stops decoding that connection. False: the reactor closes it at
  // once with 'bad-frame' / 'frame-too-large'.
  virtual bool onDecodeError(ConnectionControl&, Connection&, const DecodeResult& r) {
    (void)r;
    return false;
  }
  // server.close() began and `c` is open with nothing closing it yet. True
  // keeps it open: the protocol owes the peer answers (HTTP: responses to
  // requests already delivered), reads no new messages from it, and closes it
  // itself (closeAfterFlush with wire::kCloseServerClose) once nothing is
  // owed. The server close timeout still bounds it. False: the reactor closes
  // it gracefully now.
  virtual bool holdsOpenOnServerClose(ConnectionControl&, Connection&) { return false; }
  // A deadline the protocol or the server armed expired with `reason` and the
  // connection is about to close gracefully (nothing queued for the peer):
  // the last chance to answer (HTTP: 408 on a header timeout).
  virtual void onTimeout(ConnectionControl&, Connection&, int32_t reason) { (void)reason; }
  // The deadline armed with armDeadline() passed (`reason` as armed). True:
  // the protocol handled it (re-armed it, or closed the connection itself);
  // false: the reactor closes the connection with `reason`.
  virtual bool onDeadline(ConnectionControl&, Connection&, int32_t reason) {
    (void)reason;
    return false;
  }
  // True when transformSend() may change sends (asked once, by the reactor).
  virtual bool transformsSends() const { return false; }
  // A send about to be framed (meta: metaLen bytes; body: len bytes): the
  // protocol may replace it (WebSocket: compressed for permessage-deflate).
  // True with *outMeta (metaLen bytes), *outBody and *outLen set to bytes
  // valid until the next call on this protocol; *outMeta null: *outBody is
  // the whole frame, header included (goim over WebSocket, compressed).
  virtual bool transformSend(Connection& c, const uint8_t* meta, size_t metaLen, const uint8_t* body, size_t len,
                             const uint8_t** outMeta, const uint8_t** outBody, size_t* outLen) {
    (void)c, (void)meta, (void)metaLen, (void)body, (void)len, (void)outMeta, (void)outBody, (void)outLen;
    return false;
  }
  // A broadcast may come in two encodings (WebSocket: compressed, and not):
  // true when this member gets the compressed one (the protocol may note
  // that it did: a dedicated compressor then forgets its context).
  virtual bool takesCompressedBroadcast(Connection& c) {
    (void)c;
    return false;
  }
  // A protocol command from JS (wire::kCmdProtocol); `op` is protocol-defined.
  virtual void onCommand(ConnectionControl&, Connection&, int32_t op, const uint8_t* payload,
                         size_t len) {
    (void)op, (void)payload, (void)len;
  }
};

// The protocol for a framing: the pass-through base for the plain framings.
std::unique_ptr<Protocol> makeProtocol(const ServerConfig& config);

}  // namespace ringnet
