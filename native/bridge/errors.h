// Errors thrown into JS carry Node's shape (code, errno, syscall, address,
// port); src/errors.ts turns them into ringnet's typed error classes.
#pragma once

#include <napi.h>

#include <string>

#include "../core/listener.h"

namespace ringnet {

Napi::Value throwError(Napi::Env env, const char* code, const std::string& message);
Napi::Value throwSystemError(Napi::Env env, int err, const char* syscall,
                             const ListenAddress& address);
// "EADDRINUSE", "ECONNRESET", ... (uv's names, as Node reports them).
const char* errnoName(int err);

}  // namespace ringnet
