#include "ws_frame_deflate.h"

#include <cstring>

#include "../codec/ws_codec.h"

namespace ringnet::ws {

bool compressGoimMessage(DeflateStream& s, bool takeover, const GoimFraming& f, const uint8_t* meta,
                         const uint8_t* body, size_t len, uint32_t threshold, std::vector<uint8_t>* packet,
                         std::vector<uint8_t>* out, BuiltFrame* frame) {
  uint8_t header[goim::kChecksumHeaderLength];
  const int g = goim::writeHeader(f, meta, body, len, header);
  if (g < 0) return false;  // the encoder refuses it too: never guess
  const size_t packetLen = static_cast<size_t>(g) + len;
  if (packetLen < threshold) return false;
  packet->resize(packetLen);
  std::memcpy(packet->data(), header, static_cast<size_t>(g));
  if (len) std::memcpy(packet->data() + g, body, len);
  // Deflated after room for the longest header (10 bytes); the header goes right before.
  constexpr size_t kRoom = 10;
  if (!s.deflate(packet->data(), packetLen, takeover, out, kRoom)) return false;
  const size_t payload = out->size() - kRoom;
  uint8_t h[kRoom];
  const size_t hl = writeHeader(kBinary, true, true, payload, h);
  std::memcpy(out->data() + kRoom - hl, h, hl);
  frame->data = out->data() + kRoom - hl;
  frame->length = hl + payload;
  return true;
}

}  // namespace ringnet::ws
