#include "ws_deflate.h"

#include <zlib.h>

#include <cstring>

#include "../codec/ws_codec.h"

namespace ringnet::ws {

struct Deflater::Stream {
  z_stream z;
  bool ready = false;
  ~Stream() {
    if (ready) deflateEnd(&z);
  }
};

Deflater::Deflater() = default;
Deflater::~Deflater() = default;

bool Deflater::deflate(const uint8_t* in, size_t n, int windowBits, std::vector<uint8_t>* out, size_t skip) {
  out->resize(skip);
  if (windowBits < 9 || windowBits > 15 || n == 0 || n > UINT32_MAX) return false;
  std::unique_ptr<Stream>& s = streams_[windowBits];
  if (!s) {
    s.reset(new Stream());
    std::memset(&s->z, 0, sizeof s->z);
    // Negative window bits: raw deflate (no zlib header), as 7692 requires.
    s->ready = deflateInit2(&s->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -windowBits, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  if (!s->ready) return false;
  z_stream& z = s->z;
  deflateReset(&z);  // no context takeover: every message alone
  // Worth it only when smaller: stop as soon as the output reaches the input's size.
  out->resize(skip + n);
  z.next_in = const_cast<Bytef*>(in);
  z.avail_in = static_cast<uInt>(n);
  z.next_out = out->data() + skip;
  z.avail_out = static_cast<uInt>(n);
  const int rc = ::deflate(&z, Z_SYNC_FLUSH);
  // Everything consumed and flushed with room to spare (avail_out > 0 means
  // the flush completed).
  if ((rc != Z_OK && rc != Z_BUF_ERROR) || z.avail_in != 0 || z.avail_out == 0) {
    out->resize(skip);
    return false;
  }
  size_t len = n - z.avail_out;
  // A sync flush ends with an empty stored block: 00 00 ff ff, dropped on the wire.
  if (len < 4 || std::memcmp(out->data() + skip + len - 4, "\x00\x00\xff\xff", 4) != 0) {
    out->resize(skip);
    return false;
  }
  out->resize(skip + len - 4);
  return true;
}

bool compressSend(Deflater& d, uint8_t meta, const uint8_t* payload, size_t len, uint32_t threshold, int windowBits,
                  std::vector<uint8_t>* out) {
  const uint8_t opcode = meta & 0x0f;
  if ((opcode != kText && opcode != kBinary) || (meta & kMetaCompressed) != 0) return false;
  if (len < threshold) return false;
  if (!d.deflate(payload, len, windowBits == 0 ? 15 : windowBits, out, 1)) return false;
  (*out)[0] = static_cast<uint8_t>(meta | kMetaCompressed);
  return true;
}

}  // namespace ringnet::ws
