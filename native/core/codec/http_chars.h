// Character classes of RFC 9110 used by the HTTP parser.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringnet::http {

struct CharTable {
  bool t[256];
};

constexpr CharTable makeTcharTable() {
  CharTable table{};
  for (int c = '0'; c <= '9'; ++c) table.t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table.t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table.t[c] = true;
  const char extra[] = "!#$%&'*+-.^_`|~";
  for (size_t i = 0; i + 1 < sizeof extra; ++i) table.t[static_cast<uint8_t>(extra[i])] = true;
  return table;
}

// A compile-time table: no static-initialisation guard on the per-byte path.
inline constexpr CharTable kTchar = makeTcharTable();

// tchar: "!#$%&'*+-.^_`|~" DIGIT ALPHA
inline bool isTchar(uint8_t c) { return kTchar.t[c]; }

// field-vchar / SP / HTAB / obs-text: anything but CTLs (HTAB allowed) and DEL.
inline bool isFieldValueChar(uint8_t c) { return (c >= 0x20 && c != 0x7f) || c == '\t'; }

// request-target: visible characters and obs-text (no SP, CTLs or DEL).
inline bool isTargetChar(uint8_t c) { return c > 0x20 && c != 0x7f; }

inline int hexValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c | 0x20) : c; }

// Case-insensitive comparison with a lower-case literal of the same length.
inline bool equalsLower(const uint8_t* p, size_t n, const char* lit, size_t litLen) {
  if (n != litLen) return false;
  for (size_t i = 0; i < n; ++i) {
    if (lower(p[i]) != static_cast<uint8_t>(lit[i])) return false;
  }
  return true;
}

}  // namespace ringnet::http
