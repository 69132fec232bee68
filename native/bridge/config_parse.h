// JS options object (already validated and normalized by src/options.ts) ->
// ServerConfig / ListenAddress. Returns false with *err on a malformed object,
// which would be a bug in the TypeScript layer, not a user error.
#pragma once

#include <napi.h>

#include <string>

#include "../core/listener.h"
#include "../core/server_config.h"

namespace ringnet {

bool parseServerConfig(const Napi::Object& o, ServerConfig* out, std::string* err);
bool parseListenAddress(const Napi::Object& o, ListenAddress* out, std::string* err);

}  // namespace ringnet
