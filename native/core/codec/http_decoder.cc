// The HTTP request decoder: finds the end of each request message (head, then
// a Content-Length or chunked body) and validates it; see http_codec.h.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "http_chars.h"
#include "http_chunked.h"
#include "http_codec.h"
#include "http_request_line.h"

namespace ringnet {

using namespace http;

namespace {

// DecoderState::scanned, 64 bits:
//   bits 62-63  phase (HttpPhase)
//   bit  61     the head asked for 100-continue
//   head:       bits 0-31  input already searched for line ends,
//               bits 32-60 the request line's progress (packRequestLine)
//   length:     bits 0-40  total message length (head + Content-Length)
//   chunked:    bits 0-31  offset of the next chunk-size (or trailer) line,
//               bits 32-60 decoded body bytes so far (trailers: where they began)
constexpr int kPhaseShift = 62;
constexpr uint64_t kExpectBit = uint64_t{1} << 61;
constexpr uint64_t kLow32 = 0xffffffffu;
constexpr uint64_t kDecodedMask = (uint64_t{1} << 29) - 1;

uint64_t pack(HttpPhase phase, bool expect, uint64_t low) {
  return (static_cast<uint64_t>(phase) << kPhaseShift) | (expect ? kExpectBit : 0) | low;
}

DecodeResult error(CodecError e) {
  DecodeResult r;
  r.status = DecodeStatus::kError;
  r.error = e;
  return r;
}

thread_local HttpLastHead t_last;

void collectField(void* ctx, size_t nameOffset, size_t nameLength, size_t valueOffset, size_t valueLength) {
  auto* fields = static_cast<std::vector<int32_t>*>(ctx);
  fields->push_back(static_cast<int32_t>(nameOffset));
  fields->push_back(static_cast<int32_t>(nameLength));
  fields->push_back(static_cast<int32_t>(valueOffset));
  fields->push_back(static_cast<int32_t>(valueLength));
}

// `parsedFrom`: the input whose head this call parsed (nullptr if it did not).
DecodeResult frame(size_t length, DecoderState& state, const uint8_t* parsedFrom = nullptr) {
  t_last.data = parsedFrom;
  state.scanned = 0;
  DecodeResult r;
  r.status = DecodeStatus::kFrame;
  r.consumed = length;
  r.payloadOffset = 0;
  r.payloadLength = length;
  return r;
}

// Leading empty lines before a request line are ignored (RFC 9112 2.2).
// Returns the request line's start (at a lone CR when the input ends inside a CRLF).
size_t skipLeadingCrlf(const uint8_t* d, size_t len, bool* bareLf) {
  size_t p = 0;
  while (p < len && (d[p] == '\r' || d[p] == '\n')) {
    if (d[p] == '\n' || (p + 1 < len && d[p + 1] != '\n')) {
      *bareLf = true;
      return p;
    }
    if (p + 1 == len) return p;  // a CR waiting for its LF
    p += 2;
  }
  return p;
}

class HttpDecoder final : public FrameDecoder {
 public:
  explicit HttpDecoder(const HttpFraming& f)
      : limits_(f),
        maxWire_(static_cast<uint64_t>(f.maxHeaderSize) * 2 + 2 * f.maxBodySize + f.maxChunkExtensionSize + 17) {}

  DecodeResult decode(const uint8_t* data, size_t len, DecoderState& state) const override {
    if (len == 0) return DecodeResult{};
    const uint64_t s = state.scanned;
    const HttpPhase phase = static_cast<HttpPhase>(s >> kPhaseShift);
    const bool expect = (s & kExpectBit) != 0;
    switch (phase) {
      case HttpPhase::kHead:
        return head(data, len, state);
      case HttpPhase::kLengthBody: {
        const uint64_t total = s & ((uint64_t{1} << 41) - 1);
        if (len >= total) return frame(static_cast<size_t>(total), state);
        DecodeResult r;
        r.needed = static_cast<size_t>(total);
        return r;
      }
      case HttpPhase::kChunkedBody:
      case HttpPhase::kTrailers:
        return chunks(data, len, state, phase, static_cast<size_t>(s & kLow32),
                      (s >> 32) & kDecodedMask, expect);
    }
    return error(CodecError::kHttpBadRequest);
  }

