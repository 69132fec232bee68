// A whole compressed WebSocket message (header with RSV1, then the deflated
// payload) built in one buffer, for senders whose frame encoder cannot mark a
// payload compressed: goim over WebSocket, where a send's meta is goim's
// (ver, op, seq) and the packet (goim header + body) is what is deflated.
// Shared by the protocol (sends) and the JS bridge (broadcasts, compressed
// once for all members).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../codec/goim_codec.h"
#include "ws_deflate.h"

namespace ringnet::ws {

// Where the frame starts in the buffer it was built in (header written right
// before the payload, so nothing is moved).
struct BuiltFrame {
  const uint8_t* data = nullptr;
  size_t length = 0;
};

// The goim packet of (meta, body) as one compressed binary message through
// `s` (`takeover`: may refer to the stream's earlier messages). False when it
// stays uncompressed: shorter than `threshold`, too long for maxFrameLength,
// or no smaller deflated. `packet` and `out` are the caller's scratch; the
// frame lives in `out`.
bool compressGoimMessage(DeflateStream& s, bool takeover, const GoimFraming& f, const uint8_t* meta,
                         const uint8_t* body, size_t len, uint32_t threshold, std::vector<uint8_t>* packet,
                         std::vector<uint8_t>* out, BuiltFrame* frame);

}  // namespace ringnet::ws
