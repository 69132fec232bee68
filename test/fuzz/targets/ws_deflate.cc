// permessage-deflate both ways (native/core/websocket/ws_deflate.h and
// ws_inflate.h):
//   - the server's compressor: a message (of any bytes, repetitive ones made
//     from the input too) compressed by compressSend() for a window of 9..15
//     bits inflates back to exactly the message, with zlib's own raw inflater
//     limited to that window (it refuses a distance beyond it), is smaller
//     than the message, and is marked compressed; a refused one is left alone;
//   - the inflater on arbitrary input (a client's "compressed" message): it
//     never produces more than maxOut bytes and never crashes, and it
//     inflates what the compressor wrote within any limit that fits;
//   - the dedicated compressor (context takeover): the body cut into a
//     sequence of messages, each compressed by the connection's stream, sent
//     plain, or compressed elsewhere (a broadcast: the stream forgets its
//     context), inflates message by message through one persistent zlib
//     inflater limited to the window, as a client's does; a goim packet
//     compressed as a whole WebSocket message (ws_frame_deflate.h) has RSV1,
//     the right length, and inflates to exactly the packet (on one input in
//     four: docs/fuzz-speed.md).
// Speed: zlib's streams (the reference inflaters, the connection streams of
// every window and memLevel) are kept for the run and reset per input, which
// gives the state a new stream has; what remains is zlib's own work.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/codec/ws_codec.h"
#include "core/codec/goim_codec.h"
#include "core/websocket/ws_deflate.h"
#include "core/websocket/ws_frame_deflate.h"
#include "core/websocket/ws_inflate.h"
#include "support/arrival_buffer.h"
#include "support/check.h"
#include "support/fuzz_input.h"

namespace {

using namespace ringnet;
using ringnet::fuzz::ExactBuffer;
using ringnet::fuzz::FuzzInput;

// zlib's raw inflater with a window of 2^bits, one per window size kept for
// the run and reset per use (inflateReset: the same state as a fresh
// inflateInit2, without its allocation per call): the independent reference.
// A client's inflater with context takeover is one such stream kept across
// the messages of an input (reset at the input's start).
class ReferenceStream {
 public:
  explicit ReferenceStream(int bits) {
    std::memset(&z_, 0, sizeof z_);
    ok_ = inflateInit2(&z_, -bits) == Z_OK;
  }
  ~ReferenceStream() {
    if (ok_) inflateEnd(&z_);
  }
  ReferenceStream(const ReferenceStream&) = delete;
  ReferenceStream& operator=(const ReferenceStream&) = delete;

  // A stream for a window of 2^bits (9..15), reset: nothing inflated yet.
  // Two per window (kAlone, kClient), so a client's stream is never reset by
  // a one-shot reference inflate in the middle of its messages.
  enum Use { kAlone, kClient };
  static ReferenceStream& fresh(int bits, Use use) {
    static ReferenceStream* streams[2][16] = {};
    ReferenceStream*& s = streams[use][bits];
    if (s == nullptr) s = new ReferenceStream(bits);  // kept for the run
    if (s->ok_) s->ok_ = inflateReset(&s->z_) == Z_OK;
    return *s;
  }

  // One sync-flushed message (its 00 00 ff ff tail put back) into *out, the
  // stream kept for the next one.
  bool inflate(const uint8_t* in, size_t n, std::vector<uint8_t>* out) {
    out->clear();
    if (!ok_) return false;
    feed(in, n);
    uint8_t chunk[4096];
    for (;;) {
      z_.next_out = chunk;
      z_.avail_out = sizeof chunk;
      const int rc = ::inflate(&z_, Z_SYNC_FLUSH);
      out->insert(out->end(), chunk, chunk + (sizeof chunk - z_.avail_out));
      if (rc == Z_BUF_ERROR && z_.avail_in == 0) return true;
      if (rc != Z_OK) return false;  // a final block or an error: never from a sync-flushed message
      if (z_.avail_in == 0 && z_.avail_out != 0) return true;
    }
  }

  // A whole message inflated until it is consumed (or its final block ends it).
  bool inflateAlone(const uint8_t* in, size_t n, std::vector<uint8_t>* out) {
    out->clear();
    if (!ok_) return false;
    feed(in, n);
    uint8_t chunk[4096];
    for (;;) {
      z_.next_out = chunk;
      z_.avail_out = sizeof chunk;
      const int rc = ::inflate(&z_, Z_SYNC_FLUSH);
      out->insert(out->end(), chunk, chunk + (sizeof chunk - z_.avail_out));
      if (rc == Z_STREAM_END) break;
      if (rc == Z_BUF_ERROR && z_.avail_in == 0) break;  // all consumed, nothing pending
      if (rc != Z_OK) return false;
    }
    return z_.avail_in == 0;
  }