  size_t maxFrameLength() const override { return static_cast<size_t>(maxWire_); }

 private:
  DecodeResult head(const uint8_t* d, size_t len, DecoderState& state) const {
    bool bareLf = false;
    const size_t start = skipLeadingCrlf(d, len, &bareLf);
    if (bareLf) return error(CodecError::kHttpBadRequest);
    if (start > limits_.maxHeaderSize) return error(CodecError::kHttpBadRequest);  // endless empty lines
    if (start == len || d[start] == '\r') return DecodeResult{};  // only empty lines so far
    // A head ends within maxHeaderSize bytes or is too large whatever follows:
    // bytes past that window are never looked at, so the answer cannot depend
    // on how much of them has arrived.
    const size_t window = std::min<size_t>(len, start + limits_.maxHeaderSize);
    // The request line is checked as its bytes arrive (each byte once).
    RequestLineScan line = unpackRequestLine(state.scanned >> 32, d, start);
    if (CodecError e = scanRequestLine(d, start, window, limits_, &line); e != CodecError::kNone) return error(e);
    // Line ends before `scanned` were checked: each LF has its CR. A bare LF
    // inside the request line was refused by the scan above.
    size_t p = std::max(start, static_cast<size_t>(state.scanned & kLow32));
    size_t end = 0;
    while (p < window) {
      const void* hit = std::memchr(d + p, '\n', window - p);
      if (hit == nullptr) {
        p = window;
        break;
      }
      const size_t q = static_cast<size_t>(static_cast<const uint8_t*>(hit) - d);
      if (q == 0 || d[q - 1] != '\r') return error(CodecError::kHttpBadRequest);  // bare LF
      if (q >= start + 3 && d[q - 2] == '\n') {
        end = q + 1;
        break;
      }
      p = q + 1;
    }
    if (end == 0) {
      if (window - start == limits_.maxHeaderSize) return error(CodecError::kHttpHeaderTooLarge);
      state.scanned = pack(HttpPhase::kHead, false, std::min<size_t>(p, kLow32)) | (packRequestLine(line) << 32);
      return DecodeResult{};
    }

    HttpHead& h = t_last.head;
    t_last.fields.clear();
    if (CodecError e = parseHttpHead(d, start, end, limits_, &h, collectField, &t_last.fields); e != CodecError::kNone) {
      return error(e);
    }
    if (h.chunked) return chunks(d, len, state, HttpPhase::kChunkedBody, end, 0, h.expectContinue, d);
    const uint64_t total = end + (h.hasLength ? h.contentLength : 0);
    if (len >= total) return frame(static_cast<size_t>(total), state, d);
    state.scanned = pack(HttpPhase::kLengthBody, h.expectContinue, total);
    DecodeResult r;
    r.needed = static_cast<size_t>(total);
    return r;
  }

