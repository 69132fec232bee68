// "method SP request-target SP" checked byte by byte, resumably: the decoder
// examines each byte of a request line once however the line is split into
// reads, and refuses it as soon as its bytes prove it bad (the answer depends
// only on the bytes seen, so a split line gets the answer the whole one gets).
//
// Method: a token of at most kHttpMaxMethodLength bytes that the server's
// method table holds (else 501). Target (RFC 9112 3.2, RFC 3986 characters):
//   origin-form     "/" path and query: pchar / "/" / "?"
//   absolute-form   scheme ":" hier-part [ "?" query ] (an authority after
//                   "//" must not be empty)
//   authority-form  uri-host ":" port, for CONNECT and only for CONNECT
//   asterisk-form   "*", for OPTIONS only
// pchar = unreserved / pct-encoded / sub-delims / ":" / "@"; a '%' needs two
// hex digits; raw bytes >= 0x80, CTLs, DEL, '#', '"', '<', '>', '\', '^', '`',
// '{', '|', '}' are refused (400). More than maxUriLength target bytes: 414.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec.h"

namespace ringnet {

struct HttpFraming;

struct RequestLineScan {
  enum State : uint8_t {
    kMethod = 0,
    kTargetStart,
    kOrigin,            // origin-form, after the '/'
    kAsterisk,          // after '*'
    kScheme,            // absolute-form: scheme
    kHier0,             // after "scheme:"
    kHier1,             // after "scheme:/"
    kAuthority0,        // after "scheme://", nothing yet
    kAuthority,         // authority
    kPath,              // absolute-form path / query
    kConnectHost0,      // CONNECT: nothing yet
    kConnectRegName,    // reg-name
    kConnectIpLiteral,  // inside "[...]"
    kConnectIpEnd,      // after ']'
    kConnectPort0,      // after ':'
    kConnectPort,       // port digits
    kDone,              // the target's SP was seen; pos is the version's first byte
    kBad,               // (a refused byte; never stored)
  };
  size_t pos = 0;     // next byte to examine (offset in the input)
  uint8_t state = kMethod;
  uint8_t pct = 0;    // hex digits a '%' still needs
  size_t methodLength = 0;  // known from kTargetStart on (recomputed on resume)
};

// Advances `s` over d[s->pos, stop) (`start`: the request line's first byte).
// kNone while the bytes so far are a valid prefix (s->state == kDone once the
// target is complete); otherwise the status to answer.
CodecError scanRequestLine(const uint8_t* d, size_t start, size_t stop, const HttpFraming& f,
                           RequestLineScan* s);

// 29 bits for DecoderState: pos (22 bits: heads are at most 2 MiB into the
// input), state (5), pct (2).
uint64_t packRequestLine(const RequestLineScan& s);
RequestLineScan unpackRequestLine(uint64_t bits, const uint8_t* d, size_t start);

}  // namespace ringnet
