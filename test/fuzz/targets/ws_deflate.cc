// permessage-deflate both ways (native/core/websocket/ws_deflate.h and
// ws_inflate.h):
//   - the server's compressor: a message (of any bytes, repetitive ones made
//     from the input too) compressed by compressSend() for a window of 9..15
//     bits inflates back to exactly the message, with zlib's own raw inflater
//     limited to that window (it refuses a distance beyond it), is smaller
//     than the message, and is marked compressed; a refused one is left alone;
//   - the inflater on arbitrary input (a client's "compressed" message): it
//     never produces more than maxOut bytes and never crashes, and it
//     inflates what the compressor wrote within any limit that fits.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/codec/ws_codec.h"
#include "core/websocket/ws_deflate.h"
#include "core/websocket/ws_inflate.h"
#include "support/check.h"
#include "support/fuzz_input.h"

namespace {

using namespace ringnet;
using ringnet::fuzz::FuzzInput;

// zlib's raw inflater with a window of 2^bits: the independent reference.
bool referenceInflate(const uint8_t* in, size_t n, int bits, std::vector<uint8_t>* out) {
  z_stream z;
  std::memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -bits) != Z_OK) return false;
  std::vector<uint8_t> input(in, in + n);
  const uint8_t tail[4] = {0x00, 0x00, 0xff, 0xff};
  input.insert(input.end(), tail, tail + 4);
  z.next_in = input.data();
  z.avail_in = static_cast<uInt>(input.size());
  uint8_t chunk[4096];
  bool ok = true;
  while (ok) {
    z.next_out = chunk;
    z.avail_out = sizeof chunk;
    const int rc = inflate(&z, Z_SYNC_FLUSH);
    out->insert(out->end(), chunk, chunk + (sizeof chunk - z.avail_out));
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // all consumed, nothing pending
    if (rc != Z_OK) ok = false;
  }
  inflateEnd(&z);
  return ok && z.avail_in == 0;
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
  std::vector<uint8_t> command(1 + body.size());
  command[0] = opcode;
  std::memcpy(command.data() + 1, body.data(), body.size());

  std::vector<uint8_t> out;
  const bool compressed = ws::compressSend(deflater(), command[0], command.data() + 1, command.size() - 1, threshold, bits, &out);
  if (compressed) {
    FUZZ_CHECK(body.size() >= threshold);
    FUZZ_CHECK(out.size() >= 1 && out[0] == (opcode | ws::kMetaCompressed));
    FUZZ_CHECK(out.size() - 1 < body.size());
    std::vector<uint8_t> back;
    FUZZ_CHECK(referenceInflate(out.data() + 1, out.size() - 1, bits, &back));
    FUZZ_CHECK(back.size() == body.size() && std::memcmp(back.data(), body.data(), body.size()) == 0);
    std::vector<uint8_t> ours;
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
  FUZZ_CHECK(!ws::compressSend(deflater(), command[0], command.data() + 1, command.size() - 1, 0, bits, &out));
  command[0] = ws::kPing;
  FUZZ_CHECK(!ws::compressSend(deflater(), command[0], command.data() + 1, command.size() - 1, 0, bits, &out));

  // The inflater on arbitrary bytes: bounded output, never a crash.
  const size_t maxOut = 1 + (data[0] % 8) * 1024;
  std::vector<uint8_t> any;
  const ws::Inflater::Result r = inflater().inflate(data, size, maxOut, &any);
  FUZZ_CHECK(any.size() <= maxOut);
  (void)r;
  return 0;
}
