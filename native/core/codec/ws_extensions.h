// Sec-WebSocket-Extensions negotiation for permessage-deflate (RFC 7692 5,
// 7.1): the offers are parsed (a header may list several extensions, each
// with ;-separated parameters, values as tokens or quoted strings) and the
// first valid permessage-deflate offer the server's policy can honour is
// accepted. The answer always holds client_no_context_takeover (every client
// message inflates alone: one inflate stream per worker serves all
// connections), and server_no_context_takeover unless the connection gets a
// dedicated compressor (websocket/ws_deflate.h). Window bits per 7.1.2: the
// server's window is the smaller of the client's server_max_window_bits and
// the server's own limit (announced when below 15); a client window limit is
// asked for only from clients that offered client_max_window_bits (an offer
// without it is declined when the server has one, as the `ws` library does).
// Pure functions over the header values, no zlib.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ringnet::ws {

// The server's side of the negotiation (perMessageDeflate options).
struct DeflatePolicy {
  int serverMaxWindowBits = 15;  // 9..15: the largest window the server compresses with
  int clientMaxWindowBits = 15;  // 8..15: below 15, clients must offer client_max_window_bits
};

struct DeflateOffer {
  bool accepted = false;
  // The server's window agreed: 0 when nothing is said (15); else 9..15
  // (a client's 8 is declined: zlib cannot deflate with it).
  int serverMaxWindowBits = 0;
  // client_max_window_bits for the answer: 0 to leave it out; else 8..15.
  int clientMaxWindowBits = 0;
  // The client asked for server_no_context_takeover: no dedicated compressor.
  bool serverNoContextTakeover = false;
};

// Judges one Sec-WebSocket-Extensions value; call it for each header line in
// order and keep the first accepted offer.
DeflateOffer negotiateDeflate(const uint8_t* value, size_t length, const DeflatePolicy& policy = DeflatePolicy{});

// The Sec-WebSocket-Extensions value answering an accepted offer; with
// `contextTakeover` the server keeps its compression context between
// messages (a dedicated compressor): server_no_context_takeover is left out.
std::string deflateResponse(const DeflateOffer& offer, bool contextTakeover = false);

}  // namespace ringnet::ws
