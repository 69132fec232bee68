#include "ws_deflate.h"

#include <zlib.h>

#include <cstring>

#include "../codec/ws_codec.h"

namespace ringnet::ws {

struct DeflateStream::Z {
  z_stream z;
  bool ready = false;
  ~Z() {
    if (ready) deflateEnd(&z);
  }
};

DeflateStream::DeflateStream(int windowBits, int memLevel) : z_(new Z()), windowBits_(windowBits) {
  std::memset(&z_->z, 0, sizeof z_->z);
  // Negative window bits: raw deflate (no zlib header), as 7692 requires.
  z_->ready = windowBits >= 9 && windowBits <= 15 && memLevel >= 1 && memLevel <= 9 &&
              deflateInit2(&z_->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -windowBits, memLevel, Z_DEFAULT_STRATEGY) == Z_OK;
}

DeflateStream::~DeflateStream() = default;

bool DeflateStream::deflate(const uint8_t* in, size_t n, bool takeover, std::vector<uint8_t>* out, size_t skip) {
  out->resize(skip);
  if (!z_->ready || n == 0 || n > UINT32_MAX) return false;
  z_stream& z = z_->z;
  if (!takeover || resetOwed_) deflateReset(&z);
  resetOwed_ = false;
  // Worth it only when smaller: stop as soon as the output reaches the input's size.
  out->resize(skip + n);
  z.next_in = const_cast<Bytef*>(in);
  z.avail_in = static_cast<uInt>(n);
  z.next_out = out->data() + skip;
  z.avail_out = static_cast<uInt>(n);
  const int rc = ::deflate(&z, Z_SYNC_FLUSH);
  // Everything consumed and flushed with room to spare (avail_out > 0 means
  // the flush completed).
  size_t len = n - z.avail_out;
  // A sync flush ends with an empty stored block: 00 00 ff ff, dropped on the wire.
  if ((rc != Z_OK && rc != Z_BUF_ERROR) || z.avail_in != 0 || z.avail_out == 0 || len < 4 ||
      std::memcmp(out->data() + skip + len - 4, "\x00\x00\xff\xff", 4) != 0) {
    out->resize(skip);
    resetOwed_ = true;  // the peer never sees this message: its window lacks it
    return false;
  }
  out->resize(skip + len - 4);
  return true;
}

Deflater::Deflater() = default;
Deflater::~Deflater() = default;

DeflateStream& Deflater::stream(int windowBits) {
  if (windowBits < 9) windowBits = 9;
  if (windowBits > 15) windowBits = 15;
  std::unique_ptr<DeflateStream>& s = streams_[windowBits];
  if (!s) s.reset(new DeflateStream(windowBits, 8));
  return *s;
}

bool Deflater::deflate(const uint8_t* in, size_t n, int windowBits, std::vector<uint8_t>* out, size_t skip) {
  out->resize(skip);
  if (windowBits < 9 || windowBits > 15) return false;
  return stream(windowBits).deflate(in, n, false, out, skip);
}

bool compressible(uint8_t meta, size_t len, uint32_t threshold) {
  const uint8_t opcode = meta & 0x0f;
  return (opcode == kText || opcode == kBinary) && (meta & kMetaCompressed) == 0 && len >= threshold;
}

bool compressSend(Deflater& d, uint8_t meta, const uint8_t* payload, size_t len, uint32_t threshold, int windowBits,
                  std::vector<uint8_t>* out) {
  if (!compressible(meta, len, threshold)) return false;
  if (!d.deflate(payload, len, windowBits == 0 ? 15 : windowBits, out, 1)) return false;
  (*out)[0] = static_cast<uint8_t>(meta | kMetaCompressed);
  return true;
}

bool compressSend(DeflateStream& s, bool takeover, uint8_t meta, const uint8_t* payload, size_t len, uint32_t threshold,
                  std::vector<uint8_t>* out) {
  if (!compressible(meta, len, threshold)) return false;
  if (!s.deflate(payload, len, takeover, out, 1)) return false;
  (*out)[0] = static_cast<uint8_t>(meta | kMetaCompressed);
  return true;
}

}  // namespace ringnet::ws