 private:
  // The message and its 00 00 ff ff tail as zlib's input (one reused buffer).
  void feed(const uint8_t* in, size_t n) {
    static thread_local std::vector<uint8_t> input;
    input.assign(in, in + n);
    const uint8_t tail[4] = {0x00, 0x00, 0xff, 0xff};
    input.insert(input.end(), tail, tail + 4);
    z_.next_in = input.data();
    z_.avail_in = static_cast<uInt>(input.size());
  }

  z_stream z_;
  bool ok_ = false;
};

// One message inflated alone (a fresh stream) through the reference; a final
// block (Z_STREAM_END) is accepted here, as zlib's own one-shot use would.
bool referenceInflate(const uint8_t* in, size_t n, int bits, std::vector<uint8_t>* out) {
  return ReferenceStream::fresh(bits, ReferenceStream::kAlone).inflateAlone(in, n, out);
}

ws::Deflater& deflater();

void checkTakeover(const std::string& body, int bits, uint32_t seed) {
  ringnet::fuzz::Rng rng(seed);
  // The connection's stream, one per window and memLevel kept for the run:
  // forgetContext() makes its first deflate a deflateReset, which is what a
  // new stream's first deflate does too (a fresh DeflateStream owes a reset),
  // so an input sees exactly a new stream, without zlib's ~270 KiB of
  // allocations per input (most of this target's time, with ASan's allocator).
  static ws::DeflateStream* streams[16][10] = {};
  const int memLevel = 1 + static_cast<int>(rng.next() % 9);
  ws::DeflateStream*& kept = streams[bits][memLevel];
  if (kept == nullptr) kept = new ws::DeflateStream(bits, memLevel);  // kept for the run
  ws::DeflateStream& stream = *kept;
  stream.forgetContext();
  ReferenceStream& client = ReferenceStream::fresh(bits, ReferenceStream::kClient);
  static thread_local std::vector<uint8_t> out, back;
  size_t at = 0;
  while (at < body.size()) {
    size_t n = 1 + rng.next() % 3000;
    if (n > body.size() - at) n = body.size() - at;
    // Repeat earlier text now and then: what context takeover refers back to.
    std::string m = (at > 0 && rng.next() % 3 == 0) ? body.substr(rng.next() % at, n) : body.substr(at, n);
    at += n;
    const uint8_t* p = reinterpret_cast<const uint8_t*>(m.data());
    switch (rng.next() % 4) {
      case 0:  // a broadcast compressed alone, which the client inflates too
        if (deflater().deflate(p, m.size(), bits, &out, 0)) {
          FUZZ_CHECK(client.inflate(out.data(), out.size(), &back));
          FUZZ_CHECK(back.size() == m.size() && std::memcmp(back.data(), p, m.size()) == 0);
          stream.forgetContext();
        }
        break;
      case 1:  // sent plain: never inflated, the window is unchanged
        break;
      default:
        if (stream.deflate(p, m.size(), true, &out, 0)) {
          FUZZ_CHECK(out.size() < m.size());
          FUZZ_CHECK(client.inflate(out.data(), out.size(), &back));
          FUZZ_CHECK(back.size() == m.size() && std::memcmp(back.data(), p, m.size()) == 0);
        }
        break;
    }
  }
  // Now and then the stream is destroyed (deflateEnd) and the next input of
  // this window and memLevel makes a new one: both paths stay covered.
  if (rng.next() % 64 == 0) {
    delete kept;
    kept = nullptr;
  }
}

void checkGoimMessage(const std::string& body, int bits) {
  GoimFraming f;
  f.maxFrameLength = 1 << 20;
  uint8_t meta[goim::kMetaLength];
  goim::writeMeta(1, 4, 7, meta);
  // Compressed alone (no takeover: reset first) by the shared compressor's
  // stream for this window, memLevel 8 as a DeflateStream(bits, 8) of its own.
  ws::DeflateStream& stream = deflater().stream(bits);
  static thread_local std::vector<uint8_t> packet, out, back;
  ws::BuiltFrame frame;
  const auto* b = reinterpret_cast<const uint8_t*>(body.data());
  if (!ws::compressGoimMessage(stream, false, f, meta, b, body.size(), 0, &packet, &out, &frame)) return;
  FUZZ_CHECK(packet.size() == goim::kHeaderLength + body.size());
  ws::FrameHeader h;
  const int hl = ws::parseHeader(frame.data, frame.length, &h);
  FUZZ_CHECK(hl > 0 && h.fin && h.rsv1 && h.opcode == ws::kBinary && !h.masked);
  FUZZ_CHECK(static_cast<size_t>(hl) + h.length == frame.length);
  FUZZ_CHECK(referenceInflate(frame.data + hl, static_cast<size_t>(h.length), bits, &back));
  FUZZ_CHECK(back == packet);
}

ws::Deflater& deflater() {
  static ws::Deflater d;  // one per worker in the server: reused across messages here too
  return d;
}
ws::Inflater& inflater() {
  static ws::Inflater i;
  return i;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const int bits = 9 + in.u8() % 7;
  const uint32_t threshold = in.u8() % 64;
  const uint8_t opcode = (in.u8() & 1) ? ws::kText : ws::kBinary;
  const uint8_t shape = in.u8() % 3;
  std::string body = in.rest();
  // Repetitive messages exercise back references (and the window limit).
  if (shape == 1 && !body.empty()) {
    std::string r;
    while (r.size() < 8192) r += body;
    body = r;
  } else if (shape == 2 && !body.empty()) {
    std::string r(6000, 'x');
    body = body + r + body;
  }
  // The send command (opcode, then the payload) in an exact-size buffer: the
  // bytes past it are ASan-poisoned, so an overread is a report.
  static thread_local ExactBuffer commandBuffer;
  uint8_t* command = commandBuffer.get(1 + body.size());
  const size_t commandSize = 1 + body.size();
  command[0] = opcode;
  if (!body.empty()) std::memcpy(command + 1, body.data(), body.size());

  static thread_local std::vector<uint8_t> out, back, ours, any;  // reused: no allocation per input once warm
  const bool compressed = ws::compressSend(deflater(), command[0], command + 1, commandSize - 1, threshold, bits, &out);
  if (compressed) {
    FUZZ_CHECK(body.size() >= threshold);
    FUZZ_CHECK(out.size() >= 1 && out[0] == (opcode | ws::kMetaCompressed));
    FUZZ_CHECK(out.size() - 1 < body.size());
    FUZZ_CHECK(referenceInflate(out.data() + 1, out.size() - 1, bits, &back));
    FUZZ_CHECK(back.size() == body.size() && std::memcmp(back.data(), body.data(), body.size()) == 0);
    FUZZ_CHECK(inflater().inflate(out.data() + 1, out.size() - 1, body.size(), &ours) == ws::Inflater::Result::kOk);
    FUZZ_CHECK(ours.size() == body.size() && std::memcmp(ours.data(), body.data(), body.size()) == 0);
    if (!body.empty()) {
      FUZZ_CHECK(inflater().inflate(out.data() + 1, out.size() - 1, body.size() - 1, &ours) ==
                 ws::Inflater::Result::kTooBig);
    }
  } else if (body.size() >= threshold && !body.empty()) {
    // Refused only when it would not be smaller: a message that long of one repeated byte always is.
    FUZZ_CHECK(!(shape == 1 && body.size() >= 8192 && body.find_first_not_of(body[0]) == std::string::npos));
  }
  // A compressed message already marked is never compressed again; control frames never are.
  command[0] = opcode | ws::kMetaCompressed;
  FUZZ_CHECK(!ws::compressSend(deflater(), command[0], command + 1, commandSize - 1, 0, bits, &out));
  command[0] = ws::kPing;
  FUZZ_CHECK(!ws::compressSend(deflater(), command[0], command + 1, commandSize - 1, 0, bits, &out));

  const uint32_t seed = static_cast<uint32_t>(size) * 2654435761u ^ (size ? data[size - 1] : 0);
  checkTakeover(body, bits, seed);
  // On one input in four (picked by the input's size and last byte, so a
  // finding replays): a third deflate of the whole body per input was ~30% of
  // the time, and the goim path's own part (header, RSV1, length) is small.
  if (seed % 4 == 0) checkGoimMessage(body, bits);

  // The inflater on arbitrary bytes: bounded output, never a crash.
  const size_t maxOut = 1 + (data[0] % 8) * 1024;
  const ws::Inflater::Result r = inflater().inflate(data, size, maxOut, &any);
  FUZZ_CHECK(any.size() <= maxOut);
  (void)r;
  return 0;
}
