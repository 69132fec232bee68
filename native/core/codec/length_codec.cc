// Length-prefixed framing with Netty's LengthFieldBasedFrameDecoder semantics,
// and the matching LengthFieldPrepender-like encoder.
//
//   frame  = [lengthFieldOffset bytes][length field][...]
//   length = lengthFieldOffset + lengthFieldLength + fieldValue + lengthAdjustment
//   payload = frame minus its first initialBytesToStrip bytes
#include <climits>
#include <cstdint>
#include <cstring>

#include "codec.h"

namespace ringnet {
namespace {

bool validFieldLength(uint32_t n) { return n == 1 || n == 2 || n == 3 || n == 4 || n == 8; }

// Same constraints Netty enforces in its constructor; the factories return
// nullptr when they do not hold.
bool validConfig(const LengthFraming& f) {
  if (!validFieldLength(f.lengthFieldLength) || f.maxFrameLength == 0) return false;
  // The header itself must fit in a frame, or no frame could ever be accepted.
  uint64_t headerEnd = uint64_t{f.lengthFieldOffset} + f.lengthFieldLength;
  return headerEnd <= f.maxFrameLength && headerEnd <= SIZE_MAX;
}

class LengthDecoder final : public FrameDecoder {
 public:
  explicit LengthDecoder(const LengthFraming& f)
      : f_(f), headerEnd_(uint64_t{f.lengthFieldOffset} + f.lengthFieldLength) {}

  DecodeResult decode(const uint8_t* data, size_t len, DecoderState& state) const override {
    DecodeResult r;
    if (len < headerEnd_) {
      r.needed = static_cast<size_t>(headerEnd_);  // <= maxFrameLength(), fits size_t
      return r;
    }
    uint64_t frame;
    CodecError err = frameLength(readField(data + f_.lengthFieldOffset), &frame);
    if (err != CodecError::kNone) {
      r.status = DecodeStatus::kError;
      r.error = err;
      return r;
    }
    // Known length but body incomplete: report it so the caller can size its buffer.
    if (len < frame) {
      r.needed = static_cast<size_t>(frame);
      return r;
    }
    state.scanned = 0;  // no per-frame state, but honour the "reset on frame" contract
    r.status = DecodeStatus::kFrame;
    r.consumed = static_cast<size_t>(frame);
    r.payloadOffset = f_.initialBytesToStrip;
    r.payloadLength = static_cast<size_t>(frame - f_.initialBytesToStrip);
    return r;
  }

  size_t maxFrameLength() const override {
    return f_.maxFrameLength > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(f_.maxFrameLength);
  }

 private:
  // Reads the unsigned length field; only called once headerEnd_ bytes are present.
  uint64_t readField(const uint8_t* p) const {
    uint64_t v = 0;
    const uint32_t n = f_.lengthFieldLength;
    if (f_.byteOrder == ByteOrder::kBig) {
      for (uint32_t i = 0; i < n; i++) v = (v << 8) | p[i];
    } else {
      for (uint32_t i = n; i-- > 0;) v = (v << 8) | p[i];
    }
    return v;
  }

  // value + headerEnd + adjustment, checked. Validity is decided from the header
  // alone, so a bad or oversized frame is rejected before its body is buffered.
  CodecError frameLength(uint64_t value, uint64_t* out) const {
    // An 8-byte field can hold values near 2^64; overflow means the sender is
    // broken, not merely "too large", hence kBadLength.
    if (value > UINT64_MAX - headerEnd_) return CodecError::kBadLength;
    uint64_t frame = value + headerEnd_;
    const int64_t adj = f_.lengthAdjustment;
    if (adj >= 0) {
      if (frame > UINT64_MAX - static_cast<uint64_t>(adj)) return CodecError::kBadLength;
      frame += static_cast<uint64_t>(adj);
    } else {
      // Magnitude in unsigned arithmetic so INT64_MIN does not overflow.
      const uint64_t mag = uint64_t{0} - static_cast<uint64_t>(adj);
      if (frame < mag) return CodecError::kBadLength;  // negative length
      frame -= mag;
    }
    if (frame < headerEnd_ || frame < f_.initialBytesToStrip) return CodecError::kBadLength;
    if (frame > f_.maxFrameLength || frame > SIZE_MAX) return CodecError::kFrameTooLarge;
    *out = frame;
    return CodecError::kNone;
  }

  const LengthFraming f_;
  const uint64_t headerEnd_;  // lengthFieldOffset + lengthFieldLength
};

class LengthEncoder final : public FrameEncoder {
 public:
  explicit LengthEncoder(const LengthFraming& f)
      : f_(f), headerEnd_(uint64_t{f.lengthFieldOffset} + f.lengthFieldLength) {}

  int header(size_t payloadLength, uint8_t* out) const override {
    const uint64_t payload = payloadLength;
    // The wire frame is header + payload, whatever the adjustment says.
    if (payload > f_.maxFrameLength - headerEnd_) return -1;  // headerEnd_ <= max (validConfig)
    // The field holds payloadLength - lengthAdjustment, so that the decoder's
    // headerEnd + value + adjustment equals the bytes actually written.
    uint64_t value;
    const int64_t adj = f_.lengthAdjustment;
    if (adj >= 0) {
      if (payload < static_cast<uint64_t>(adj)) return -1;  // would be negative
      value = payload - static_cast<uint64_t>(adj);
    } else {
      const uint64_t mag = uint64_t{0} - static_cast<uint64_t>(adj);
      if (payload > UINT64_MAX - mag) return -1;
      value = payload + mag;
    }
    const uint32_t n = f_.lengthFieldLength;
    if (n < 8 && value >> (8 * n) != 0) return -1;  // does not fit in the field

    std::memset(out, 0, f_.lengthFieldOffset);
    uint8_t* p = out + f_.lengthFieldOffset;
    for (uint32_t i = 0; i < n; i++) {
      const uint8_t byte = static_cast<uint8_t>(value >> (8 * i));  // i-th least significant
      p[f_.byteOrder == ByteOrder::kBig ? n - 1 - i : i] = byte;
    }
    return static_cast<int>(headerEnd_);
  }

  size_t maxHeaderLength() const override { return static_cast<size_t>(headerEnd_); }

  const uint8_t* trailer(size_t* length) const override {
    // Non-null even when empty so callers may memcpy(dst, trailer, 0) safely.
    static const uint8_t kNone[1] = {0};
    *length = 0;
    return kNone;
  }

 private:
  const LengthFraming f_;
  const uint64_t headerEnd_;
};

}  // namespace

std::unique_ptr<FrameDecoder> makeLengthDecoder(const LengthFraming& f) {
  if (!validConfig(f)) return nullptr;
  return std::make_unique<LengthDecoder>(f);
}

std::unique_ptr<FrameEncoder> makeLengthEncoder(const LengthFraming& f) {
  // header() returns the header length as an int.
  if (!validConfig(f) || uint64_t{f.lengthFieldOffset} + f.lengthFieldLength > INT_MAX) return nullptr;
  return std::make_unique<LengthEncoder>(f);
}

}  // namespace ringnet
