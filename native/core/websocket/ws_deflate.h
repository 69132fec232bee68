// Compressing the server's permessage-deflate messages (RFC 7692 7.2.1) with
// the same statically linked zlib as ws_inflate.h. Two ways, as uWebSockets.js:
//   - the shared compressor (Deflater): one stream per worker (per window size
//     in use), reset for every message; the negotiation answers
//     server_no_context_takeover, so a connection holds no zlib memory;
//   - a dedicated compressor (a DeflateStream per connection, context
//     takeover): each message may refer back to the connection's earlier
//     ones (smaller messages for chatty streams), at the cost of the stream's
//     memory per connection: zlib's deflate state, with memLevel m and window
//     bits w, (1 << (w + 2)) + (1 << (m + 9)) bytes plus ~6 KB
//     (bench/ws-deflate-memory.cc measures it: 26,432 B at w 12, m 3; 268,096
//     at 15, 8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ringnet::ws {

// One zlib raw deflate stream for one window size.
class DeflateStream {
 public:
  DeflateStream(int windowBits, int memLevel);
  ~DeflateStream();
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;

  int windowBits() const { return windowBits_; }

  // One whole message into *out from offset `skip` (the bytes before are the
  // caller's): a raw deflate stream ended by a sync flush, its trailing
  // 00 00 ff ff removed (7.2.1). `takeover`: the message may refer to the
  // earlier messages this stream compressed (the peer's inflater kept them);
  // else it is compressed alone. False when zlib fails or the result would be
  // no smaller than the message: the caller sends it uncompressed then (a
  // message may always go uncompressed), and since the peer never inflates
  // it, the stream forgets its context before the next one.
  bool deflate(const uint8_t* in, size_t n, bool takeover, std::vector<uint8_t>* out, size_t skip);

  // The peer's inflater window now holds bytes this stream did not write (a
  // message compressed elsewhere, a broadcast): the next message must not
  // refer back. Costs nothing until then (one deflateReset, once).
  void forgetContext() { resetOwed_ = true; }

 private:
  struct Z;
  std::unique_ptr<Z> z_;
  int windowBits_;
  bool resetOwed_ = true;  // a fresh stream starts with nothing to refer to anyway
};

// The shared compressor: streams by window bits (9..15), created when first
// asked for, memLevel 8 (there is one per worker, not per connection).
class Deflater {
 public:
  Deflater();
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // One message alone (no context) with an LZ77 window of at most 2^windowBits.
  bool deflate(const uint8_t* in, size_t n, int windowBits, std::vector<uint8_t>* out, size_t skip = 0);
  // The stream for a window (9..15; anything else is clamped): use it with takeover false.
  DeflateStream& stream(int windowBits);

 private:
  std::unique_ptr<DeflateStream> streams_[16];
};

// True for a send worth compressing: a text or binary message (meta: the
// opcode byte) not already compressed, of `threshold` bytes or more.
bool compressible(uint8_t meta, size_t len, uint32_t threshold);

// A WebSocket send (meta byte: the opcode; the payload) as a compressed send
// in *out (meta | kMetaCompressed, then the deflated payload: the encoder sets
// RSV1). False when it stays as it is: not compressible(), or no smaller
// deflated. `windowBits` 0 means 15 (the client asked for no smaller window).
bool compressSend(Deflater& d, uint8_t meta, const uint8_t* payload, size_t len, uint32_t threshold, int windowBits,
                  std::vector<uint8_t>* out);
// The same through one stream (`takeover`: context kept between messages,
// a dedicated compressor).
bool compressSend(DeflateStream& s, bool takeover, uint8_t meta, const uint8_t* payload, size_t len, uint32_t threshold,
                  std::vector<uint8_t>* out);

}  // namespace ringnet::ws
