// Fuzz target: HTTP/1.1 request framing (native/core/codec/http_decoder.cc,
// http_head.cc). Input: config bytes (HttpFraming limits), a u32 rng seed, then
// the rest, used twice (see make-seeds.js):
//
//  1. as a raw byte stream: cut anywhere it must decode to the same requests,
//     the same error and the same consumed bytes as when fed whole; every
//     request stays inside maxHeaderSize / maxUriLength / maxHeaders /
//     maxBodySize; every error is one of the HTTP codes; the bytes past every
//     decode call's input are ASan-poisoned (ASan reports any read past it).
//     Each request of the whole-stream pass is read back the way the protocol
//     builds its record (http_protocol.cc buildRecord; the cut pass's frames
//     must be the same byte ranges, so they are the same requests): the head
//     the decoder cached must equal a fresh parse (on both passes); its method must be in the server's table and its target
//     obey RFC 9112/3986 (support/http_reference.h); a reference de-chunker
//     written from the RFC 9112 grammar (chunk-extension grammar and cap,
//     trailers within maxHeaderSize) must agree with copyChunkedBody and end
//     exactly where the frame ends.
//  2. as a program for a generator of well-formed pipelined requests (a method
//     of the table, a target in each of the four forms, version, headers with
//     OWS, Content-Length or a chunked body in random chunk sizes with
//     extensions — tokens, quoted strings with quoted-pairs, BWS — and
//     trailers): decoded whole and cut, they must come back exactly as generated.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/codec/http_codec.h"
#include "support/codec_props.h"
#include "support/http_reference.h"

using namespace ringnet;
using namespace ringnet::fuzz;

