// Builds the decoder and encoder a server's framing option asks for.
#pragma once

#include <memory>

#include "codec/codec.h"
#include "server_config.h"

namespace ringnet {

std::unique_ptr<FrameDecoder> makeDecoder(const FramingConfig& framing);
std::unique_ptr<FrameEncoder> makeEncoder(const FramingConfig& framing);

}  // namespace ringnet
