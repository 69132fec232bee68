#include "codec_factory.h"

#include "codec/goim_codec.h"

namespace ringnet {

std::unique_ptr<FrameDecoder> makeDecoder(const FramingConfig& f) {
  switch (f.type) {
    case FramingType::kLength: return makeLengthDecoder(f.length);
    case FramingType::kDelimiter: return makeDelimiterDecoder(f.delimiter);
    case FramingType::kFixed: return makeFixedDecoder(f.fixed);
    case FramingType::kRaw: return makeRawDecoder(f.raw);
    case FramingType::kGoim: return makeGoimDecoder(f.goim);
    case FramingType::kHttp: return makeHttpDecoder(f.http);
    case FramingType::kWebSocket: return makeWebSocketDecoder(f.websocket);
  }
  return nullptr;
}

std::unique_ptr<FrameEncoder> makeEncoder(const FramingConfig& f) {
  switch (f.type) {
    case FramingType::kLength: return makeLengthEncoder(f.length);
    case FramingType::kDelimiter: return makeDelimiterEncoder(f.delimiter);
    case FramingType::kFixed: return makeFixedEncoder(f.fixed);
    case FramingType::kRaw: return makeRawEncoder();
    case FramingType::kGoim: return makeGoimEncoder(f.goim);
    case FramingType::kHttp: return makeHttpEncoder();
    case FramingType::kWebSocket:
      return f.websocket.goim ? makeGoimOverWebSocketEncoder(f.goim) : makeWebSocketEncoder();
  }
  return nullptr;
}

}  // namespace ringnet
