// Frame codecs: plain C++ over byte spans. No Node, no sockets, so they can be
// unit-tested and fuzzed alone. A decoder is immutable configuration; the only
// per-connection state is a DecoderState (a few bytes kept by the connection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ringnet {

enum class DecodeStatus : uint8_t {
  kNeedMore,  // no complete frame in the input yet
  kFrame,     // one frame decoded; see consumed / payload*
  kError,     // protocol error: the connection must be closed
};

enum class CodecError : uint8_t {
  kNone = 0,
  kFrameTooLarge,   // declared or accumulated frame longer than maxFrameLength
  kBadLength,       // length field decodes to an impossible value (negative after adjustment,
                    // shorter than the bytes to strip, ...)
  kBadChecksum,     // the frame's checksum does not match its bytes (goim with checksum)
  // HTTP (http_codec.h): the status the server answers with before closing.
  kHttpBadRequest,        // 400
  kHttpBodyTooLarge,      // 413
  kHttpUriTooLong,        // 414
  kHttpHeaderTooLarge,    // 431
  kHttpNotImplemented,    // 501 (a transfer coding other than chunked)
  kHttpVersion,           // 505
  // WebSocket (ws_codec.h): the close code the server answers with.
  kWsProtocolError,       // 1002
  kWsInvalidData,         // 1007 (invalid UTF-8 in a text message or close reason)
  kWsMessageTooBig,       // 1009
};

// Per-connection decoder state, kept between reads. Small on purpose: an idle
// connection must not hold a buffer.
struct DecoderState {
  // Bytes of the pending input that were already searched without success
  // (delimiter framing); lets a frame split over many reads be scanned once.
  uint64_t scanned = 0;
  // Layered codecs (WebSocket: HTTP handshake, then frames): which layer runs
  // and message-level facts the protocol above keeps there for the decoder
  // (ws_codec.h). The decoder reads these; only the protocol writes them.
  uint32_t layer = 0;
  uint32_t message = 0;
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kNeedMore;
  CodecError error = CodecError::kNone;
  size_t consumed = 0;        // kFrame: input bytes this frame occupies (header included)
  size_t payloadOffset = 0;   // kFrame: payload position within the input
  size_t payloadLength = 0;   // kFrame: payload length
  size_t needed = 0;          // kNeedMore: total input bytes needed for the frame, when known (0 = unknown)
  uint32_t info = 0;          // kFrame: codec-specific facts (WebSocket: opcode, flags; ws_codec.h)
};

class FrameDecoder {
 public:
  virtual ~FrameDecoder() = default;
  // Decodes at most one frame from data[0, len). The caller keeps the unconsumed
  // tail and calls again with it plus new bytes; state carries across calls and
  // is reset by the decoder when a frame is returned.
  virtual DecodeResult decode(const uint8_t* data, size_t len, DecoderState& state) const = 0;
  // Largest frame (header included) the decoder accepts; the connection never
  // buffers more than this for one frame.
  virtual size_t maxFrameLength() const = 0;
};

// Encoding for conn.send(payload): bytes placed before and after the payload.
class FrameEncoder {
 public:
  virtual ~FrameEncoder() = default;
  // Writes the header for a payload of the given length into out (capacity
  // maxHeaderLength()). Returns the header length, or -1 if the payload cannot
  // be encoded (too long for the length field, wrong size for fixed framing).
  virtual int header(size_t payloadLength, uint8_t* out) const = 0;
  virtual size_t maxHeaderLength() const = 0;
  // Bytes appended after every payload (the delimiter); may be empty.
  virtual const uint8_t* trailer(size_t* length) const = 0;
  // Bytes at the start of a send command's payload that describe the frame
  // instead of belonging to it (goim: ver, op, seq); 0 for the byte framings.
  virtual size_t metaLength() const { return 0; }
  // The header for `payload` described by `meta` (metaLength() bytes).
  // Framings without meta encode from the length alone.
  virtual int headerFor(const uint8_t* meta, const uint8_t* payload, size_t payloadLength,
                        uint8_t* out) const {
    (void)meta, (void)payload;
    return header(payloadLength, out);
  }
};

enum class ByteOrder : uint8_t { kBig, kLittle };

// Netty's LengthFieldBasedFrameDecoder parameters.
struct LengthFraming {
  ByteOrder byteOrder = ByteOrder::kBig;
  uint32_t lengthFieldOffset = 0;
  uint32_t lengthFieldLength = 4;   // 1, 2, 3, 4 or 8
  int64_t lengthAdjustment = 0;
  uint32_t initialBytesToStrip = 4;
  uint64_t maxFrameLength = 16 * 1024 * 1024;
};

struct DelimiterFraming {
  std::string delimiter = "\n";     // any non-empty byte string
  uint64_t maxFrameLength = 64 * 1024;  // payload bytes before the delimiter
  bool stripDelimiter = true;
};

struct FixedFraming {
  uint64_t frameLength = 0;         // > 0
};

struct RawFraming {
  uint64_t maxChunk = 64 * 1024;    // a read is delivered in pieces of at most this size
};

std::unique_ptr<FrameDecoder> makeLengthDecoder(const LengthFraming& f);
std::unique_ptr<FrameEncoder> makeLengthEncoder(const LengthFraming& f);
std::unique_ptr<FrameDecoder> makeDelimiterDecoder(const DelimiterFraming& f);
std::unique_ptr<FrameEncoder> makeDelimiterEncoder(const DelimiterFraming& f);
std::unique_ptr<FrameDecoder> makeFixedDecoder(const FixedFraming& f);
std::unique_ptr<FrameEncoder> makeFixedEncoder(const FixedFraming& f);
std::unique_ptr<FrameDecoder> makeRawDecoder(const RawFraming& f);
std::unique_ptr<FrameEncoder> makeRawEncoder();

}  // namespace ringnet
