#include "config_parse.h"

#include <vector>

#include "../core/tls/tls_context.h"
#include "../core/wire.h"
#include "tls_bridge.h"

namespace ringnet {

namespace {

double num(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

bool flag(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

// [[id, value], ...] -> SockOptList
bool optionList(const Napi::Object& o, const char* key, SockOptList* out, std::string* err) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  if (!v.IsArray()) {
    *err = std::string(key) + " must be an array";
    return false;
  }
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value pair = a.Get(i);
    if (!pair.IsArray()) {
      *err = std::string(key) + " entries must be [id, value]";
      return false;
    }
    Napi::Array p = pair.As<Napi::Array>();
    out->emplace_back(static_cast<SockOpt>(p.Get(0u).As<Napi::Number>().Int32Value()),
                      static_cast<int64_t>(p.Get(1u).As<Napi::Number>().DoubleValue()));
  }
  return true;
}

// Shared by 'http' and 'websocket' framings (the WebSocket handshake and the
// HTTP requests beside it are parsed by the same HTTP/1.1 code).
bool parseHttpLimits(const Napi::Object& f, HttpFraming* h, std::string* err) {
  h->maxHeaderSize = static_cast<uint32_t>(num(f, "maxHeaderSize", h->maxHeaderSize));
  h->maxUriLength = static_cast<uint32_t>(num(f, "maxUriLength", h->maxUriLength));
  h->maxHeaders = static_cast<uint32_t>(num(f, "maxHeaders", h->maxHeaders));
  h->maxBodySize = static_cast<uint64_t>(num(f, "maxBodySize", static_cast<double>(h->maxBodySize)));
  h->headerTimeoutMs = static_cast<uint32_t>(num(f, "headerTimeoutMs", h->headerTimeoutMs));
  h->bodyTimeoutMs = static_cast<uint32_t>(num(f, "bodyTimeoutMs", h->bodyTimeoutMs));
  h->keepAliveTimeoutMs = static_cast<uint32_t>(num(f, "keepAliveTimeoutMs", h->keepAliveTimeoutMs));
  h->maxChunkExtensionSize = static_cast<uint32_t>(num(f, "maxChunkExtensionSize", h->maxChunkExtensionSize));
  Napi::Value methods = f.Get("methods");
  if (!methods.IsArray()) return true;
  Napi::Array a = methods.As<Napi::Array>();
  std::vector<std::string> names;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value m = a.Get(i);
    if (!m.IsString()) {
      *err = "framing.methods must be strings";
      return false;
    }
    names.push_back(m.As<Napi::String>().Utf8Value());
  }
  h->methods = HttpMethodTable::make(names);
  if (!h->methods) {
    *err = "framing.methods: not a valid method table";
    return false;
  }
  return true;
}

void parseGoim(const Napi::Object& f, FramingConfig* out) {
  out->goim.maxFrameLength = static_cast<uint64_t>(num(f, "maxFrameLength", 65536));
  out->goim.allowExtendedHeader = flag(f, "allowExtendedHeader", true);
  out->goim.checksum = flag(f, "checksum", false);
  out->goimAuth = flag(f, "auth", false);
  out->goimAuthTimeoutMs = static_cast<uint32_t>(num(f, "authTimeoutMs", 0));
}

bool parseFraming(const Napi::Object& f, FramingConfig* out, std::string* err) {
  out->type = static_cast<FramingType>(static_cast<int>(num(f, "type", 0)));
  switch (out->type) {
    case FramingType::kLength: {
      LengthFraming& l = out->length;
      l.byteOrder = num(f, "littleEndian", 0) != 0 ? ByteOrder::kLittle : ByteOrder::kBig;
      l.lengthFieldOffset = static_cast<uint32_t>(num(f, "lengthFieldOffset", 0));
      l.lengthFieldLength = static_cast<uint32_t>(num(f, "lengthFieldLength", 4));
      l.lengthAdjustment = static_cast<int64_t>(num(f, "lengthAdjustment", 0));
      l.initialBytesToStrip = static_cast<uint32_t>(num(f, "initialBytesToStrip", 4));
      l.maxFrameLength = static_cast<uint64_t>(num(f, "maxFrameLength", 16 << 20));
      return true;
    }
    case FramingType::kDelimiter: {
      Napi::Value d = f.Get("delimiter");
      if (!d.IsBuffer()) {
        *err = "framing.delimiter must be a Buffer";
        return false;
      }
      auto b = d.As<Napi::Buffer<uint8_t>>();
      out->delimiter.delimiter.assign(reinterpret_cast<const char*>(b.Data()), b.Length());
      out->delimiter.maxFrameLength = static_cast<uint64_t>(num(f, "maxFrameLength", 65536));
      out->delimiter.stripDelimiter = flag(f, "stripDelimiter", true);
      return true;
    }
    case FramingType::kFixed:
      out->fixed.frameLength = static_cast<uint64_t>(num(f, "frameLength", 0));
      return true;
    case FramingType::kRaw:
      out->raw.maxChunk = static_cast<uint64_t>(num(f, "maxChunk", 65536));
      return true;
    case FramingType::kGoim:
      parseGoim(f, out);
      return true;
    case FramingType::kWebSocket: {
      WebSocketFraming& w = out->websocket;
      w.maxPayloadLength = static_cast<uint64_t>(num(f, "maxPayloadLength", static_cast<double>(w.maxPayloadLength)));
      Napi::Value path = f.Get("path");
      if (path.IsString()) w.path = path.As<Napi::String>().Utf8Value();
      w.httpRequests = flag(f, "httpRequests", false);
      w.jsUpgrade = flag(f, "jsUpgrade", false);
      w.deliverPings = flag(f, "deliverPings", false);
      w.idleTimeoutMs = static_cast<uint32_t>(num(f, "idleTimeoutMs", w.idleTimeoutMs));
      w.maxLifetimeMs = static_cast<uint32_t>(num(f, "maxLifetimeMs", w.maxLifetimeMs));
      w.sendPings = flag(f, "sendPings", w.sendPings);
      w.closeTimeoutMs = static_cast<uint32_t>(num(f, "closeTimeoutMs", w.closeTimeoutMs));
      w.upgradeTimeoutMs = static_cast<uint32_t>(num(f, "upgradeTimeoutMs", w.upgradeTimeoutMs));
      w.perMessageDeflate = flag(f, "perMessageDeflate", false);
      w.compress = w.perMessageDeflate && flag(f, "compress", false);
      w.compressThreshold = static_cast<uint32_t>(num(f, "compressThreshold", w.compressThreshold));
      w.dedicated = w.compress && flag(f, "dedicatedCompressor", false);
      w.maxDedicated = static_cast<uint32_t>(num(f, "maxDedicated", w.maxDedicated));
      w.memLevel = static_cast<int>(num(f, "memLevel", w.memLevel));
      w.serverMaxWindowBits = static_cast<int>(num(f, "serverMaxWindowBits", w.serverMaxWindowBits));
      w.clientMaxWindowBits = static_cast<int>(num(f, "clientMaxWindowBits", w.clientMaxWindowBits));
      w.goim = flag(f, "goimOverWebSocket", false);
      if (w.goim) parseGoim(f, out);
      return parseHttpLimits(f, &w.http, err);
    }
    case FramingType::kHttp:
      return parseHttpLimits(f, &out->http, err);
  }
  *err = "unknown framing type";
  return false;
}

}  // namespace

