#include "http_request_line.h"

#include <cstring>

#include "http_chars.h"
#include "http_codec.h"

namespace ringnet {

using namespace http;

namespace {

// RFC 3986 character classes, one bit each.
enum : uint8_t {
  kUnreserved = 1,  // ALPHA DIGIT - . _ ~
  kSubDelim = 2,    // ! $ & ' ( ) * + , ; =
  kColonAt = 4,     // : @
  kSlashQuery = 8,  // / ?
  kBracket = 16,    // [ ]
  kSchemeRest = 32, // ALPHA DIGIT + - .
  kDigit = 64,
  kAlpha = 128,
};

struct UriTable {
  uint8_t t[256];
  // By character: a char subscript would be negative for bytes >= 0x80 (-Wchar-subscripts).
  constexpr uint8_t& at(char c) { return t[static_cast<uint8_t>(c)]; }
};

constexpr UriTable makeUriTable() {
  UriTable u{};
  for (int c = 'a'; c <= 'z'; ++c) u.t[c] = kUnreserved | kSchemeRest | kAlpha;
  for (int c = 'A'; c <= 'Z'; ++c) u.t[c] = kUnreserved | kSchemeRest | kAlpha;
  for (int c = '0'; c <= '9'; ++c) u.t[c] = kUnreserved | kSchemeRest | kDigit;
  u.at('-') = kUnreserved | kSchemeRest;
  u.at('.') = kUnreserved | kSchemeRest;
  u.at('_') = kUnreserved;
  u.at('~') = kUnreserved;
  const char subDelims[] = "!$&'()*+,;=";
  for (size_t i = 0; i + 1 < sizeof subDelims; ++i) u.at(subDelims[i]) |= kSubDelim;
  u.at('+') |= kSchemeRest;
  u.at(':') = kColonAt;
  u.at('@') = kColonAt;
  u.at('/') = kSlashQuery;
  u.at('?') = kSlashQuery;
  u.at('[') = kBracket;
  u.at(']') = kBracket;
  return u;
}

inline constexpr UriTable kUri = makeUriTable();

inline bool is(uint8_t c, uint8_t classes) { return (kUri.t[c] & classes) != 0; }

constexpr uint8_t kPchar = kUnreserved | kSubDelim | kColonAt;
constexpr uint8_t kPathChar = kPchar | kSlashQuery;

// May a '%' start a pct-encoding in this state?
bool allowsPct(uint8_t state) {
  using S = RequestLineScan;
  return state == S::kOrigin || state == S::kHier0 || state == S::kHier1 || state == S::kAuthority0 ||
         state == S::kAuthority || state == S::kPath || state == S::kConnectHost0 || state == S::kConnectRegName;
}

// After a pct-encoding, a state that was "nothing yet" has something.
uint8_t afterPct(uint8_t state) {
  using S = RequestLineScan;
  switch (state) {
    case S::kHier0:
    case S::kHier1: return S::kPath;
    case S::kAuthority0: return S::kAuthority;
    case S::kConnectHost0: return S::kConnectRegName;
    default: return state;
  }
}

bool methodIs(const uint8_t* d, size_t start, size_t len, const char* name) {
  return len == std::strlen(name) && std::memcmp(d + start, name, len) == 0;
}

// One target byte (not SP) in `state`: the next state, or kBad.
constexpr RequestLineScan::State kBad = RequestLineScan::kBad;

uint8_t targetStep(uint8_t state, uint8_t c) {
  using S = RequestLineScan;
  const uint8_t bad = kBad;  // (one type for the conditionals below)
  switch (state) {
    case S::kOrigin:
    case S::kPath: return is(c, kPathChar) ? state : bad;
    case S::kAsterisk: return kBad;
    case S::kScheme:
      if (c == ':') return S::kHier0;
      return is(c, kSchemeRest) ? state : bad;
    case S::kHier0:
      if (c == '/') return S::kHier1;
      return is(c, kPathChar) ? S::kPath : kBad;
    case S::kHier1:
      if (c == '/') return S::kAuthority0;
      return is(c, kPathChar) ? S::kPath : kBad;
    case S::kAuthority0:
      if (is(c, kSlashQuery)) return kBad;  // "scheme://" with an empty authority
      return is(c, kPchar | kBracket) ? S::kAuthority : kBad;
    case S::kAuthority:
      if (is(c, kSlashQuery)) return S::kPath;
      return is(c, kPchar | kBracket) ? state : bad;
    case S::kConnectHost0:
      if (c == '[') return S::kConnectIpLiteral;
      return is(c, kUnreserved | kSubDelim) ? S::kConnectRegName : kBad;
    case S::kConnectRegName:
      if (c == ':') return S::kConnectPort0;
      return is(c, kUnreserved | kSubDelim) ? state : bad;
    case S::kConnectIpLiteral:
      if (c == ']') return S::kConnectIpEnd;
      return is(c, kUnreserved | kSubDelim) || c == ':' ? state : bad;
    case S::kConnectIpEnd: return c == ':' ? S::kConnectPort0 : kBad;
    case S::kConnectPort0:
    case S::kConnectPort: return is(c, kDigit) ? S::kConnectPort : kBad;
    default: return kBad;
  }
}

// May the target end (SP) in this state?
bool targetComplete(uint8_t state) {
  using S = RequestLineScan;
  return state == S::kOrigin || state == S::kAsterisk || state == S::kHier0 || state == S::kHier1 ||
         state == S::kAuthority || state == S::kPath || state == S::kConnectPort;
}

}  // namespace

CodecError scanRequestLine(const uint8_t* d, size_t start, size_t stop, const HttpFraming& f,
                           RequestLineScan* s) {
  using S = RequestLineScan;
  size_t p = s->pos;
  uint8_t state = s->state;
  uint8_t pct = s->pct;
  CodecError result = CodecError::kNone;
  // The method: a token, then SP.
  while (state == S::kMethod && p < stop) {
    const uint8_t c = d[p];
    if (c == ' ') {
      const size_t n = p - start;
      if (n == 0) {
        result = CodecError::kHttpBadRequest;
        break;
      }
      const HttpMethodTable& table = f.methods ? *f.methods : *HttpMethodTable::standard();
      if (!table.contains(d + start, n)) {
        result = CodecError::kHttpNotImplemented;  // a method the server does not know (RFC 9110 9.1)
        break;
      }
      s->methodLength = n;
      state = S::kTargetStart;
    } else if (!isTchar(c) || p - start == kHttpMaxMethodLength) {
      result = CodecError::kHttpBadRequest;
      break;
    }
    ++p;
  }
  const size_t targetStart = start + s->methodLength + 1;
  while (result == CodecError::kNone && state != S::kDone && p < stop) {
    const uint8_t c = d[p];
    if (c == ' ') {
      if (pct != 0 || !targetComplete(state)) {
        result = CodecError::kHttpBadRequest;
        break;
      }
      state = S::kDone;
      ++p;
      break;
    }
    if (state == S::kTargetStart && methodIs(d, start, s->methodLength, "CONNECT")) {
      state = S::kConnectHost0;  // CONNECT takes the authority-form only
    }
    if (pct != 0) {
      if (hexValue(c) < 0) {
        result = CodecError::kHttpBadRequest;
        break;
      }
      --pct;
    } else if (state == S::kTargetStart) {
      if (c == '/') {
        state = S::kOrigin;
      } else if (c == '*') {
        state = methodIs(d, start, s->methodLength, "OPTIONS") ? S::kAsterisk : kBad;
      } else {
        state = is(c, kAlpha) ? S::kScheme : kBad;
      }
    } else if (c == '%' && allowsPct(state)) {
      pct = 2;
      state = afterPct(state);
    } else {
      state = targetStep(state, c);
    }
    if (state == kBad) {
      result = CodecError::kHttpBadRequest;
      break;
    }
    if (p + 1 - targetStart > f.maxUriLength) {
      result = CodecError::kHttpUriTooLong;
      break;
    }
    ++p;
  }
  s->pos = p;
  s->state = state;
  s->pct = pct;
  return result;
}

uint64_t packRequestLine(const RequestLineScan& s) {
  return (static_cast<uint64_t>(s.pct) << 27) | (static_cast<uint64_t>(s.state) << 22) |
         (static_cast<uint64_t>(s.pos) & ((uint64_t{1} << 22) - 1));
}

RequestLineScan unpackRequestLine(uint64_t bits, const uint8_t* d, size_t start) {
  RequestLineScan s;
  s.pos = static_cast<size_t>(bits & ((uint64_t{1} << 22) - 1));
  s.state = static_cast<uint8_t>((bits >> 22) & 31);
  s.pct = static_cast<uint8_t>((bits >> 27) & 3);
  if (s.pos < start || s.pos == 0) return RequestLineScan{start};  // fresh
  if (s.state != RequestLineScan::kMethod) {
    // The method ended at the first SP (the scan got past it).
    size_t n = 0;
    while (d[start + n] != ' ') ++n;
    s.methodLength = n;
  }
  return s;
}

}  // namespace ringnet
