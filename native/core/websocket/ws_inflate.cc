#include "ws_inflate.h"

#include <zlib.h>

#include <cstring>

namespace ringnet::ws {

struct Inflater::Stream {
  z_stream z;
  bool ready = false;
};

Inflater::Inflater() : s_(new Stream()) {
  std::memset(&s_->z, 0, sizeof s_->z);
  s_->ready = inflateInit2(&s_->z, -15) == Z_OK;  // raw deflate, any window up to 32 KiB
}

Inflater::~Inflater() {
  if (s_->ready) inflateEnd(&s_->z);
}

Inflater::Result Inflater::inflate(const uint8_t* in, size_t n, size_t maxOut, std::vector<uint8_t>* out) {
  out->clear();
  if (!s_->ready) return Result::kCorrupt;
  z_stream& z = s_->z;
  inflateReset(&z);
  // The sender removed the final empty stored block's 00 00 ff ff; put it back.
  static const uint8_t kTail[4] = {0x00, 0x00, 0xff, 0xff};
  uint8_t chunk[16 * 1024];
  for (int part = 0; part < 2; ++part) {
    z.next_in = const_cast<Bytef*>(part == 0 ? in : kTail);
    z.avail_in = static_cast<uInt>(part == 0 ? n : sizeof kTail);
    while (z.avail_in > 0) {
      z.next_out = chunk;
      z.avail_out = sizeof chunk;
      const int rc = ::inflate(&z, Z_SYNC_FLUSH);
      const size_t produced = sizeof chunk - z.avail_out;
      if (out->size() + produced > maxOut) return Result::kTooBig;
      out->insert(out->end(), chunk, chunk + produced);
      if (rc == Z_STREAM_END) return Result::kOk;  // a final block: anything after it is ignored
      if (rc == Z_BUF_ERROR && produced == 0) break;
      if (rc != Z_OK && rc != Z_BUF_ERROR) return Result::kCorrupt;
    }
  }
  // Output may still be pending inside zlib (the input is consumed).
  for (;;) {
    z.next_out = chunk;
    z.avail_out = sizeof chunk;
    const int rc = ::inflate(&z, Z_SYNC_FLUSH);
    const size_t produced = sizeof chunk - z.avail_out;
    if (out->size() + produced > maxOut) return Result::kTooBig;
    out->insert(out->end(), chunk, chunk + produced);
    if (produced == 0 || rc == Z_STREAM_END) return Result::kOk;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return Result::kCorrupt;
  }
}

}  // namespace ringnet::ws