  // Like the head, the body is read only within maxFrameLength(): a message
  // that has not ended there is too large (413), whatever the bytes after it
  // are and however they are split. Trailers count against maxHeaderSize as a
  // head does (431), as llhttp's users count them.
  DecodeResult chunks(const uint8_t* d, size_t len, DecoderState& state, HttpPhase phase, size_t pos,
                      uint64_t decoded, bool expect, const uint8_t* parsedFrom = nullptr) const {
    if (pos > maxWire_) return error(CodecError::kHttpBodyTooLarge);  // leading CRLFs + head already
    const size_t avail = static_cast<size_t>(std::min<uint64_t>(len, maxWire_));
    // In the trailers `decoded` holds the trailer bytes already accepted.
    size_t trailerStart = phase == HttpPhase::kTrailers ? pos - static_cast<size_t>(decoded) : 0;
    size_t trailerAvail = 0;
    CodecError err = CodecError::kNone;
    while (true) {
      if (phase == HttpPhase::kChunkedBody) {
        uint64_t size = 0;
        const size_t dataStart = chunkLine(d, pos, avail, limits_.maxChunkExtensionSize, &size, &err);
        if (err != CodecError::kNone) return error(err);
        if (dataStart == 0) break;
        if (size > limits_.maxBodySize - decoded) return error(CodecError::kHttpBodyTooLarge);
        if (size == 0) {
          phase = HttpPhase::kTrailers;
          pos = trailerStart = dataStart;
          expect = false;  // the body is complete: no 100-continue any more
          continue;
        }
        if (avail - dataStart < size + 2) break;  // resume at this chunk's line
        if (d[dataStart + size] != '\r' || d[dataStart + size + 1] != '\n') {
          return error(CodecError::kHttpBadRequest);
        }
        decoded += size;
        pos = dataStart + static_cast<size_t>(size) + 2;
        expect = false;  // body bytes arrived: the client did not wait
      } else {
        trailerAvail = std::min<size_t>(avail, trailerStart + limits_.maxHeaderSize);
        bool last = false;
        const size_t next = trailerLine(d, pos, trailerAvail, &last, &err);
        if (err != CodecError::kNone) return error(err);
        if (next == 0) break;
        if (last) return frame(next, state, parsedFrom);
        pos = next;
      }
    }
    if (phase == HttpPhase::kTrailers) {
      if (trailerAvail == trailerStart + limits_.maxHeaderSize) return error(CodecError::kHttpHeaderTooLarge);
      decoded = pos - trailerStart;
    }
    // Chunk framing beyond the limit (tiny chunks) is refused too.
    if (avail == maxWire_) return error(CodecError::kHttpBodyTooLarge);
    state.scanned = pack(phase, expect, (decoded << 32) | pos);
    return DecodeResult{};
  }

  const HttpFraming limits_;
  const uint64_t maxWire_;
};

class HttpEncoder final : public FrameEncoder {
 public:
  int header(size_t, uint8_t*) const override { return 0; }
  size_t maxHeaderLength() const override { return 0; }
  const uint8_t* trailer(size_t* length) const override {
    *length = 0;
    return nullptr;
  }
};

}  // namespace

HttpLastHead& httpLastHead() { return t_last; }

HttpPhase httpPhase(const DecoderState& s) { return static_cast<HttpPhase>(s.scanned >> kPhaseShift); }

bool httpAwaitsContinue(const DecoderState& s) {
  return (s.scanned & kExpectBit) != 0 && httpPhase(s) != HttpPhase::kHead;
}

size_t copyChunkedBody(const uint8_t* d, size_t pos, size_t end, uint8_t* out) {
  size_t written = 0;
  while (pos < end) {
    uint64_t size = 0;
    CodecError err = CodecError::kNone;
    const size_t dataStart = chunkLine(d, pos, end, SIZE_MAX, &size, &err);
    if (dataStart == 0 || size == 0) break;  // validated before: only the last chunk stops us
    std::memcpy(out + written, d + dataStart, static_cast<size_t>(size));
    written += static_cast<size_t>(size);
    pos = dataStart + static_cast<size_t>(size) + 2;
  }
  return written;
}

std::unique_ptr<FrameDecoder> makeHttpDecoder(const HttpFraming& f) {
  if (f.maxBodySize > kHttpMaxBodyLimit || f.maxHeaderSize > kHttpMaxHeaderLimit || f.maxHeaderSize < 64 ||
      f.maxChunkExtensionSize > kHttpMaxChunkExtensionLimit) {
    return nullptr;
  }
  return std::make_unique<HttpDecoder>(f);
}

std::unique_ptr<FrameEncoder> makeHttpEncoder() { return std::make_unique<HttpEncoder>(); }

}  // namespace ringnet
