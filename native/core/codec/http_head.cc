// The request head: request line and header fields, validated in one pass.
#include <cstring>

#include "http_chars.h"
#include "http_codec.h"
#include "http_request_line.h"

namespace ringnet {

using namespace http;

int httpErrorStatus(CodecError e) {
  switch (e) {
    case CodecError::kHttpBodyTooLarge: return 413;
    case CodecError::kHttpUriTooLong: return 414;
    case CodecError::kHttpHeaderTooLarge: return 431;
    case CodecError::kHttpNotImplemented: return 501;
    case CodecError::kHttpVersion: return 505;
    default: return 400;
  }
}

namespace {

bool isOws(uint8_t c) { return c == ' ' || c == '\t'; }

// Content-Length: 1*DIGIT (a list such as "5, 5" is refused, as llhttp does).
bool parseLength(const uint8_t* v, size_t n, uint64_t* out) {
  if (n == 0) return false;
  uint64_t x = 0;
  for (size_t i = 0; i < n; ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
    if (x > (UINT64_MAX - 9) / 10) return false;  // absurd: refuse rather than wrap
    x = x * 10 + static_cast<uint64_t>(v[i] - '0');
  }
  *out = x;
  return true;
}

// Calls fn(token, length) for each element of a comma-separated list; false
// when an element is empty or not a token.
template <typename Fn>
bool forEachToken(const uint8_t* v, size_t n, Fn&& fn) {
  size_t i = 0;
  while (i < n) {
    size_t s = i;
    while (i < n && v[i] != ',') ++i;
    size_t e = i;
    while (s < e && isOws(v[s])) ++s;
    while (e > s && isOws(v[e - 1])) --e;
    if (s == e) return false;
    for (size_t k = s; k < e; ++k) {
      if (!isTchar(v[k])) return false;
    }
    fn(v + s, e - s);
    if (i < n) ++i;  // the comma
    if (i == n && v[n - 1] == ',') return false;  // trailing empty element
  }
  return true;
}

struct HeaderFacts {
  uint32_t hosts = 0;
  bool sawLength = false;
  bool sawTransferEncoding = false;
  bool close = false;
  bool keepAlive = false;
  CodecError error = CodecError::kNone;
};

void inspectHeader(const uint8_t* name, size_t nameLen, const uint8_t* value, size_t valueLen,
                   HttpHead* head, HeaderFacts* f) {
  switch (nameLen) {
    case 4:
      if (equalsLower(name, nameLen, "host", 4)) ++f->hosts;
      return;
    case 6:
      if (equalsLower(name, nameLen, "expect", 6) && equalsLower(value, valueLen, "100-continue", 12)) {
        head->expectContinue = true;
      }
      return;
    case 10:
      if (equalsLower(name, nameLen, "connection", 10)) {
        bool ok = forEachToken(value, valueLen, [&](const uint8_t* t, size_t n) {
          if (equalsLower(t, n, "close", 5)) f->close = true;
          if (equalsLower(t, n, "keep-alive", 10)) f->keepAlive = true;
        });
        if (!ok) f->error = CodecError::kHttpBadRequest;
      }
      return;
    case 14:
      if (equalsLower(name, nameLen, "content-length", 14)) {
        if (f->sawLength || !parseLength(value, valueLen, &head->contentLength)) {
          f->error = CodecError::kHttpBadRequest;  // duplicate or invalid
        }
        f->sawLength = true;
        head->hasLength = true;
      }
      return;
    case 17:
      if (equalsLower(name, nameLen, "transfer-encoding", 17)) {
        if (f->sawTransferEncoding) {
          f->error = CodecError::kHttpBadRequest;  // one field, one list: no guessing how to merge
          return;
        }
        f->sawTransferEncoding = true;
        size_t count = 0, chunkedAt = 0, chunkedCount = 0;
        bool ok = forEachToken(value, valueLen, [&](const uint8_t* t, size_t n) {
          ++count;
          if (equalsLower(t, n, "chunked", 7)) {
            ++chunkedCount;
            chunkedAt = count;
          }
        });
        if (!ok || chunkedCount == 0 || chunkedAt != count || chunkedCount > 1) {
          f->error = CodecError::kHttpBadRequest;  // chunked must be the last coding, once
        } else if (count > 1) {
          f->error = CodecError::kHttpNotImplemented;  // gzip, chunked: we do not decode codings
        }
        head->chunked = true;
      }
      return;
    default:
      return;
  }
}

}  // namespace

CodecError parseHttpHead(const uint8_t* d, size_t start, size_t end, const HttpFraming& limits,
                         HttpHead* head, HttpHeaderFn onHeader, void* ctx) {
  *head = HttpHead{};
  head->start = start;
  head->end = end;
  if (end - start > limits.maxHeaderSize) return CodecError::kHttpHeaderTooLarge;
  if (end - start < 4 || d[end - 2] != '\r' || d[end - 1] != '\n') return CodecError::kHttpBadRequest;

  // method SP request-target SP (the checks the decoder made as the bytes came)
  RequestLineScan line{start};
  if (CodecError e = scanRequestLine(d, start, end, limits, &line); e != CodecError::kNone) return e;
  if (line.state != RequestLineScan::kDone) return CodecError::kHttpBadRequest;
  head->methodLen = line.methodLength;
  head->method = httpMethodCode(d + start, head->methodLen);
  head->targetOffset = start + head->methodLen + 1;
  head->targetLength = line.pos - 1 - head->targetOffset;
  size_t p = line.pos;

  // HTTP-version CRLF
  if (end - p < 10 || std::memcmp(d + p, "HTTP/", 5) != 0) return CodecError::kHttpBadRequest;
  uint8_t major = d[p + 5], dot = d[p + 6], minor = d[p + 7];
  if (major < '0' || major > '9' || dot != '.' || minor < '0' || minor > '9') return CodecError::kHttpBadRequest;
  if (d[p + 8] != '\r' || d[p + 9] != '\n') return CodecError::kHttpBadRequest;
  if (major != '1') return CodecError::kHttpVersion;
  head->minor = minor == '0' ? 0 : 1;
  p += 10;

  // header fields, then the blank line
  HeaderFacts facts;
  while (true) {
    if (p >= end) return CodecError::kHttpBadRequest;
    if (d[p] == '\r') {
      if (p + 2 != end || d[p + 1] != '\n') return CodecError::kHttpBadRequest;
      break;
    }
    size_t nameStart = p;
    while (p < end && isTchar(d[p])) ++p;  // obs-fold (a line starting with SP/HTAB) fails here
    size_t nameLen = p - nameStart;
    if (nameLen == 0 || p >= end || d[p] != ':') return CodecError::kHttpBadRequest;
    ++p;
    while (p < end && isOws(d[p])) ++p;
    size_t valueStart = p, valueEnd = p;
    while (p < end && d[p] != '\r') {
      if (!isFieldValueChar(d[p])) return CodecError::kHttpBadRequest;  // CTL, bare LF
      if (!isOws(d[p])) valueEnd = p + 1;
      ++p;
    }
    if (p + 1 >= end || d[p + 1] != '\n') return CodecError::kHttpBadRequest;  // bare CR
    p += 2;
    if (++head->headerCount > limits.maxHeaders) return CodecError::kHttpHeaderTooLarge;
    inspectHeader(d + nameStart, nameLen, d + valueStart, valueEnd - valueStart, head, &facts);
    if (facts.error != CodecError::kNone) return facts.error;
    if (onHeader) onHeader(ctx, nameStart, nameLen, valueStart, valueEnd - valueStart);
  }

  if (head->chunked && head->hasLength) return CodecError::kHttpBadRequest;  // smuggling
  if (head->chunked && head->minor == 0) return CodecError::kHttpBadRequest;
  if (head->minor == 1 && facts.hosts != 1) return CodecError::kHttpBadRequest;  // RFC 9112 3.2
  if (head->minor == 0 && facts.hosts > 1) return CodecError::kHttpBadRequest;
  if (head->hasLength && head->contentLength > limits.maxBodySize) return CodecError::kHttpBodyTooLarge;
  head->keepAlive = head->minor == 1 ? !facts.close : (facts.keepAlive && !facts.close);
  if (!head->chunked && !head->hasLength) head->expectContinue = false;  // nothing to wait for
  return CodecError::kNone;
}

}  // namespace ringnet
