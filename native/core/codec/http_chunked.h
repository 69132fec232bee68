// Chunked transfer coding lines (RFC 9112 7.1): the chunk-size line with its
// extensions, and trailer field lines. Each function looks at one line from
// `pos` and either completes it, needs more input, or refuses it as soon as
// the bytes prove it bad (so the answer does not depend on how it is split).
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec.h"

namespace ringnet::http {

// chunk-size [ chunk-ext ] CRLF, where
//   chunk-size = 1*HEXDIG (at most 15 digits, else 413)
//   chunk-ext  = *( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )
// An empty extension name ("2;"), a space inside a token, whitespace before
// the CRLF, an unbalanced quote: 400. More than maxExtension bytes between the
// size and the CR: 413. Returns the offset after the CRLF (setting *size), 0
// when more input is needed or on error (setting *err).
size_t chunkLine(const uint8_t* d, size_t pos, size_t len, size_t maxExtension, uint64_t* size,
                 CodecError* err);

// One trailer field line (token ":" field-value CRLF) or the final CRLF
// (*last). Returns the offset after it, 0 when more input is needed or on
// error (*err).
size_t trailerLine(const uint8_t* d, size_t pos, size_t len, bool* last, CodecError* err);

}  // namespace ringnet::http