namespace {

struct Config {
  HttpFraming f;
  std::vector<std::string> own;      // a server's own table (shape bit 32)
  const std::vector<std::string>* methods = &standardHttpMethods();  // the table the server was given
};

Config readConfig(FuzzInput& in) {
  Config c;
  HttpFraming& f = c.f;
  const uint8_t shape = in.u8();
  // Small limits make every limit path reachable within -max_len; shape bits
  // pick the production defaults or the largest body limit now and then.
  f.maxHeaderSize = (shape & 1) ? 16 * 1024 : 64 + in.u16() % 4096;
  f.maxUriLength = (shape & 2) ? 8 * 1024 : in.u16() % 1100;
  f.maxHeaders = (shape & 4) ? 100 : in.u8() % 40;
  f.maxBodySize = (shape & 8) ? kHttpMaxBodyLimit : in.u16() % 3000;
  if (shape & 16) f.maxChunkExtensionSize = in.u16() % 300;
  if (shape & 32) {  // a server's own table: some standard, some extension methods
    static const char* const kPool[] = {"GET", "POST", "BREW", "WHEN", "M-SEARCH", "x", "PUT", "OPTIONS",
                                        "CONNECT", "PROPFIND", "get", "~!#$%&'*+-.^_`|", "HEAD", "QUERY"};
    const uint16_t pick = in.u16() | 1;
    c.methods = &c.own;
    for (size_t i = 0; i < sizeof kPool / sizeof kPool[0]; ++i) {
      if (pick & (1u << i)) c.own.emplace_back(kPool[i]);
    }
    f.methods = HttpMethodTable::make(c.own);
  }
  return c;
}

// One decoded request, as the protocol hands it to JS.
struct Request {
  std::string method;
  uint8_t methodCode = 0;
  std::string target;
  uint8_t minor = 1;
  bool keepAlive = true;
  bool expectContinue = false;
  bool chunked = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool operator==(const Request& o) const {
    return method == o.method && methodCode == o.methodCode && target == o.target && minor == o.minor &&
           keepAlive == o.keepAlive && expectContinue == o.expectContinue && chunked == o.chunked &&
           headers == o.headers && body == o.body;
  }
};

void collectField(void* ctx, size_t nameOffset, size_t nameLength, size_t valueOffset, size_t valueLength) {
  auto* fields = static_cast<std::vector<int32_t>*>(ctx);
  for (size_t v : {nameOffset, nameLength, valueOffset, valueLength}) fields->push_back(static_cast<int32_t>(v));
}

bool sameHead(const HttpHead& a, const HttpHead& b) {
  return a.start == b.start && a.end == b.end && a.methodLen == b.methodLen && a.method == b.method &&
         a.targetOffset == b.targetOffset && a.targetLength == b.targetLength && a.minor == b.minor &&
         a.keepAlive == b.keepAlive && a.expectContinue == b.expectContinue && a.chunked == b.chunked &&
         a.hasLength == b.hasLength && a.contentLength == b.contentLength && a.headerCount == b.headerCount;
}

// A fresh parse of the head of the frame at data (leading CRLFs skipped).
void parseHead(const uint8_t* data, size_t length, const HttpFraming& f, HttpHead* h, std::vector<int32_t>* fields) {
  size_t start = 0;
  while (start + 1 < length && data[start] == '\r' && data[start + 1] == '\n') start += 2;
  FUZZ_CHECK(start <= f.maxHeaderSize);
  const void* hit = memmem(data + start, length - start, "\r\n\r\n", 4);
  FUZZ_CHECK(hit != nullptr);
  const size_t headEnd = static_cast<size_t>(static_cast<const uint8_t*>(hit) - data) + 4;
  fields->clear();
  FUZZ_CHECK(parseHttpHead(data, start, headEnd, f, h, collectField, fields) == CodecError::kNone);
}

// The record builder's cache (http_protocol.cc buildRecord): when the head was
// parsed in this decode call, the cached head must equal a fresh parse.
// Returns whether it checked (and parsed into *h / *fields).
bool checkCachedHead(const uint8_t* data, size_t length, const HttpFraming& f, HttpHead* h,
                     std::vector<int32_t>* fields) {
  HttpLastHead& last = httpLastHead();
  const bool cached = last.data == data;
  if (cached) {
    parseHead(data, length, f, h, fields);
    FUZZ_CHECK(sameHead(last.head, *h));
    FUZZ_CHECK(last.fields == *fields);
  }
  last.data = nullptr;  // as buildRecord does
  return cached;
}

// Reads the frame just returned by decode() the way buildRecord does, checking
// that it is a valid request within the limits; fills *out (when given) with
// the request for comparison. Without out nothing is copied: the input
// stream's requests are only checked, the generated ones also compared.
void readRequest(const uint8_t* data, size_t length, const Config& cfg, Request* out) {
  const HttpFraming& f = cfg.f;
  HttpHead h;
  static thread_local std::vector<int32_t> fields;
  if (!checkCachedHead(data, length, f, &h, &fields)) parseHead(data, length, f, &h, &fields);

  FUZZ_CHECK(h.end - h.start <= f.maxHeaderSize);
  FUZZ_CHECK(h.targetLength > 0 && h.targetLength <= f.maxUriLength);
  FUZZ_CHECK(h.headerCount <= f.maxHeaders && fields.size() == 4 * size_t{h.headerCount});
  FUZZ_CHECK(!(h.chunked && h.hasLength));

  const std::string_view frame(reinterpret_cast<const char*>(data), length);
  const std::string_view method = frame.substr(h.start, h.methodLen);
  const std::string_view target = frame.substr(h.targetOffset, h.targetLength);
  FUZZ_CHECK(std::find(cfg.methods->begin(), cfg.methods->end(), method) != cfg.methods->end());
  FUZZ_CHECK(ref::targetOk(method, target));
  static thread_local std::string scratch;
  std::string& body = out ? out->body : scratch;
  body.clear();
  if (h.chunked) {
    const size_t end = ref::dechunk(frame, h.end, {f.maxChunkExtensionSize, f.maxHeaderSize}, &body);
    FUZZ_CHECK(end == length);  // the frame ends where the chunked body does
    // copyChunkedBody writes into a buffer of exactly the decoded size (the
    // bytes past it poisoned).
    static thread_local ExactBuffer copied;
    uint8_t* dst = copied.get(body.size());
    FUZZ_CHECK(copyChunkedBody(data, h.end, length, dst) == body.size());
    FUZZ_CHECK(std::memcmp(dst, body.data(), body.size()) == 0);
  } else {
    FUZZ_CHECK(length - h.end == (h.hasLength ? h.contentLength : 0));
    if (out) body.assign(frame.substr(h.end));
  }
  FUZZ_CHECK(h.end <= length && (h.chunked ? body.size() : length - h.end) <= f.maxBodySize);
  if (!out) return;
  Request& r = *out;
  r.method.assign(method);
  r.methodCode = h.method;
  r.target.assign(target);
  r.minor = h.minor;
  r.keepAlive = h.keepAlive;
  r.expectContinue = h.expectContinue;
  r.chunked = h.chunked;
  for (size_t i = 0; i < fields.size(); i += 4) {
    r.headers.emplace_back(frame.substr(static_cast<size_t>(fields[i]), static_cast<size_t>(fields[i + 1])),
                           frame.substr(static_cast<size_t>(fields[i + 2]), static_cast<size_t>(fields[i + 3])));
  }
}

bool isHttpError(CodecError e) {
  switch (e) {
    case CodecError::kHttpBadRequest:
    case CodecError::kHttpBodyTooLarge:
    case CodecError::kHttpUriTooLong:
    case CodecError::kHttpHeaderTooLarge:
    case CodecError::kHttpNotImplemented:
    case CodecError::kHttpVersion:
      return true;
    default:
      return false;
  }
}

struct Outcome {
  std::vector<Request> requests;  // kept only on a full pass that keeps them (see decodeHttpStream)
  std::vector<size_t> consumed;
  bool error = false;
  CodecError code = CodecError::kNone;
  size_t leftover = 0;
};

// Feeds `stream` in the given pieces the way the reactor does (pending tail +
// new bytes, decode until it needs more). full: read every request back
// (readRequest: the grammar, limits, reference de-chunker); otherwise only the
// frame boundaries and the head cache are checked. A request is a function of
// its frame's bytes, so a cut pass whose frames are the whole pass's frames
// (same offsets, same sizes: sameHttpOutcome) has the same requests without
// reading them twice. keep: the requests read are also returned.
Outcome decodeHttpStream(const FrameDecoder& dec, const Config& f, const std::string& stream,
                         const std::vector<size_t>& pieces, bool full, bool keep = false) {
  Outcome out;
  static thread_local std::vector<int32_t> fields;
  const size_t pending = feedStream(
      dec, stream, pieces,
      [&](const uint8_t* data, const DecodeResult& r, size_t) {
        FUZZ_CHECK(r.payloadOffset == 0 && r.payloadLength == r.consumed);  // the whole message
        if (full && keep) {
          readRequest(data, r.consumed, f, &out.requests.emplace_back());
        } else if (full) {
          readRequest(data, r.consumed, f, nullptr);
        } else {
          HttpHead h;
          checkCachedHead(data, r.consumed, f.f, &h, &fields);
        }
        out.consumed.push_back(r.consumed);
      },
      [&](const DecodeResult& r, size_t len) {
        FUZZ_CHECK(isHttpError(r.error));
        const int status = httpErrorStatus(r.error);
        FUZZ_CHECK(status == 400 || status == 413 || status == 414 || status == 431 || status == 501 ||
                   status == 505);
        out.error = true;
        out.code = r.error;
        out.leftover = len;
      },
      /*scannedBounded=*/false);
  if (!out.error) out.leftover = pending;
  return out;
}

// Errors are compared by code but leftover only without one: an error is
// reported as soon as it is provable, which in pieces can be before the whole
// stream has arrived. Frames are compared by size (hence offset): see
// decodeHttpStream.
bool sameHttpOutcome(const Outcome& a, const Outcome& b) {
  return a.consumed == b.consumed && a.error == b.error && a.code == b.code && (a.error || a.leftover == b.leftover);
}

Outcome checkHttpCutAnywhere(const FrameDecoder& dec, const Config& f, const std::string& stream, Rng& rng,
                             bool keepRequests) {
  Outcome whole = decodeHttpStream(dec, f, stream, wholeCut(stream.size()), /*full=*/true, keepRequests);
  FUZZ_CHECK(sameHttpOutcome(decodeHttpStream(dec, f, stream, sampledCuts(stream.size(), rng), false), whole));
  return whole;
}

// ---- generator of well-formed requests -------------------------------------

const char kTchars[] = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

std::string token(FuzzInput& g, size_t maxLen) {
  std::string t(1 + g.u8() % maxLen, 'x');
  for (char& ch : t) ch = kTchars[g.u8() % (sizeof kTchars - 1)];
  return t;
}

// Field-value characters (obs-text included); no OWS at either end.
std::string fieldValue(FuzzInput& g, size_t maxLen) {
  std::string v(g.u8() % (maxLen + 1), 'x');
  for (char& ch : v) {
    const uint8_t b = g.u8();
    ch = static_cast<char>(ref::isFieldChar(b) ? b : 'a' + b % 26);
  }
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.back() = '.';
  if (!v.empty() && (v[0] == ' ' || v[0] == '\t')) v[0] = '.';
  return v;
}

// A header name in random letter case.
std::string randomCase(FuzzInput& g, std::string name) {
  const uint8_t mask = g.u8();
  for (size_t i = 0; i < name.size(); ++i) {
    if ((mask >> (i % 8)) & 1) name[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[i])));
  }
  return name;
}

