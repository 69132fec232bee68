// Fixed-length framing: every frameLength bytes of input is one frame.
#include "codec.h"

namespace ringnet {
namespace {

class FixedDecoder final : public FrameDecoder {
 public:
  explicit FixedDecoder(size_t frameLength) : n_(frameLength) {}

  DecodeResult decode(const uint8_t*, size_t len, DecoderState& state) const override {
    DecodeResult r;
    if (len < n_) {
      r.needed = n_;
      return r;
    }
    state.scanned = 0;
    r.status = DecodeStatus::kFrame;
    r.consumed = n_;
    r.payloadOffset = 0;
    r.payloadLength = n_;
    return r;
  }

  size_t maxFrameLength() const override { return n_; }

 private:
  const size_t n_;
};

class FixedEncoder final : public FrameEncoder {
 public:
  explicit FixedEncoder(size_t frameLength) : n_(frameLength) {}

  // Nothing to write; only a payload of exactly frameLength bytes is framable.
  int header(size_t payloadLength, uint8_t*) const override { return payloadLength == n_ ? 0 : -1; }
  size_t maxHeaderLength() const override { return 0; }

  const uint8_t* trailer(size_t* length) const override {
    static const uint8_t kNone[1] = {0};  // non-null so memcpy(dst, t, 0) is defined
    *length = 0;
    return kNone;
  }

 private:
  const size_t n_;
};

// frameLength 0 would yield endless empty frames; beyond SIZE_MAX it cannot be buffered.
bool valid(const FixedFraming& f) { return f.frameLength > 0 && f.frameLength <= SIZE_MAX; }

}  // namespace

std::unique_ptr<FrameDecoder> makeFixedDecoder(const FixedFraming& f) {
  if (!valid(f)) return nullptr;
  return std::make_unique<FixedDecoder>(static_cast<size_t>(f.frameLength));
}

std::unique_ptr<FrameEncoder> makeFixedEncoder(const FixedFraming& f) {
  if (!valid(f)) return nullptr;
  return std::make_unique<FixedEncoder>(static_cast<size_t>(f.frameLength));
}

}  // namespace ringnet
