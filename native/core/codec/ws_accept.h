// The WebSocket handshake's key arithmetic (RFC 6455 4.2.2): SHA-1 and base64,
// written here so the addon links no crypto library for one hash per
// connection. Sec-WebSocket-Accept = base64(SHA-1(key + the RFC's GUID)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ringnet::ws {

// SHA-1 (FIPS 180-4) of data[0, len) into out[20].
void sha1(const uint8_t* data, size_t len, uint8_t out[20]);

// Standard base64 with padding.
std::string base64Encode(const uint8_t* data, size_t len);

// True when `key` is the base64 of exactly 16 bytes (24 characters, "==" at
// the end, only alphabet characters): what a Sec-WebSocket-Key must be.
bool isValidKey(const uint8_t* key, size_t len);

// The Sec-WebSocket-Accept value (28 characters) for a client key.
std::string acceptKey(const uint8_t* key, size_t len);

}  // namespace ringnet::ws
