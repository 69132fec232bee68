// Compressing the server's permessage-deflate messages (RFC 7692 7.2.1) with
// the same statically linked zlib as ws_inflate.h. The "shared" compressor of
// uWebSockets.js: the negotiation answers server_no_context_takeover, so every
// message is compressed alone and one stream per worker (per window size
// asked for; almost always only 15) serves every connection: no zlib memory
// per connection. A stream is zlib's deflate state for its window: with
// memLevel 8, (1 << (windowBits + 2)) + (1 << (8 + 9)) bytes, 256 KiB at 15.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ringnet::ws {

class Deflater {
 public:
  Deflater();
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // One whole message into *out from offset `skip` (the bytes before are the
  // caller's): a raw deflate stream ended by a sync flush, its trailing
  // 00 00 ff ff removed (7.2.1), with an LZ77 window of at most 2^windowBits
  // (9..15). False when zlib fails or the result would be no smaller than the
  // message: send it uncompressed then (a message may always go uncompressed).
  bool deflate(const uint8_t* in, size_t n, int windowBits, std::vector<uint8_t>* out, size_t skip = 0);

 private:
  struct Stream;
  std::unique_ptr<Stream> streams_[16];  // by window bits, created when first asked for
};

// A WebSocket send (meta byte: the opcode; the payload) as a compressed send
// in *out (meta | kMetaCompressed, then the deflated payload: the encoder sets
// RSV1). False when it stays as it is: not a text or binary message, already
// compressed, shorter than `threshold`, or no smaller deflated. `windowBits`
// 0 means 15 (the client asked for no smaller window).
bool compressSend(Deflater& d, uint8_t meta, const uint8_t* payload, size_t len, uint32_t threshold, int windowBits,
                  std::vector<uint8_t>* out);

}  // namespace ringnet::ws
