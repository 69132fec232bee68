// Module entry: the only file that names Node-API beyond the bridge.
#include <napi.h>

#include <cerrno>

#include "bridge/errors.h"
#include "bridge/js_server.h"
#include "bridge/tls_bridge.h"
#include "core/backend_factory.h"

namespace {

// backendAvailable(kind) -> true | "why not"
Napi::Value BackendAvailable(const Napi::CallbackInfo& info) {
  auto kind = static_cast<ringnet::BackendKind>(info[0].As<Napi::Number>().Int32Value());
  std::string why;
  if (ringnet::backendAvailable(kind, &why)) return Napi::Boolean::New(info.Env(), true);
  return Napi::String::New(info.Env(), why);
}

// errnoName(errno) -> "ECONNRESET"
Napi::Value ErrnoName(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(),
                           ringnet::errnoName(info[0].As<Napi::Number>().Int32Value()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeServer", ringnet::JsServer::Define(env));
  exports.Set("backendAvailable", Napi::Function::New(env, BackendAvailable));
  exports.Set("errnoName", Napi::Function::New(env, ErrnoName));
  exports.Set("createTlsContext", Napi::Function::New(env, ringnet::CreateTlsContext));
  exports.Set("kernelTlsAvailable", Napi::Function::New(env, ringnet::KernelTlsAvailable));
  exports.Set("tlsErrorString", Napi::Function::New(env, ringnet::TlsErrorString));
  return exports;
}

}  // namespace

NODE_API_MODULE(ringnet, Init)
