// WebSocket (RFC 6455) above the layered decoder (codec/ws_codec.h):
//   - the handshake rides the HTTP/1.1 parser: a valid upgrade on the path is
//     accepted natively (101 with the accept key), or handed to JS (onUpgrade)
//     with reading paused until JS accepts or rejects it; requests that are
//     not upgrades get 426 (404 off the path), or go to JS as HTTP requests
//     when the server also serves HTTP (httpRequests);
//   - fragments are assembled natively: JS gets whole messages, one per
//     batch record, with the opcode in the record's aux field;
//   - pings are answered with pongs natively, a peer's close is answered and
//     the TCP connection closed, a protocol error closes with its code;
//   - ws.end() sends a close and waits up to closeTimeout for the peer's;
//   - idleTimeout: nothing received for half of it sends a ping (sendPings),
//     for all of it closes (1001).
#pragma once

#include <memory>

#include "../protocol.h"
#include "../server_config.h"

namespace ringnet {

// Protocol commands from JS (wire::kCmdProtocol op). Numbered apart from the
// HTTP response ops (http_record.h), which pass through on an HTTP server.
enum WebSocketCommand : int32_t {
  kWsCmdAccept = 16,  // payload: the 24-byte Sec-WebSocket-Key, then the chosen subprotocol
  kWsCmdReject = 17,  // payload: int32 HTTP status
  kWsCmdEnd = 18,     // payload: the close frame body (u16 code, big-endian, + reason), may be empty
};

// FrameBytes::kind (the frame event's aux): the message's opcode (1 text,
// 2 binary, 8 close, 9 ping, 10 pong), or for a request on the HTTP layer:
constexpr int32_t kWsKindRequest = 0;   // a plain HTTP request (httpRequests)
constexpr int32_t kWsKindUpgrade = 16;  // an upgrade request (the HTTP record)

std::unique_ptr<Protocol> makeWebSocketProtocol(const FramingConfig& framing);

}  // namespace ringnet
