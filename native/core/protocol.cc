#include "protocol.h"

namespace ringnet {

std::unique_ptr<Protocol> makeProtocol(const ServerConfig& config) {
  switch (config.framing.type) {
    case FramingType::kLength:
    case FramingType::kDelimiter:
    case FramingType::kFixed:
    case FramingType::kRaw:
      return std::make_unique<Protocol>();
  }
  return std::make_unique<Protocol>();
}

}  // namespace ringnet
