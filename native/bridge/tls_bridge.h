// TLS calls from JS: building a certificate context from validated options
// (held by JS as an opaque handle until listen or setSecureContext), the
// kernel TLS probe, and OpenSSL error texts.
#pragma once

#include <napi.h>

#include <memory>

namespace ringnet {

class TlsContext;

// createTlsContext(tls) -> handle; throws { code: 'ERR_TLS_CONTEXT' } when the
// material is unusable.
Napi::Value CreateTlsContext(const Napi::CallbackInfo& info);
// kernelTlsAvailable() -> true | "why not"
Napi::Value KernelTlsAvailable(const Napi::CallbackInfo& info);
// tlsErrorString(code) -> "wrong version number"
Napi::Value TlsErrorString(const Napi::CallbackInfo& info);

// The context behind a handle from createTlsContext (null if v is not one).
std::shared_ptr<const TlsContext> tlsContextOf(const Napi::Value& v);

}  // namespace ringnet
