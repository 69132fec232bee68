// WebSocket framing (RFC 6455) over byte spans: no Node, no sockets.
//
// The decoder is layered: a connection starts in the HTTP layer (the request
// is decoded by the HTTP/1.1 parser, http_codec.h), and once the protocol
// above (websocket/ws_protocol.h) accepts the upgrade it switches the
// connection's DecoderState to the frame layer. Every rule a server must
// enforce on a client frame is checked here, from the header before the
// payload is buffered: masking, RSV bits (RSV1 only with a negotiated
// extension, on a message's first frame), reserved opcodes, control frames
// (<= 125 bytes, never fragmented), 64-bit lengths with the top bit clear,
// continuation order, maxPayloadLength per message (1009), close codes and
// UTF-8 (1007) of text messages — streaming across fragments and reads, and
// failing at the first invalid byte of a frame still arriving.
//
// Message-level state (in a fragmented message, text or binary, compressed,
// UTF-8 state at the end of the previous fragment, bytes so far) lives in
// DecoderState::layer/message and is advanced by the protocol once a frame is
// really consumed (wsAdvance), so a frame decoded twice (the batch to JS was
// full) is judged the same both times. DecoderState::scanned holds only the
// progress through the frame being received.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "codec.h"
#include "http_codec.h"

namespace ringnet {

struct WebSocketFraming {
  // Largest message (all fragments; for compressed ones, after inflating)
  // accepted; larger: close 1009. At most kWsMaxPayloadLimit.
  uint64_t maxPayloadLength = 16 * 1024 * 1024;
  HttpFraming http;                // the request carrying the upgrade (and, with httpRequests, others)
  // The protocol above (websocket/ws_protocol.h):
  std::string path;                // the upgrade path ("" = any)
  bool httpRequests = false;       // other requests go to JS as HTTP (framing 'http' + websocket)
  bool jsUpgrade = false;          // JS decides each upgrade (onUpgrade); else accepted natively
  bool deliverPings = false;       // pings and pongs reach JS (onPing / onPong)
  uint32_t idleTimeoutMs = 120000; // nothing received for this long: close (0 = off)
  uint32_t maxLifetimeMs = 0;      // open this long: close 1001 (0 = off); checked to the second
  bool sendPings = true;           // ... after half of it, ping first
  uint32_t closeTimeoutMs = 5000;  // ws.end(): wait this long for the peer's close
  uint32_t upgradeTimeoutMs = 10000;  // onUpgrade must answer within this
  bool perMessageDeflate = false;  // accept permessage-deflate offers (websocket/ws_inflate.h)
  bool compress = false;           // ... and compress what the server sends (websocket/ws_deflate.h)
  uint32_t compressThreshold = 1024;  // messages below this many bytes go uncompressed
  bool dedicated = false;          // ... each connection with its own compressor (context takeover)
  uint32_t maxDedicated = 1024;    // ... at most this many per worker; the others share the worker's
  int memLevel = 3;                // zlib memLevel of a dedicated compressor (1..9)
  int serverMaxWindowBits = 15;    // the largest window the server compresses with (9..15)
  int clientMaxWindowBits = 15;    // the largest window clients may compress with (8..15; 15: any)
  bool goim = false;               // goim over WebSocket: one goim packet per binary message (FramingConfig::goim)
};

constexpr uint64_t kWsMaxPayloadLimit = uint64_t{1} << 30;
constexpr size_t kWsMaxHeaderLength = 14;  // 2 + 8 (length) + 4 (mask)
constexpr size_t kWsMaxControlPayload = 125;

namespace ws {

enum Opcode : uint8_t {
  kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xa,
};

inline bool isControl(uint8_t opcode) { return (opcode & 0x8) != 0; }

// Close codes (RFC 6455 7.4).
enum CloseCode : uint16_t {
  kCloseNormal = 1000, kCloseGoingAway = 1001, kCloseProtocolError = 1002,
  kCloseUnsupportedData = 1003, kCloseNoStatus = 1005, kCloseAbnormal = 1006,
  kCloseInvalidData = 1007, kClosePolicy = 1008, kCloseTooBig = 1009,
  kCloseMandatoryExtension = 1010, kCloseInternalError = 1011,
};

// A code a peer may send in a close frame: 1000-1014 except 1004-1006
// (reserved / never on the wire) and 1015, or 3000-4999.
bool isValidCloseCode(uint32_t code);
// The close code answering a decoder error.
uint16_t closeCodeFor(CodecError e);

// DecoderState::layer bits.
enum Layer : uint32_t {
  kLayerMask = 0x3,
  kLayerHttp = 0,         // decoding the HTTP request (handshake)
  kLayerAwait = 1,        // upgrade requested, decision pending: decode nothing
  kLayerFrames = 2,       // WebSocket frames
  kLayerDiscard = 3,      // the close handshake is under way: input is discarded
  kInMessage = 1u << 2,   // a fragmented message is in progress
  kMessageText = 1u << 3,
  kMessageCompressed = 1u << 4,
  kUtf8Shift = 5,         // 4 bits: UTF-8 state after the previous fragment
  kDeflateOn = 1u << 9,   // permessage-deflate negotiated: RSV1 allowed
  kServerWindowShift = 10,  // 4 bits: server_max_window_bits agreed (0: none, 15)
};

// DecodeResult::info for a frame of the frame layer.
enum FrameInfo : uint32_t {
  kInfoOpcodeMask = 0xf,
  kInfoFin = 1u << 4,
  kInfoRsv1 = 1u << 5,
  kInfoUtf8Shift = 8,      // 4 bits: UTF-8 state after this frame (text messages)
  kInfoDiscarded = 1u << 12,  // kLayerDiscard: the bytes were dropped
};

// A parsed frame header.
struct FrameHeader {
  bool fin = false;
  bool rsv1 = false, rsv2 = false, rsv3 = false;
  uint8_t opcode = 0;
  bool masked = false;
  uint64_t length = 0;
  size_t headerLength = 0;  // payload starts here
  uint8_t key[4] = {0, 0, 0, 0};
};

// 0: more bytes needed; -1: the 64-bit length has its top bit set;
// else the header length (filled in *h). Inline: the decoder calls it for
// every frame (out of line it showed as its own 0.5% of a 64 B echo's profile).
inline int parseHeader(const uint8_t* p, size_t len, FrameHeader* h) {
  if (len < 2) return 0;
  h->fin = (p[0] & 0x80) != 0;
  h->rsv1 = (p[0] & 0x40) != 0;
  h->rsv2 = (p[0] & 0x20) != 0;
  h->rsv3 = (p[0] & 0x10) != 0;
  h->opcode = p[0] & 0x0f;
  h->masked = (p[1] & 0x80) != 0;
  const uint8_t len7 = p[1] & 0x7f;
  size_t n = 2;
  if (len7 == 126) {
    if (len < 4) return 0;
    h->length = (uint64_t{p[2]} << 8) | p[3];
    n = 4;
  } else if (len7 == 127) {
    if (len < 10) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[2 + i];
    if (v >> 63) return -1;
    h->length = v;
    n = 10;
  } else {
    h->length = len7;
  }
  if (h->masked) {
    if (len < n + 4) return 0;
    for (int i = 0; i < 4; ++i) h->key[i] = p[n + i];
    n += 4;
  }
  h->headerLength = n;
  return static_cast<int>(n);
}

// A server frame header (unmasked) into out[10]; returns its length.
size_t writeHeader(uint8_t opcode, bool fin, bool rsv1, uint64_t length, uint8_t* out);

// Message state after consuming a frame the decoder returned (for the
// protocol; control frames leave it unchanged).
void advance(DecoderState& s, const DecodeResult& r);

// The meta byte in front of a send command's payload (FrameEncoder::metaLength):
// the opcode (text, binary, ping, pong, close) and kMetaCompressed when the
// payload is already deflated (RSV1 set).
constexpr uint8_t kMetaCompressed = 0x40;

}  // namespace ws

std::unique_ptr<FrameDecoder> makeWebSocketDecoder(const WebSocketFraming& f);
std::unique_ptr<FrameEncoder> makeWebSocketEncoder();
// goim over WebSocket: conn.send()'s goim meta (ver, op, seq) and body become
// one binary message holding one goim packet (both headers written at once).
struct GoimFraming;
std::unique_ptr<FrameEncoder> makeGoimOverWebSocketEncoder(const GoimFraming& f);

}  // namespace ringnet
