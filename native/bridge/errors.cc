#include "errors.h"

#include <uv.h>

#include <cstring>

namespace ringnet {

const char* errnoName(int err) {
  // libuv's error names are Node's error codes; uv errors are negated errnos.
  return uv_err_name(-err);
}

Napi::Value throwError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value throwSystemError(Napi::Env env, int err, const char* syscall,
                             const ListenAddress& address) {
  const char* code = errnoName(err);
  std::string where = address.kind == AddressKind::kTcp
                          ? address.host + ":" + std::to_string(address.port)
                          : address.path;
  Napi::Error e = Napi::Error::New(
      env, std::string(syscall) + " " + code + " " + where + " (" + std::strerror(err) + ")");
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (address.kind == AddressKind::kTcp) {
    e.Set("address", Napi::String::New(env, address.host));
    e.Set("port", Napi::Number::New(env, address.port));
  } else {
    e.Set("address", Napi::String::New(env, address.path));
  }
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace ringnet
