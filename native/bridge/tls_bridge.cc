#include "tls_bridge.h"

#include <openssl/err.h>

#include "../core/tls/ktls.h"
#include "../core/tls/tls_context.h"
#include "errors.h"

namespace ringnet {

namespace {

using Handle = std::shared_ptr<const TlsContext>;

std::string str(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

TlsIdentity identity(const Napi::Object& o) {
  return TlsIdentity{str(o, "key"), str(o, "cert"), str(o, "passphrase")};
}

}  // namespace

Napi::Value CreateTlsContext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    return throwError(env, "ERR_TLS_CONTEXT", "createTlsContext(tls): tls must be an object");
  }
  Napi::Object o = info[0].As<Napi::Object>();
  TlsConfig config;
  config.identity = identity(o);
  config.ca = str(o, "ca");
  config.ciphers = str(o, "ciphers");
  Napi::Value min = o.Get("minVersion");
  if (min.IsNumber()) config.minVersion = min.As<Napi::Number>().Int32Value();
  Napi::Value ktls = o.Get("ktls");  // 0 auto, 1 off, 2 require (src/tls.ts)
  if (ktls.IsNumber()) {
    int m = ktls.As<Napi::Number>().Int32Value();
    config.ktls = m == 1 ? KtlsMode::kOff : m == 2 ? KtlsMode::kRequire : KtlsMode::kAuto;
  }
  Napi::Value tickets = o.Get("sessionTickets");
  if (tickets.IsBoolean()) config.sessionTickets = tickets.As<Napi::Boolean>().Value();
  Napi::Value alpn = o.Get("alpn");
  if (alpn.IsArray()) {
    Napi::Array a = alpn.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) config.alpn.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  }
  Napi::Value sni = o.Get("sni");
  if (sni.IsArray()) {
    Napi::Array a = sni.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Object e = a.Get(i).As<Napi::Object>();
      config.sni.push_back(TlsSniEntry{str(e, "host"), identity(e)});
    }
  }
  std::string err;
  Handle ctx = TlsContext::create(config, &err);
  if (!ctx) return throwError(env, "ERR_TLS_CONTEXT", err);
  auto* held = new Handle(std::move(ctx));
  return Napi::External<Handle>::New(env, held, [](Napi::Env, Handle* h) { delete h; });
}

Handle tlsContextOf(const Napi::Value& v) {
  if (!v.IsExternal()) return nullptr;
  return *v.As<Napi::External<Handle>>().Data();
}

Napi::Value KernelTlsAvailable(const Napi::CallbackInfo& info) {
  std::string why;
  if (kernelTlsAvailable(&why)) return Napi::Boolean::New(info.Env(), true);
  return Napi::String::New(info.Env(), why);
}

Napi::Value TlsErrorString(const Napi::CallbackInfo& info) {
  auto code = static_cast<unsigned long>(info[0].As<Napi::Number>().Uint32Value());
  const char* reason = ERR_reason_error_string(code);
  return Napi::String::New(info.Env(), reason ? reason : "TLS error");
}

}  // namespace ringnet
