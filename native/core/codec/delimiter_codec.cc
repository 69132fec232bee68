// Delimiter framing: a frame is everything up to (and including) the next
// occurrence of a non-empty byte string, e.g. "\n", "\r\n" or "\0".
#include <algorithm>
#include <cstring>

#include "codec.h"

namespace ringnet {
namespace {

class DelimiterDecoder final : public FrameDecoder {
 public:
  explicit DelimiterDecoder(const DelimiterFraming& f)
      : delim_(f.delimiter), max_(f.maxFrameLength), strip_(f.stripDelimiter) {}

  // Searches the candidate start positions [state.scanned, min(max_, len - 1)]:
  // a delimiter starting after max_ would make the payload too long, so those
  // positions never need to be looked at.
  //
  // state.scanned is the number of leading start positions already proven not
  // to begin a delimiter. A position whose bytes match a prefix of the
  // delimiter but run past the end of the input (a delimiter split across
  // reads) is not proven, so the next search restarts there; that is at most
  // delimiter.size() - 1 bytes back. Each input byte is thus examined O(1)
  // times per delimiter byte over the life of a frame, however it is split.
  DecodeResult decode(const uint8_t* data, size_t len, DecoderState& state) const override {
    DecodeResult r;
    if (len == 0) return r;
    const size_t d = delim_.size();
    const uint8_t* delim = reinterpret_cast<const uint8_t*>(delim_.data());
    // The caller must pass the same pending input plus new bytes; if it passes
    // less, the saved position is meaningless, so rescan rather than trust it.
    size_t start = state.scanned <= len ? static_cast<size_t>(state.scanned) : 0;
    const size_t lastStart = max_ < len - 1 ? static_cast<size_t>(max_) : len - 1;

    bool partial = false;  // a delimiter prefix runs into the end of the input
    size_t p = start;
    while (p <= lastStart) {
      const void* hit = std::memchr(data + p, delim[0], lastStart - p + 1);
      if (hit == nullptr) {
        p = lastStart + 1;
        break;
      }
      const size_t q = static_cast<size_t>(static_cast<const uint8_t*>(hit) - data);
      const size_t avail = std::min(d, len - q);
      if (std::memcmp(data + q, delim, avail) == 0) {
        if (avail == d) {
          state.scanned = 0;
          r.status = DecodeStatus::kFrame;
          r.consumed = q + d;
          r.payloadOffset = 0;
          r.payloadLength = strip_ ? q : q + d;
          return r;
        }
        // Every later candidate also runs past the end; resume here next time.
        partial = true;
        p = q;
        break;
      }
      p = q + 1;
    }
    state.scanned = std::max(start, p);

    // All start positions 0..max_ are present (len > max_) and none can begin
    // a delimiter: the frame is provably too large without waiting for more.
    if (!partial && len > max_) {
      r.status = DecodeStatus::kError;
      r.error = CodecError::kFrameTooLarge;
    }
    return r;  // kNeedMore, needed = 0: the frame length is unknown
  }

  size_t maxFrameLength() const override {
    // Payload limit plus the delimiter itself, saturating.
    const uint64_t d = delim_.size();
    const uint64_t total = max_ > UINT64_MAX - d ? UINT64_MAX : max_ + d;
    return total > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(total);
  }

 private:
  const std::string delim_;
  const uint64_t max_;
  const bool strip_;
};

class DelimiterEncoder final : public FrameEncoder {
 public:
  explicit DelimiterEncoder(const DelimiterFraming& f) : delim_(f.delimiter) {}

  // No header; the payload is not inspected (a payload containing the
  // delimiter is the sender's problem, as in Netty).
  int header(size_t, uint8_t*) const override { return 0; }
  size_t maxHeaderLength() const override { return 0; }

  const uint8_t* trailer(size_t* length) const override {
    *length = delim_.size();
    return reinterpret_cast<const uint8_t*>(delim_.data());
  }

 private:
  const std::string delim_;
};

}  // namespace

std::unique_ptr<FrameDecoder> makeDelimiterDecoder(const DelimiterFraming& f) {
  if (f.delimiter.empty()) return nullptr;
  return std::make_unique<DelimiterDecoder>(f);
}

std::unique_ptr<FrameEncoder> makeDelimiterEncoder(const DelimiterFraming& f) {
  if (f.delimiter.empty()) return nullptr;
  return std::make_unique<DelimiterEncoder>(f);
}

}  // namespace ringnet
