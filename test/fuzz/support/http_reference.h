// Reference checks for the HTTP fuzz target, written from RFC 9112 / RFC 3986
// as plainly as possible (whole strings, std::string searches, no state
// machines), so that they share no code and no structure with the decoder in
// native/core/codec/http_*. Each says whether an accepted request obeys the
// grammar the decoder promises.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace ringnet::fuzz::ref {

inline bool isTchar(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}
inline bool isFieldChar(uint8_t c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }
inline int hex(uint8_t c) {
  const char* digits = "0123456789abcdef";
  const char* hit = c != 0 ? std::strchr(digits, c | 0x20) : nullptr;
  return hit != nullptr ? static_cast<int>(hit - digits) : -1;
}
inline bool in(uint8_t c, const char* set) { return c != 0 && std::strchr(set, c) != nullptr; }
inline bool isAlpha(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool isDigit(uint8_t c) { return c >= '0' && c <= '9'; }
inline bool unreserved(uint8_t c) { return isAlpha(c) || isDigit(c) || in(c, "-._~"); }
inline bool subDelim(uint8_t c) { return in(c, "!$&'()*+,;="); }

// Every byte of s is allowed by ok() or is part of a "%" HEXDIG HEXDIG.
template <typename Ok>
bool charsOk(std::string_view s, Ok ok, bool pctAllowed = true) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c == '%' && pctAllowed) {
      if (i + 2 >= s.size()) return false;  // "%" needs two more bytes
      if (hex(static_cast<uint8_t>(s[i + 1])) < 0 || hex(static_cast<uint8_t>(s[i + 2])) < 0) return false;
      i += 2;
    } else if (!ok(c)) {
      return false;
    }
  }
  return true;
}

inline bool pathChar(uint8_t c) { return unreserved(c) || subDelim(c) || in(c, ":@/?"); }

// request-target for `method` (RFC 9112 3.2).
inline bool targetOk(std::string_view method, std::string_view t) {
  if (t.empty()) return false;
  if (t == "*") return method == "OPTIONS";
  if (method == "CONNECT") {  // authority-form: uri-host ":" port, port non-empty
    const size_t colon = t.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == t.size()) return false;
    for (size_t i = colon + 1; i < t.size(); ++i) {
      if (!isDigit(static_cast<uint8_t>(t[i]))) return false;
    }
    const std::string_view host = t.substr(0, colon);
    if (host[0] == '[') {
      if (host.back() != ']' || host.size() < 2) return false;
      return charsOk(host.substr(1, host.size() - 2), [](uint8_t c) { return unreserved(c) || subDelim(c) || c == ':'; },
                     false);
    }
    return charsOk(host, [](uint8_t c) { return unreserved(c) || subDelim(c); });
  }
  if (t[0] == '/') return charsOk(t, pathChar);
  // absolute-form: scheme ":" hier-part
  const size_t colon = t.find(':');
  if (colon == std::string_view::npos || !isAlpha(static_cast<uint8_t>(t[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    if (!(isAlpha(static_cast<uint8_t>(t[i])) || isDigit(static_cast<uint8_t>(t[i])) || in(static_cast<uint8_t>(t[i]), "+-."))) {
      return false;
    }
  }
  std::string_view rest = t.substr(colon + 1);
  if (rest.compare(0, 2, "//") == 0) {
    const size_t authEnd = rest.find_first_of("/?", 2);
    const std::string_view authority = rest.substr(2, authEnd == std::string_view::npos ? std::string_view::npos : authEnd - 2);
    if (authority.empty()) return false;
    if (!charsOk(authority, [](uint8_t c) { return unreserved(c) || subDelim(c) || in(c, ":@[]"); })) return false;
    rest = authEnd == std::string_view::npos ? "" : rest.substr(authEnd);
  }
  return charsOk(rest, pathChar);
}

// chunk-ext = *( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] ),
// recursive descent over the bytes between the chunk size and the CR.
inline bool chunkExtOk(std::string_view e) {
  size_t i = 0;
  const auto ws = [&] {
    while (i < e.size() && (e[i] == ' ' || e[i] == '\t')) ++i;
  };
  const auto token = [&] {
    const size_t from = i;
    while (i < e.size() && isTchar(static_cast<uint8_t>(e[i]))) ++i;
    return i > from;
  };
  while (i < e.size()) {
    ws();
    if (i == e.size() || e[i] != ';') return false;
    ++i;
    ws();
    if (!token()) return false;
    const size_t afterName = i;
    ws();
    if (i < e.size() && e[i] == '=') {
      ++i;
      ws();
      if (i < e.size() && e[i] == '"') {
        for (++i;; ++i) {
          if (i >= e.size()) return false;
          const auto c = static_cast<uint8_t>(e[i]);
          if (c == '"') break;
          if (c == '\\') {
            if (i + 1 >= e.size()) return false;
            const auto q = static_cast<uint8_t>(e[++i]);
            if (!(q == '\t' || (q >= 0x20 && q != 0x7f))) return false;
          } else if (!(c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c != 0x5c && c != 0x7f))) {
            return false;
          }
        }
        ++i;
      } else if (!token()) {
        return false;
      }
    } else {
      i = afterName;  // BWS must lead to the next ';'
    }
  }
  return true;
}

struct ChunkLimits {
  size_t maxExtension;   // bytes between the size and the CR
  size_t maxTrailers;    // trailer section, final CRLF included
};

// The chunked body from `pos` per RFC 9112 7.1 (as strict as the decoder: at
// most 15 size digits, extensions as above, trailer fields token ":"
// field-chars). Returns the offset after the final CRLF, or 0.
inline size_t dechunk(std::string_view s, size_t pos, const ChunkLimits& lim, std::string* body) {
  auto at = [&](size_t i) -> int { return i < s.size() ? static_cast<uint8_t>(s[i]) : -1; };
  auto crlf = [&](size_t i) { return at(i) == '\r' && at(i + 1) == '\n'; };
  for (;;) {
    uint64_t size = 0;
    size_t digits = 0;
    while (at(pos) >= 0 && hex(static_cast<uint8_t>(at(pos))) >= 0) {
      if (++digits > 15) return 0;
      size = size * 16 + static_cast<uint64_t>(hex(static_cast<uint8_t>(at(pos))));
      ++pos;
    }
    if (digits == 0) return 0;
    const size_t cr = s.find('\r', pos);
    if (cr == std::string_view::npos) return 0;
    const std::string_view ext = s.substr(pos, cr - pos);
    if (ext.size() > lim.maxExtension || !chunkExtOk(ext)) return 0;
    pos = cr;
    if (!crlf(pos)) return 0;
    pos += 2;
    if (size == 0) break;
    if (s.size() - pos < size + 2 || !crlf(pos + size)) return 0;
    body->append(s.substr(pos, size));
    pos += size + 2;
  }
  const size_t trailersStart = pos;
  while (!crlf(pos)) {  // trailer fields
    const size_t nameStart = pos;
    while (at(pos) >= 0 && isTchar(static_cast<uint8_t>(at(pos)))) ++pos;
    if (pos == nameStart || at(pos) != ':') return 0;
    for (++pos; at(pos) >= 0 && at(pos) != '\r'; ++pos) {
      if (!isFieldChar(static_cast<uint8_t>(at(pos)))) return 0;
    }
    if (!crlf(pos)) return 0;
    pos += 2;
  }
  if (pos + 2 - trailersStart > lim.maxTrailers) return 0;
  return pos + 2;
}

}  // namespace ringnet::fuzz::ref
