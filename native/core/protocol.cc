#include "protocol.h"

#include "goim/goim_protocol.h"
#include "http/http_protocol.h"
#include "websocket/ws_protocol.h"

namespace ringnet {

std::unique_ptr<Protocol> makeProtocol(const ServerConfig& config) {
  switch (config.framing.type) {
    case FramingType::kLength:
    case FramingType::kDelimiter:
    case FramingType::kFixed:
    case FramingType::kRaw:
      return std::make_unique<Protocol>();
    case FramingType::kGoim:
      return std::make_unique<GoimProtocol>(config.framing);
    case FramingType::kHttp:
      return makeHttpProtocol(config.framing.http);
    case FramingType::kWebSocket:
      return makeWebSocketProtocol(config.framing);
  }
  return std::make_unique<Protocol>();
}

}  // namespace ringnet
