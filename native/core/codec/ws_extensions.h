// Sec-WebSocket-Extensions negotiation for permessage-deflate (RFC 7692 5,
// 7.1): the offers are parsed (a header may list several extensions, each
// with ;-separated parameters, values as tokens or quoted strings) and the
// first valid permessage-deflate offer is accepted with both
// no_context_takeover parameters, so every message inflates alone and one
// zlib stream per worker serves all connections (no per-connection zlib
// memory). Pure functions over the header values, no zlib.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ringnet::ws {

struct DeflateOffer {
  bool accepted = false;
  int serverMaxWindowBits = 0;  // 0: not offered; else 9..15 (8 is declined: zlib cannot deflate with it)
};

// Judges one Sec-WebSocket-Extensions value; call it for each header line in
// order and keep the first accepted offer.
DeflateOffer negotiateDeflate(const uint8_t* value, size_t length);

// The Sec-WebSocket-Extensions value answering an accepted offer.
std::string deflateResponse(const DeflateOffer& offer);

}  // namespace ringnet::ws
