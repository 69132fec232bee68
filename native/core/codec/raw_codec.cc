// Raw "framing": whatever bytes have arrived are delivered as they are, in
// chunks of at most maxChunk bytes. Never an error.
#include "codec.h"

namespace ringnet {
namespace {

class RawDecoder final : public FrameDecoder {
 public:
  explicit RawDecoder(size_t maxChunk) : max_(maxChunk) {}

  DecodeResult decode(const uint8_t*, size_t len, DecoderState& state) const override {
    DecodeResult r;
    if (len == 0) return r;  // kNeedMore, needed unknown
    state.scanned = 0;
    r.status = DecodeStatus::kFrame;
    r.consumed = len < max_ ? len : max_;
    r.payloadOffset = 0;
    r.payloadLength = r.consumed;
    return r;
  }

  size_t maxFrameLength() const override { return max_; }

 private:
  const size_t max_;
};

class RawEncoder final : public FrameEncoder {
 public:
  int header(size_t, uint8_t*) const override { return 0; }
  size_t maxHeaderLength() const override { return 0; }

  const uint8_t* trailer(size_t* length) const override {
    static const uint8_t kNone[1] = {0};  // non-null so memcpy(dst, t, 0) is defined
    *length = 0;
    return kNone;
  }
};

}  // namespace

std::unique_ptr<FrameDecoder> makeRawDecoder(const RawFraming& f) {
  // maxChunk 0 would yield endless empty frames.
  if (f.maxChunk == 0) return nullptr;
  // A chunk larger than the address space is simply "everything available".
  return std::make_unique<RawDecoder>(f.maxChunk > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(f.maxChunk));
}

std::unique_ptr<FrameEncoder> makeRawEncoder() { return std::make_unique<RawEncoder>(); }

}  // namespace ringnet
