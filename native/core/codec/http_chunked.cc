#include "http_chunked.h"

#include "http_chars.h"

namespace ringnet::http {

namespace {

// Where a chunk extension is, byte by byte.
enum class Ext : uint8_t {
  kAfterValue,  // after the size or a whole extension: CR, BWS or ';'
  kBws,         // BWS that must lead to ';'
  kSemicolon,   // after ';' (BWS allowed): the name's first byte
  kName,
  kNameBws,     // BWS after a name: '=' or ';'
  kEquals,      // after '=' (BWS allowed): token or quoted-string
  kToken,
  kQuoted,
  kQuotedPair,  // after '\' inside quotes
  kBad,
};

bool isWs(uint8_t c) { return c == ' ' || c == '\t'; }

// qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
bool isQdtext(uint8_t c) { return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c != 0x5c && c != 0x7f); }

// quoted-pair's second byte: HTAB / SP / VCHAR / obs-text
bool isQuotable(uint8_t c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

Ext step(Ext s, uint8_t c) {
  switch (s) {
    case Ext::kAfterValue:
    case Ext::kBws:
      if (isWs(c)) return Ext::kBws;
      return c == ';' ? Ext::kSemicolon : Ext::kBad;
    case Ext::kSemicolon:
      if (isWs(c)) return s;
      return isTchar(c) ? Ext::kName : Ext::kBad;
    case Ext::kName:
      if (isTchar(c)) return s;
      if (isWs(c)) return Ext::kNameBws;
      return c == '=' ? Ext::kEquals : c == ';' ? Ext::kSemicolon : Ext::kBad;
    case Ext::kNameBws:
      if (isWs(c)) return s;
      return c == '=' ? Ext::kEquals : c == ';' ? Ext::kSemicolon : Ext::kBad;
    case Ext::kEquals:
      if (isWs(c)) return s;
      if (c == '"') return Ext::kQuoted;
      return isTchar(c) ? Ext::kToken : Ext::kBad;
    case Ext::kToken:
      if (isTchar(c)) return s;
      if (isWs(c)) return Ext::kBws;
      return c == ';' ? Ext::kSemicolon : Ext::kBad;
    case Ext::kQuoted:
      if (c == '"') return Ext::kAfterValue;
      if (c == '\\') return Ext::kQuotedPair;
      return isQdtext(c) ? s : Ext::kBad;
    case Ext::kQuotedPair: return isQuotable(c) ? Ext::kQuoted : Ext::kBad;
    default: return Ext::kBad;
  }
}

// May the line end (CR) here?
bool mayEnd(Ext s) { return s == Ext::kAfterValue || s == Ext::kName || s == Ext::kToken; }

}  // namespace

size_t chunkLine(const uint8_t* d, size_t pos, size_t len, size_t maxExtension, uint64_t* size,
                 CodecError* err) {
  size_t p = pos;
  uint64_t s = 0;
  while (p < len && hexValue(d[p]) >= 0) {
    if (p - pos >= 15) {  // more than 60 bits of size: no body limit allows that
      *err = CodecError::kHttpBodyTooLarge;
      return 0;
    }
    s = (s << 4) | static_cast<uint64_t>(hexValue(d[p]));
    ++p;
  }
  if (p == len) return 0;
  if (p == pos) {
    *err = CodecError::kHttpBadRequest;  // no digits: "-1", "0x10", " 5", ...
    return 0;
  }
  const size_t extStart = p;
  Ext state = Ext::kAfterValue;
  for (; p < len && d[p] != '\r'; ++p) {
    if (p - extStart >= maxExtension) {
      *err = CodecError::kHttpBodyTooLarge;  // as node:http answers oversized extensions
      return 0;
    }
    state = step(state, d[p]);
    if (state == Ext::kBad) {
      *err = CodecError::kHttpBadRequest;
      return 0;
    }
  }
  if (p == len) return 0;
  if (!mayEnd(state)) {
    *err = CodecError::kHttpBadRequest;  // "2;", "2 ", "2;a=", an open quote
    return 0;
  }
  if (p + 1 >= len) return 0;
  if (d[p + 1] != '\n') {
    *err = CodecError::kHttpBadRequest;
    return 0;
  }
  *size = s;
  return p + 2;
}

size_t trailerLine(const uint8_t* d, size_t pos, size_t len, bool* last, CodecError* err) {
  if (len - pos < 2) return 0;
  if (d[pos] == '\r') {
    if (d[pos + 1] != '\n') {
      *err = CodecError::kHttpBadRequest;
      return 0;
    }
    *last = true;
    return pos + 2;
  }
  size_t p = pos;
  while (p < len && isTchar(d[p])) ++p;
  if (p == len) return 0;
  if (p == pos || d[p] != ':') {
    *err = CodecError::kHttpBadRequest;
    return 0;
  }
  for (++p; p < len && d[p] != '\r'; ++p) {
    if (!isFieldValueChar(d[p])) {
      *err = CodecError::kHttpBadRequest;
      return 0;
    }
  }
  if (p + 1 >= len) return 0;
  if (d[p + 1] != '\n') {
    *err = CodecError::kHttpBadRequest;
    return 0;
  }
  return p + 2;
}

}  // namespace ringnet::http
