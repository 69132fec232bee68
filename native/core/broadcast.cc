#include "broadcast.h"

#include <cstring>

namespace ringnet {

SharedRef encodeBroadcast(const FrameEncoder& encoder, const uint8_t* payload, size_t len) {
  const size_t meta = encoder.metaLength();
  if (len < meta) return SharedRef();
  const uint8_t* body = payload + meta;
  const size_t bodyLen = len - meta;
  uint8_t header[64];
  int h = encoder.headerFor(payload, body, bodyLen, header);
  if (h < 0) return SharedRef();
  size_t trailerLen = 0;
  const uint8_t* trailer = encoder.trailer(&trailerLen);
  SharedRef out(SharedBytes::create(static_cast<size_t>(h) + bodyLen + trailerLen));
  SharedBytes* b = out.get();
  if (b == nullptr) return out;
  uint8_t* p = b->data();
  std::memcpy(p, header, static_cast<size_t>(h));
  if (bodyLen) std::memcpy(p + h, body, bodyLen);
  if (trailerLen) std::memcpy(p + h + bodyLen, trailer, trailerLen);
  return out;
}

}  // namespace ringnet
