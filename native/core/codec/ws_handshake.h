// The opening handshake (RFC 6455 4.2): judging a request the HTTP parser has
// already validated, and the server's answers. Pure functions over the
// request bytes and its header index (http_codec.h), no sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "http_codec.h"

namespace ringnet::ws {

struct UpgradeCheck {
  bool upgrade = false;  // the request asks for a WebSocket (Upgrade: websocket)
  bool onPath = false;   // its path is the server's WebSocket path
  int status = 0;        // 0: a valid upgrade on the path; else the status refusing it
  size_t keyOffset = 0;  // Sec-WebSocket-Key, in the request bytes
  size_t keyLength = 0;
};

// `fields`: nameOffset, nameLength, valueOffset, valueLength per header field,
// offsets into `data`. `path` empty: every path is the WebSocket path.
//   not an upgrade        status 426 (on path) or 404 (off path)
//   upgrade off the path  404
//   not GET, not HTTP/1.1, a body, no "upgrade" in Connection, a missing,
//   repeated or malformed Sec-WebSocket-Key           400
//   Sec-WebSocket-Version other than 13 (or missing)  426
UpgradeCheck checkUpgrade(const uint8_t* data, const HttpHead& head, const int32_t* fields,
                          size_t fieldCount, const std::string& path);

// 101 Switching Protocols with the accept key, the chosen subprotocol and
// extensions (each omitted when empty).
std::string acceptResponse(const uint8_t* key, size_t keyLength, const std::string& protocol,
                           const std::string& extensions);

// A refusal that closes the connection; 426 carries Sec-WebSocket-Version: 13
// and Upgrade: websocket.
std::string refusalResponse(int status);

}  // namespace ringnet::ws
