// A broadcast frame is encoded once, by the JS thread, with the server's
// encoder; every worker then queues references to the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/codec.h"
#include "shared_bytes.h"

namespace ringnet {

// `payload` is what a send command carries (meta, then the frame's payload).
// An empty ref when the encoder refuses it (too long, wrong size) or memory runs out.
SharedRef encodeBroadcast(const FrameEncoder& encoder, const uint8_t* payload, size_t len);

}  // namespace ringnet