std::string ows(FuzzInput& g) {
  static const char* const kOws[] = {"", "", " ", "\t", "  ", " \t "};
  return kOws[g.u8() % 6];
}

bool isSpecialName(const std::string& n) {
  std::string l(n);
  for (char& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return l == "host" || l == "content-length" || l == "transfer-encoding" || l == "connection" || l == "expect";
}

uint8_t methodCodeRef(const std::string& m) {
  static const char* const kNames[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  for (uint8_t i = 0; i < 9; ++i) {
    if (m == kNames[i]) return static_cast<uint8_t>(kHttpGet + i);
  }
  return kHttpOther;
}

std::string hex(uint64_t v, bool upper) {
  std::string s;
  do {
    s.insert(s.begin(), (upper ? "0123456789ABCDEF" : "0123456789abcdef")[v & 15]);
    v >>= 4;
  } while (v);
  return s;
}

std::string bws(FuzzInput& g) {
  static const char* const kBws[] = {"", "", "", " ", "\t", " \t"};
  return kBws[g.u8() % 6];
}

// quoted-string: qdtext and quoted-pairs (obs-text included).
std::string quoted(FuzzInput& g, size_t maxLen) {
  std::string q = "\"";
  for (size_t n = g.u8() % (maxLen + 1); n > 0; --n) {
    const uint8_t b = g.u8();
    if (b == '"' || b == '\\') {
      q += '\\';
      q += static_cast<char>(b);
    } else if (b == '\t' || (b >= 0x20 && b != 0x7f)) {
      q += static_cast<char>(b);
    } else {
      q += "\\ ";  // a quoted-pair of SP
    }
  }
  return q + "\"";
}

// Chunk extensions: ';' name [ '=' token / quoted-string ], BWS where RFC 9112 allows it.
std::string chunkExtension(FuzzInput& g) {
  std::string e;
  for (int n = g.u8() % 3; n > 0; --n) {
    e += bws(g) + ";" + bws(g) + token(g, 8);
    switch (g.u8() % 3) {
      case 1: e += bws(g) + "=" + bws(g) + token(g, 8); break;
      case 2: e += bws(g) + "=" + bws(g) + quoted(g, 8); break;
      default: break;
    }
  }
  return e;
}

// The chunked encoding of `body`: chunk sizes 1..64 from g, hex in either case
// with leading zeros, extensions (within the cap), last chunk, 0-2 trailer
// fields (within maxHeaderSize).
std::string chunked(FuzzInput& g, const HttpFraming& f, const std::string& body) {
  const auto ext = [&] {
    std::string e = chunkExtension(g);
    return e.size() <= f.maxChunkExtensionSize ? e : std::string();
  };
  std::string w;
  for (size_t at = 0; at < body.size();) {
    const size_t n = std::min<size_t>(body.size() - at, 1 + g.u8() % 64);
    const uint8_t style = g.u8();
    w += std::string(style % 3 == 0 ? style % 5 : 0, '0') + hex(n, style & 0x40) + ext() + "\r\n";
    w.append(body, at, n);
    w += "\r\n";
    at += n;
  }
  w += std::string(1 + g.u8() % 3, '0') + ext() + "\r\n";
  std::string trailers;
  for (int t = g.u8() % 3; t > 0; --t) trailers += token(g, 12) + ":" + ows(g) + fieldValue(g, 16) + "\r\n";
  if (trailers.size() + 2 > f.maxHeaderSize) trailers.clear();
  return w + trailers + "\r\n";
}

// path / query bytes (pchar / "/" / "?", pct-encodings), exactly n of them.
std::string pathBytes(FuzzInput& g, size_t n) {
  static const char kPath[] = "abcxyzABZ019-._~!$&'()*+,;=:@/?";
  std::string s;
  while (s.size() < n) {
    const uint8_t b = g.u8();
    if (b % 11 == 0 && s.size() + 3 <= n) {
      s += '%';
      s += "0123456789abcdefABCDEF"[g.u8() % 22];
      s += "0123456789abcdefABCDEF"[g.u8() % 22];
    } else {
      s += kPath[b % (sizeof kPath - 1)];
    }
  }
  return s;
}

// A request target in the form `method` takes (RFC 9112 3.2), about len bytes.
std::string requestTarget(FuzzInput& g, const std::string& method, size_t len) {
  static const char kHost[] = "abcxyz019-._~!$&'()*+,;=";
  if (method == "CONNECT") {
    std::string host;
    if (g.flag()) {
      host = "[";
      for (size_t n = 1 + g.u8() % 20; n > 0; --n) host += "0123456789abcdef:."[g.u8() % 18];
      host += "]";
    } else {
      for (size_t n = 1 + g.u8() % std::max<size_t>(1, len); n > 0; --n) host += kHost[g.u8() % (sizeof kHost - 1)];
    }
    return host + ":" + std::to_string(g.u16());
  }
  if (method == "OPTIONS" && g.u8() % 3 == 0) return "*";
  switch (g.u8() % 5) {
    case 0: {
      std::string auth = g.flag() ? "user@" : "";
      auth += g.flag() ? "[::1]" : "example.com";
      if (g.flag()) auth += ":" + std::to_string(g.u16());
      return (g.flag() ? "http://" : "HTTPS+x.-://") + auth + (g.flag() ? "/" + pathBytes(g, len / 2) : "");
    }
    case 1: {
      std::string rest = pathBytes(g, len / 2);
      if (rest.compare(0, 2, "//") == 0) rest[0] = 'x';  // "urn://..." would need an authority
      return "urn:" + rest;
    }
    default: return "/" + pathBytes(g, len - 1);
  }
}

// One well-formed request from g that fits the limits; false if it would not
// (then it is left out of the stream).
bool generate(FuzzInput& g, const Config& cfg, size_t maxFrame, std::string* wire, Request* want) {
  const HttpFraming& f = cfg.f;
  Request r;
  r.method = (*cfg.methods)[g.u8() % cfg.methods->size()];
  r.methodCode = methodCodeRef(r.method);

  if (f.maxUriLength == 0) return false;
  const size_t targetLen = g.u8() == 0xff ? f.maxUriLength : 1 + g.u16() % std::min<size_t>(f.maxUriLength, 300);
  r.target = requestTarget(g, r.method, targetLen);
  if (r.target.size() > f.maxUriLength) return false;
  const uint8_t v = g.u8() % 8;
  const std::string version = v < 5 ? "1.1" : v < 7 ? "1.0" : "1." + std::to_string(2 + g.u8() % 8);
  r.minor = v >= 5 && v < 7 ? 0 : 1;

  std::vector<std::pair<std::string, std::string>> lines;  // name, value as sent (with OWS)
  const size_t extra = g.u8() % 8;
  for (size_t i = 0; i < extra; ++i) {
    std::string name = token(g, 24);
    if (isSpecialName(name)) name = "x-" + name;
    std::string value = fieldValue(g, 40);
    lines.emplace_back(name, value);
  }
  // Special fields at random positions.
  auto insert = [&](const std::string& name, const std::string& value) {
    const size_t at = g.u8() % (lines.size() + 1);
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), {randomCase(g, name), value});
  };
  if (r.minor == 1 || g.flag()) insert("host", fieldValue(g, 20));
  bool close = false, keepAliveToken = false;
  if (g.u8() % 3 == 0) {
    std::string list;
    for (int n = 1 + g.u8() % 3; n > 0; --n) {
      static const char* const kOptions[] = {"close", "keep-alive", "Upgrade", "CLOSE", "Keep-Alive"};
      const uint8_t o = g.u8() % 6;
      const std::string t = o < 5 ? kOptions[o] : token(g, 10);
      std::string lt(t);
      for (char& ch : lt) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      close |= lt == "close";
      keepAliveToken |= lt == "keep-alive";
      list += (list.empty() ? "" : g.flag() ? ", " : ",") + t;
    }
    insert("connection", list);
  }
  r.keepAlive = r.minor == 1 ? !close : keepAliveToken && !close;
  const bool expect = g.u8() % 4 == 0;
  if (expect) insert("expect", g.flag() ? "100-continue" : "100-Continue");

  const uint8_t bodyKind = g.u8() % 3;  // none, Content-Length, chunked (1.1 only)
  const size_t bodyLen = bodyKind ? g.u16() % (std::min<uint64_t>(f.maxBodySize, 2000) + 1) : 0;
  r.body = g.bytes(bodyLen);
  std::string bodyWire = r.body;
  if (bodyKind == 2 && r.minor == 1) {
    r.chunked = true;
    insert("transfer-encoding", g.flag() ? "chunked" : "Chunked");
    bodyWire = chunked(g, f, r.body);
  } else if (bodyKind) {
    insert("content-length", std::string(g.u8() % 3, '0') + std::to_string(r.body.size()));
  }
  r.expectContinue = expect && bodyKind != 0;
  if (lines.size() > f.maxHeaders) return false;

  std::string head = r.method + " " + r.target + " HTTP/" + version + "\r\n";
  for (const auto& [name, value] : lines) {
    head += name + ":" + ows(g) + value + ows(g) + "\r\n";
    r.headers.emplace_back(name, value);
  }
  head += "\r\n";
  std::string crlfs;  // empty lines before a request are skipped (RFC 9112 2.2)
  for (int n = g.u8() % 4 == 0 ? 1 + g.u8() % 3 : 0; n > 0; --n) crlfs += "\r\n";
  if (head.size() > f.maxHeaderSize) return false;
  *wire = crlfs + head + bodyWire;
  if (wire->size() > maxFrame) return false;
  *want = std::move(r);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const Config cfg = readConfig(in);
  auto dec = makeHttpDecoder(cfg.f);
  FUZZ_CHECK(dec != nullptr);  // readConfig only builds valid configurations
  Rng rng(in.u32());
  const std::string stream = in.rest();

  // 1. The input as it comes.
  checkHttpCutAnywhere(*dec, cfg, stream, rng, /*keepRequests=*/false);

  // 2. Round trip: the same bytes drive a generator of pipelined requests.
  FuzzInput g(reinterpret_cast<const uint8_t*>(stream.data()), stream.size());
  std::string wire;
  std::vector<Request> want;
  std::vector<size_t> sizes;
  for (int i = 0; i < 8 && g.remaining() > 0; ++i) {
    std::string one;
    Request r;
    if (!generate(g, cfg, dec->maxFrameLength(), &one, &r)) continue;
    wire += one;
    want.push_back(std::move(r));
    sizes.push_back(one.size());
  }
  const Outcome got = checkHttpCutAnywhere(*dec, cfg, wire, rng, /*keepRequests=*/true);
  if (got.error && std::getenv("FUZZ_VERBOSE") != nullptr) {  // what the generator made, escaped
    std::fprintf(stderr, "generated (error %d):\n", httpErrorStatus(got.code));
    for (unsigned char ch : wire) {
      if (ch >= 0x20 && ch < 0x7f) std::fputc(ch, stderr); else std::fprintf(stderr, "\\x%02x", ch);
    }
    std::fputc('\n', stderr);
  }
  FUZZ_CHECK(!got.error && got.leftover == 0);
  FUZZ_CHECK(got.consumed == sizes);
  FUZZ_CHECK(got.requests == want);
  return 0;
}
