// goim above its framing (codec/goim_codec.h), between the decoder and JS:
//   - heartbeats (op 2) are answered with op 3 (same ver and seq, empty body)
//     natively: they never cross into JS;
//   - with the auth gate on, the first frame must be an auth (op 7): it goes
//     to JS (onAuth) and nothing else does until JS accepts it
//     (kGoimCmdAuthAccept), when the reactor replies op 8 itself. Any other
//     frame before that closes the connection ('auth-required'), as goim's
//     Comet does; so does no accepted auth within authTimeout.
// Per-connection state is two bits of Connection::protoFlags.
#pragma once

#include "../codec/goim_codec.h"
#include "../protocol.h"
#include "../server_config.h"

namespace ringnet {

// Protocol commands from JS (wire::kCmdProtocol op field).
enum GoimCommand : int32_t {
  // payload: ver u16 | op u32 | seq u32 (the reply's meta) | reply body
  kGoimCmdAuthAccept = 1,
};

class GoimProtocol final : public Protocol {
 public:
  explicit GoimProtocol(const FramingConfig& framing);

  void onOpen(ConnectionControl& ctl, Connection& c) override;
  FrameVerdict onFrame(ConnectionControl& ctl, Connection& c, const uint8_t* data,
                       const DecodeResult& r, int32_t* closeReason) override;
  void onDelivered(ConnectionControl& ctl, Connection& c) override;
  void onCommand(ConnectionControl& ctl, Connection& c, int32_t op, const uint8_t* payload,
                 size_t len) override;

  static constexpr uint32_t kAuthPending = 1u << 0;  // the auth frame went to JS
  static constexpr uint32_t kAuthed = 1u << 1;       // JS accepted it

 private:
  // Encodes one packet and queues it as a native reply.
  void send(ConnectionControl& ctl, Connection& c, const uint8_t* meta, const uint8_t* body,
            size_t bodyLen);

  GoimFraming framing_;
  bool auth_;
  uint32_t authTimeoutMs_;
};

}  // namespace ringnet
