#include "utf8.h"

#include <cstring>

namespace ringnet::utf8 {

namespace {

// Byte classes: 0 ASCII, 1 80-8F, 2 90-9F, 3 A0-BF, 4 never valid (C0 C1
// F5-FF), 5 C2-DF, 6 E0, 7 E1-EC EE EF, 8 ED, 9 F0, 10 F1-F3, 11 F4.
struct Tables {
  uint8_t cls[256];
  uint8_t next[9][12];
};

constexpr Tables makeTables() {
  Tables t{};
  for (int b = 0; b < 256; ++b) {
    uint8_t c = 4;
    if (b < 0x80) c = 0;
    else if (b < 0x90) c = 1;
    else if (b < 0xa0) c = 2;
    else if (b < 0xc0) c = 3;
    else if (b < 0xc2) c = 4;
    else if (b < 0xe0) c = 5;
    else if (b == 0xe0) c = 6;
    else if (b == 0xed) c = 8;
    else if (b < 0xf0) c = 7;
    else if (b == 0xf0) c = 9;
    else if (b < 0xf4) c = 10;
    else if (b == 0xf4) c = 11;
    t.cls[b] = c;
  }
  for (int s = 0; s < 9; ++s) {
    for (int c = 0; c < 12; ++c) t.next[s][c] = kReject;
  }
  // Between code points: a lead byte says what must follow.
  t.next[0][0] = 0;
  t.next[0][5] = 1;   // 2-byte: one continuation
  t.next[0][6] = 4;   // E0: A0-BF then one (no overlong)
  t.next[0][7] = 2;   // two continuations
  t.next[0][8] = 5;   // ED: 80-9F then one (no surrogates)
  t.next[0][9] = 6;   // F0: 90-BF then two (no overlong)
  t.next[0][10] = 3;  // three continuations
  t.next[0][11] = 7;  // F4: 80-8F then two (<= U+10FFFF)
  for (int c = 1; c <= 3; ++c) {
    t.next[1][c] = 0;
    t.next[2][c] = 1;
    t.next[3][c] = 2;
  }
  t.next[4][3] = 1;
  t.next[5][1] = 1, t.next[5][2] = 1;
  t.next[6][2] = 2, t.next[6][3] = 2;
  t.next[7][1] = 2;
  return t;
}

constexpr Tables kTables = makeTables();

}  // namespace

uint8_t advance(uint8_t state, const uint8_t* p, size_t n, size_t* invalidAt) {
  if (state >= kReject) {
    if (invalidAt) *invalidAt = 0;
    return kReject;
  }
  size_t i = 0;
  while (i < n) {
    if (state == kAccept) {
      // ASCII runs, 8 bytes at a time: most text is mostly ASCII.
      while (i + 8 <= n) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull) break;
        i += 8;
      }
      if (i == n) break;
    }
    state = kTables.next[state][kTables.cls[p[i]]];
    if (state == kReject) {
      if (invalidAt) *invalidAt = i;
      return kReject;
    }
    ++i;
  }
  return state;
}

}  // namespace ringnet::utf8