bool parseServerConfig(const Napi::Object& o, ServerConfig* c, std::string* err) {
  c->backend = static_cast<BackendKind>(static_cast<int>(num(o, "backend", 0)));
  c->workers = static_cast<int>(num(o, "workers", 1));
  c->inlineWorker = flag(o, "inlineWorker", false);
  c->acceptMode = static_cast<AcceptMode>(static_cast<int>(num(o, "acceptMode", 0)));
  c->dispatch = static_cast<DispatchPolicy>(static_cast<int>(num(o, "dispatch", 0)));
  c->listener.backlog = static_cast<int>(num(o, "backlog", 511));
  c->highWaterMark = static_cast<uint64_t>(num(o, "highWaterMark", 65536));
  c->maxOutbound = static_cast<uint64_t>(num(o, "maxOutbound", 8 << 20));
  c->maxConnections = static_cast<uint32_t>(num(o, "maxConnections", 10000));
  c->readBudget = static_cast<uint32_t>(num(o, "readBudget", 256 << 10));
  c->readBufferSize = static_cast<uint32_t>(num(o, "readBufferSize", 64 << 10));
  c->batchBytes = static_cast<uint32_t>(num(o, "batchBytes", 256 << 10));
  c->batchRecords = static_cast<uint32_t>(num(o, "batchRecords", 8192));
  c->batchArenas = static_cast<uint32_t>(num(o, "batchArenas", 2));
  c->closeLingerMs = static_cast<uint32_t>(num(o, "closeLingerMs", 2000));
  c->idleTimeoutMs = static_cast<uint32_t>(num(o, "idleTimeoutMs", 0));
  c->readTimeoutMs = static_cast<uint32_t>(num(o, "readTimeoutMs", 0));
  c->readTimeoutReason = static_cast<int32_t>(num(o, "readTimeoutReason", wire::kCloseReadTimeout));
  c->rooms.maxRoomsPerConnection = static_cast<uint32_t>(num(o, "maxRoomsPerConnection", 64));
  c->rooms.maxRoomNameLength = static_cast<uint32_t>(num(o, "maxRoomNameLength", 256));
  c->rooms.maxPendingBroadcasts = static_cast<uint32_t>(num(o, "maxPendingBroadcasts", 1024));
  c->ioUring.entries = static_cast<uint32_t>(num(o, "ioUringEntries", 1024));
  c->ioUring.bufferCount = static_cast<uint32_t>(num(o, "ioUringBufferCount", 256));
  c->ioUring.bufferSize = static_cast<uint32_t>(num(o, "ioUringBufferSize", 32768));
  c->ioUring.sqpoll = flag(o, "ioUringSqpoll", false);
  c->ioUring.zeroCopyThreshold = static_cast<uint32_t>(num(o, "ioUringZeroCopyThreshold", 0));
  c->ioUring.sqpollIdleMs = static_cast<uint32_t>(num(o, "ioUringSqpollIdleMs", 1000));
  if (c->workers < 1 || c->batchArenas < 1 || c->maxConnections < 1) {
    *err = "workers, batchArenas and maxConnections must be at least 1";
    return false;
  }
  if (!optionList(o, "listenerOptions", &c->listener.socketOptions, err)) return false;
  if (!optionList(o, "connectionOptions", &c->connectionOptions, err)) return false;
  Napi::Value f = o.Get("framing");
  if (!f.IsObject()) {
    *err = "framing must be an object";
    return false;
  }
  if (!parseFraming(f.As<Napi::Object>(), &c->framing, err)) return false;
  Napi::Value tls = o.Get("tlsContext");
  if (!tls.IsUndefined() && !tls.IsNull()) {
    std::shared_ptr<const TlsContext> ctx = tlsContextOf(tls);
    if (!ctx) {
      *err = "tlsContext must come from createTlsContext()";
      return false;
    }
    c->tls = std::make_shared<TlsContextSlot>();
    c->tls->set(std::move(ctx));
    c->tlsHandshakeTimeoutMs = static_cast<uint32_t>(num(o, "tlsHandshakeTimeoutMs", 10000));
    c->tlsMaxHandshakes = static_cast<uint32_t>(num(o, "tlsMaxHandshakes", 1024));
  }
  // The shortest protocol deadline sizes the timeout sweep (timeouts.h).
  auto shorten = [c](uint32_t t) {
    if (t != 0 && (c->protocolTimeoutMs == 0 || t < c->protocolTimeoutMs)) c->protocolTimeoutMs = t;
  };
  const bool goim = c->framing.type == FramingType::kGoim ||
                    (c->framing.type == FramingType::kWebSocket && c->framing.websocket.goim);
  if (goim && c->framing.goimAuth) shorten(c->framing.goimAuthTimeoutMs);
  if (c->tls) shorten(c->tlsHandshakeTimeoutMs);
  if (c->framing.type == FramingType::kHttp) {
    const HttpFraming& h = c->framing.http;
    for (uint32_t t : {h.headerTimeoutMs, h.bodyTimeoutMs, h.keepAliveTimeoutMs}) shorten(t);
  }
  if (c->framing.type == FramingType::kWebSocket) {
    const WebSocketFraming& w = c->framing.websocket;
    for (uint32_t t : {w.http.headerTimeoutMs, w.http.bodyTimeoutMs, w.http.keepAliveTimeoutMs,
                       w.sendPings ? w.idleTimeoutMs / 2 : w.idleTimeoutMs, w.closeTimeoutMs, w.upgradeTimeoutMs,
                       w.maxLifetimeMs}) {
      shorten(t);
    }
  }
  return true;
}

