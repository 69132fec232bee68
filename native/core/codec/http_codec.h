// HTTP/1.1 request framing: a strict request parser over byte spans (no Node,
// no sockets), written for ringnet. It rejects what llhttp rejects in strict
// mode and what RFC 9112 says a server must not guess at (request smuggling):
// Content-Length together with Transfer-Encoding, duplicate or malformed
// Content-Length, a Transfer-Encoding whose last coding is not chunked, bad
// chunk sizes or chunk extensions, invalid header names or values, obs-fold,
// bare CR or LF, a missing or repeated Host in HTTP/1.1, a method the server's
// table lacks (501), a request target outside RFC 9112/3986's grammar
// (http_request_line.h). Limits answer with their usual status
// (431 header section, 414 request target, 413 body).
//
// Progress is kept in the 8-byte DecoderState in the tail-rescanning style of
// the delimiter codec: the caller passes the same pending input plus new bytes,
// and the decoder resumes where it stopped (head: the last line end checked;
// body: the frame length, or the next chunk to read), so a request split into
// any number of reads is examined O(1) times per byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "codec.h"
#include "http_methods.h"

namespace ringnet {

struct HttpFraming {
  uint32_t maxHeaderSize = 16 * 1024;  // request line + header fields + blank line (431)
  uint32_t maxUriLength = 8 * 1024;    // request target (414)
  uint32_t maxHeaders = 100;           // header fields (431)
  uint64_t maxBodySize = 1024 * 1024;  // decoded body (413); at most kHttpMaxBodyLimit
  uint32_t maxChunkExtensionSize = 4096;  // bytes after a chunk size, before its CRLF (413)
  std::shared_ptr<const HttpMethodTable> methods;  // nullptr: HttpMethodTable::standard()
  // Timeouts (used by the protocol, http/http_protocol.cc; 0 = off):
  uint32_t headerTimeoutMs = 10000;    // a request head must arrive within this
  uint32_t bodyTimeoutMs = 10000;      // longest pause between reads of a request body
  uint32_t keepAliveTimeoutMs = 5000;  // idle between requests
};

// The DecoderState packing caps the body limit (29 bits of decoded length).
constexpr uint64_t kHttpMaxBodyLimit = (uint64_t{1} << 29) - 1;
constexpr uint32_t kHttpMaxHeaderLimit = 1024 * 1024;
constexpr uint32_t kHttpMaxChunkExtensionLimit = 64 * 1024;

// The status an error answers with.
int httpErrorStatus(CodecError e);

// What parsing a complete request head found.
struct HttpHead {
  size_t start = 0;          // first byte of the request line (after leading CRLFs)
  size_t end = 0;            // one past the blank line
  size_t methodLen = 0;      // the method is at `start`
  uint8_t method = kHttpOther;
  size_t targetOffset = 0;
  size_t targetLength = 0;
  uint8_t minor = 1;         // HTTP/1.<minor>; 1.x above 1 is treated as 1.1
  bool keepAlive = true;
  bool expectContinue = false;
  bool chunked = false;
  bool hasLength = false;
  uint64_t contentLength = 0;
  uint32_t headerCount = 0;
};

// Called for each header field, in order (offsets into the input).
using HttpHeaderFn = void (*)(void* ctx, size_t nameOffset, size_t nameLength, size_t valueOffset,
                              size_t valueLength);

// Parses data[head->start, end) which must end with the blank line's CRLF.
// Validates everything; returns kNone on success.
CodecError parseHttpHead(const uint8_t* data, size_t start, size_t end, const HttpFraming& limits,
                         HttpHead* head, HttpHeaderFn onHeader = nullptr, void* ctx = nullptr);

// Where the decoder is, from its state (for the protocol's timeouts).
enum class HttpPhase : uint8_t { kHead = 0, kLengthBody = 1, kChunkedBody = 2, kTrailers = 3 };
HttpPhase httpPhase(const DecoderState& s);
// The head asked for "Expect: 100-continue" and its body is still to come.
bool httpAwaitsContinue(const DecoderState& s);

// Copies the chunked body of a complete, validated message into out (which
// has room for the decoded length); returns the bytes written.
size_t copyChunkedBody(const uint8_t* data, size_t bodyStart, size_t end, uint8_t* out);

// The head the decoder parsed in the decode() call that returned the last
// frame on this thread, with its fields (nameOffset, nameLength, valueOffset,
// valueLength each, from `data`), so the protocol builds its record without
// parsing the head a second time. `data` is that call's input, or nullptr
// when the frame completed in a later call than its head (then parse again).
struct HttpLastHead {
  const uint8_t* data = nullptr;
  HttpHead head;
  std::vector<int32_t> fields;
};
HttpLastHead& httpLastHead();

// A frame is one whole request message, leading CRLFs included: consumed is
// its length, payload = the whole message. Errors carry an HTTP status
// (httpErrorStatus).
std::unique_ptr<FrameDecoder> makeHttpDecoder(const HttpFraming& f);
// conn.send() on an HTTP connection writes bytes as they are.
std::unique_ptr<FrameEncoder> makeHttpEncoder();

}  // namespace ringnet
