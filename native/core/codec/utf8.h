// A UTF-8 validator (RFC 3629: no overlongs, no surrogates, nothing above
// U+10FFFF) that streams: its state is one small number carried between
// calls, so a text message split across frames and reads is validated once
// per byte, and it stops at the first byte that can begin no valid sequence
// (fail-fast, as RFC 6455 8.1 and Autobahn 6.x expect).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringnet::utf8 {

// 0: between code points; 1..7: inside one (what the next bytes must be);
// kReject: invalid. Fits in 4 bits.
constexpr uint8_t kAccept = 0;
constexpr uint8_t kReject = 8;

// Advances `state` over p[0, n). Returns the new state; kReject as soon as a
// byte is invalid, with *invalidAt (when given) set to that byte's index.
uint8_t advance(uint8_t state, const uint8_t* p, size_t n, size_t* invalidAt = nullptr);

// A complete text: valid and not ending inside a code point.
inline bool isValid(const uint8_t* p, size_t n) { return advance(kAccept, p, n) == kAccept; }

}  // namespace ringnet::utf8