bool parseListenAddress(const Napi::Object& o, ListenAddress* a, std::string* err) {
  a->kind = static_cast<AddressKind>(static_cast<int>(num(o, "kind", 0)));
  Napi::Value host = o.Get("host");
  if (host.IsString()) a->host = host.As<Napi::String>().Utf8Value();
  a->port = static_cast<uint16_t>(num(o, "port", 0));
  Napi::Value path = o.Get("path");
  if (path.IsString()) a->path = path.As<Napi::String>().Utf8Value();
  Napi::Value px = o.Get("proxy");
  if (px.IsObject()) {
    Napi::Object p = px.As<Napi::Object>();
    a->proxy.enabled = true;
    a->proxy.timeoutMs = static_cast<uint32_t>(num(p, "timeout", 0));
    a->proxy.limits.acceptV1 = flag(p, "v1", true);
    a->proxy.limits.acceptV2 = flag(p, "v2", true);
    a->proxy.limits.maxV2Length = static_cast<size_t>(num(p, "maxLength", 4096));
    if (a->proxy.limits.maxV2Length < proxy::kV2HeaderLength) {
      *err = "proxy maxLength must be at least 16";
      return false;
    }
  }
  if (a->kind != AddressKind::kTcp && a->path.empty()) {
    *err = "a Unix socket needs a path";
    return false;
  }
  return true;
}

}  // namespace ringnet
