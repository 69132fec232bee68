#include "js_server.h"

#include <cstring>

#include "../core/broadcast.h"
#include "../core/codec_factory.h"
#include "../core/socket_options.h"
#include "../core/tls/tls_context.h"
#include "config_parse.h"
#include "errors.h"
#include "tls_bridge.h"

namespace ringnet {

// The uv handles live on the heap and are freed by their own close callbacks,
// so closing them never races the JsServer's destruction.
struct JsServer::LoopHandles {
  uv_async_t async;      // threaded workers published batches
  uv_poll_t poll;        // the inline worker's poll fd is readable
  uv_timer_t timer;      // the inline worker has more work, or a deadline
  JsServer* owner;
  bool hasPoll = false;
  int pendingCloses = 0;
};

Napi::Function JsServer::Define(Napi::Env env) {
  return DefineClass(env, "NativeServer",
                     {
                         InstanceMethod("listen", &JsServer::Listen),
                         InstanceMethod("submit", &JsServer::Submit),
                         InstanceMethod("close", &JsServer::Close),
                         InstanceMethod("finish", &JsServer::Finish),
                         InstanceMethod("stats", &JsServer::Stats),
                         InstanceMethod("setOption", &JsServer::SetOption),
                         InstanceMethod("getOption", &JsServer::GetOption),
                         InstanceMethod("tcpInfo", &JsServer::TcpInfo),
                         InstanceMethod("ref", &JsServer::Ref),
                         InstanceMethod("unref", &JsServer::Unref),
                         InstanceMethod("broadcast", &JsServer::Broadcast),
                         InstanceMethod("encodeFrame", &JsServer::EncodeFrame),
                         InstanceMethod("setTlsContext", &JsServer::SetTlsContext),
                     });
}

JsServer::JsServer(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<JsServer>(info), env_(info.Env()) {
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
    Napi::TypeError::New(env_, "NativeServer(config, onBatch)").ThrowAsJavaScriptException();
    return;
  }
  std::string err;
  if (!parseServerConfig(info[0].As<Napi::Object>(), &config_, &err)) {
    Napi::TypeError::New(env_, err).ThrowAsJavaScriptException();
    return;
  }
  onBatch_ = Napi::Persistent(info[1].As<Napi::Function>());
  encoder_ = makeEncoder(config_.framing);
  const WebSocketFraming& w = config_.framing.websocket;
  if (config_.framing.type == FramingType::kWebSocket && w.compress) deflater_ = std::make_unique<ws::Deflater>();
}

JsServer::~JsServer() {
  if (hookAdded_) napi_remove_env_cleanup_hook(env_, cleanupHook, this);
  if (server_) server_->teardown();
  closeHandles();
}

void JsServer::cleanupHook(void* self) {
  // Process or worker_thread exit: stop native threads without calling JS.
  auto* s = static_cast<JsServer*>(self);
  s->hookAdded_ = false;
  s->jsAlive_ = false;
  if (s->server_) s->server_->teardown();
  s->closeHandles();
}

// ---------------------------------------------------------------- listen

Napi::Value JsServer::Listen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (server_) {
    return throwError(env, "ERR_SERVER_ALREADY_LISTEN", "Listen method has been called more than once");
  }
  ListenAddress address;
  std::string err;
  if (!info[0].IsObject() || !parseListenAddress(info[0].As<Napi::Object>(), &address, &err)) {
    Napi::TypeError::New(env, err.empty() ? "listen(address)" : err).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  // Arena and counter memory is allocated as ArrayBuffers JS keeps; the
  // workers write into them and JS reads views of them: no copy per batch.
  std::vector<WorkerMemory> memory(static_cast<size_t>(config_.workers));
  Napi::Array workersJs = Napi::Array::New(env);
  std::vector<Napi::Reference<Napi::ArrayBuffer>> buffers;
  auto hold = [&](size_t bytes) {
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes);
    buffers.push_back(Napi::Persistent(ab));
    return ab;
  };
  for (int w = 0; w < config_.workers; ++w) {
    Napi::Object wjs = Napi::Object::New(env);
    Napi::Array arenasJs = Napi::Array::New(env);
    for (uint32_t a = 0; a < config_.batchArenas; ++a) {
      Napi::ArrayBuffer data = hold(config_.batchBytes);
      Napi::ArrayBuffer records = hold(size_t{config_.batchRecords} * wire::kEventInts * 4);
      ArenaMemory m;
      m.data = static_cast<uint8_t*>(data.Data());
      m.dataCapacity = config_.batchBytes;
      m.records = static_cast<int32_t*>(records.Data());
      m.recordCapacity = config_.batchRecords;
      memory[w].arenas.push_back(m);
      Napi::Object ajs = Napi::Object::New(env);
      ajs.Set("data", data);
      ajs.Set("records", records);
      arenasJs.Set(a, ajs);
    }
    Napi::ArrayBuffer written = hold(size_t{config_.maxConnections} * sizeof(double));
    memory[w].written = static_cast<double*>(written.Data());
    wjs.Set("arenas", arenasJs);
    wjs.Set("written", written);
    workersJs.Set(static_cast<uint32_t>(w), wjs);
  }

  handles_ = new LoopHandles();
  handles_->owner = this;
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  uv_async_init(loop, &handles_->async, [](uv_async_t* h) {
    auto* lh = static_cast<LoopHandles*>(h->data);
    if (lh->owner) lh->owner->drainQueue();
  });
  handles_->async.data = handles_;
  uv_timer_init(loop, &handles_->timer);
  handles_->timer.data = handles_;
  uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->timer));

  auto server = std::make_unique<Server>(config_);
  BoundAddress bound;
  ListenError lerr;
  bool ok = server->listen(address, std::move(memory), this, &bound, &lerr);
  if (!ok) {
    server.reset();
    closeHandles();
    if (!lerr.message.empty()) return throwError(env, "ERR_RINGNET_INIT", lerr.message);
    return throwSystemError(env, lerr.err, lerr.syscall, address);
  }
  server_ = std::move(server);
  buffers_ = std::move(buffers);
  asyncContext_ = std::make_unique<Napi::AsyncContext>(env, "ringnet:batch");
  self_ = Napi::Persistent(info.This().As<Napi::Object>());
  napi_add_env_cleanup_hook(env, cleanupHook, this);
  hookAdded_ = true;

  if (config_.inlineWorker) {
    Reactor& r = server_->worker(0);
    uv_poll_init(loop, &handles_->poll, r.backend().pollFd());
    handles_->poll.data = handles_;
    handles_->hasPoll = true;
    uv_poll_start(&handles_->poll, UV_READABLE, [](uv_poll_t* h, int, int) {
      auto* lh = static_cast<LoopHandles*>(h->data);
      if (lh->owner) lh->owner->runInline();
    });
    // The first pass (attach the listeners' pending work, arm the timer) runs
    // on the next loop turn, not here: under load it can already reap accepts
    // and hand a batch to JS, which must not arrive before listen() returned
    // and the server knows its workers.
    uv_timer_start(&handles_->timer, [](uv_timer_t* h) {
      auto* lh = static_cast<LoopHandles*>(h->data);
      if (lh->owner) lh->owner->runInline();
    }, 0, 0);
  }

  Napi::Object result = Napi::Object::New(env);
  result.Set("family", bound.family);
  result.Set("address", bound.address);
  result.Set("port", bound.port);
  result.Set("workers", workersJs);
  return result;
}

// ---------------------------------------------------------------- batches

void JsServer::deliver(Reactor& reactor, const PublishedBatch& batch) {
  if (reactor.isInline()) {
    callJs(reactor, batch);
    return;
  }
  bool wasEmpty;
  {
    std::lock_guard<std::mutex> lock(queueMu_);
    wasEmpty = queue_.empty();
    queue_.push_back(Pending{&reactor, batch});
  }
  // One wake-up however many batches pile up before the JS thread runs.
  if (wasEmpty) uv_async_send(&handles_->async);
}

void JsServer::drainQueue() {
  {
    std::lock_guard<std::mutex> lock(queueMu_);
    draining_.swap(queue_);
  }
  for (const Pending& p : draining_) callJs(*p.reactor, p.batch);
  draining_.clear();
}

void JsServer::callJs(Reactor& reactor, const PublishedBatch& batch) {
  // Raw Node-API with every status checked: this runs from libuv callbacks,
  // including while Node tears an environment down (process exit, worker
  // terminate()), when JS can no longer run. node-addon-api would turn such a
  // failure into a fatal error; here the batch is simply dropped.
  if (!jsAlive_) {
    reactor.batch().bigFrames(batch.arena).clear();
    reactor.releaseArena(batch.arena);
    return;
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) {
    jsAlive_ = false;
    reactor.releaseArena(batch.arena);
    return;
  }
  napi_value args[5];
  bool ok = napi_create_uint32(env_, static_cast<uint32_t>(reactor.index()), &args[0]) == napi_ok &&
            napi_create_uint32(env_, batch.arena, &args[1]) == napi_ok &&
            napi_create_uint32(env_, batch.records, &args[2]) == napi_ok &&
            napi_get_undefined(env_, &args[3]) == napi_ok &&
            napi_get_boolean(env_, reactor.commandsMayReferenceArena(), &args[4]) == napi_ok;
  auto& frames = reactor.batch().bigFrames(batch.arena);
  if (ok && !frames.empty()) {
    ok = napi_create_array_with_length(env_, frames.size(), &args[3]) == napi_ok;
    for (size_t i = 0; ok && i < frames.size(); ++i) {
      napi_value buf;
      void* unused;
      ok = napi_create_buffer_copy(env_, frames[i].size(), frames[i].data(), &unused, &buf) == napi_ok &&
           napi_set_element(env_, args[3], static_cast<uint32_t>(i), buf) == napi_ok;
    }
  }
  frames.clear();
  if (ok) {
    napi_value recv = Value();
    napi_value fn = onBatch_.Value();
    napi_value result;
    napi_status st = napi_make_callback(env_, static_cast<napi_async_context>(*asyncContext_), recv,
                                        fn, 5, args, &result);
    bool pending = false;
    napi_is_exception_pending(env_, &pending);
    if (pending) {
      // The TS layer catches handler errors, so this is a bug in ringnet:
      // report it as an uncaught exception like any other callback's.
      napi_value e;
      napi_get_and_clear_last_exception(env_, &e);
      napi_fatal_exception(env_, e);
    } else if (st != napi_ok) {
      jsAlive_ = false;  // JS cannot run any more: the environment is going away
    }
  } else {
    jsAlive_ = false;
  }
  napi_close_handle_scope(env_, scope);
  reactor.releaseArena(batch.arena);
}

void JsServer::runInline() {
  if (!server_) return;
  Reactor& r = server_->worker(0);
  bool more = false;
  for (int i = 0; i < 4; ++i) {
    more = r.runOnce();
    if (!more) break;
  }
  if (r.done() || !handles_) return;
  int timeout = more ? 0 : r.nextTimeoutMs();
  if (timeout >= 0) {
    uv_timer_start(&handles_->timer, [](uv_timer_t* h) {
      auto* lh = static_cast<LoopHandles*>(h->data);
      if (lh->owner) lh->owner->runInline();
    }, static_cast<uint64_t>(timeout), 0);
  } else {
    uv_timer_stop(&handles_->timer);
  }
}

// ---------------------------------------------------------------- commands

Napi::Value JsServer::Submit(const Napi::CallbackInfo& info) {
  // submit(worker, buffer, length, refs): one call per worker per flush; refs:
  // the log holds commands that point into a batch arena (sends by reference).
  if (!server_) return info.Env().Undefined();
  uint32_t w = info[0].As<Napi::Number>().Uint32Value();
  auto buf = info[1].As<Napi::Uint8Array>();
  size_t len = info[2].As<Napi::Number>().Uint32Value();
  bool refs = info.Length() > 3 && info[3].ToBoolean().Value();
  if (w >= server_->workerCount() || len > buf.ByteLength()) return info.Env().Undefined();
  Reactor& r = server_->worker(w);
  r.submitCommands(buf.Data(), len, refs);
  return info.Env().Undefined();
}

Napi::Value JsServer::Close(const Napi::CallbackInfo& info) {
  if (server_) server_->close(info[0].As<Napi::Number>().Uint32Value());
  if (server_ && config_.inlineWorker) runInline();
  return info.Env().Undefined();
}

Napi::Value JsServer::Finish(const Napi::CallbackInfo& info) {
  // Every worker reported done: join threads, release what kept us alive.
  if (server_) server_->finish();
  closeHandles();  // stops polling the inline worker's fd before it is closed
  if (server_) server_->releaseIo();
  if (hookAdded_) {
    napi_remove_env_cleanup_hook(env_, cleanupHook, this);
    hookAdded_ = false;
  }
  if (!self_.IsEmpty()) self_.Reset();
  return info.Env().Undefined();
}

void JsServer::closeHandles() {
  if (!handles_) return;
  LoopHandles* h = handles_;
  handles_ = nullptr;
  h->owner = nullptr;
  auto onClosed = [](uv_handle_t* handle) {
    auto* lh = static_cast<LoopHandles*>(handle->data);
    if (--lh->pendingCloses == 0) delete lh;
  };
  h->pendingCloses = h->hasPoll ? 3 : 2;
  uv_close(reinterpret_cast<uv_handle_t*>(&h->async), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&h->timer), onClosed);
  if (h->hasPoll) uv_close(reinterpret_cast<uv_handle_t*>(&h->poll), onClosed);
}

// ---------------------------------------------------------------- broadcast

Napi::Value JsServer::Broadcast(const Napi::CallbackInfo& info) {
  // broadcast(room: Buffer | null, payload: Uint8Array, encoded?: boolean) -> boolean.
  // null = every connection. One encoding, one inbox entry per worker; false
  // (nothing queued anywhere) when a worker already holds maxPendingBroadcasts.
  // encoded: the payload is already wire bytes (encodeFrame(), or a frame
  // another cluster node encoded): queued as is.
  Napi::Env env = info.Env();
  if (!server_ || !encoder_ || info.Length() < 2 || !info[1].IsTypedArray()) {
    return Napi::Boolean::New(env, false);
  }
  struct Broadcast b;
  if (info[0].IsBuffer()) {
    auto room = info[0].As<Napi::Buffer<char>>();
    b.room.assign(room.Data(), room.Length());
  } else {
    b.all = true;
  }
  auto payload = info[1].As<Napi::Uint8Array>();
  if (info.Length() > 2 && info[2].ToBoolean().Value()) {
    b.frame = SharedRef(SharedBytes::create(payload.ByteLength()));
    if (b.frame.get() != nullptr && payload.ByteLength() != 0) {
      std::memcpy(b.frame.get()->data(), payload.Data(), payload.ByteLength());
    }
  } else {
    b.frame = encodeBroadcast(*encoder_, payload.Data(), payload.ByteLength());
    if (deflater_ && b.frame.get() != nullptr) b.compressed = compressBroadcast(payload.Data(), payload.ByteLength());
  }
  if (b.frame.get() == nullptr) {
    Napi::TypeError::New(env, "broadcast: the framing cannot encode this payload").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // JS is the only producer: checking every worker first means a broadcast
  // is queued everywhere or nowhere.
  for (size_t i = 0; i < server_->workerCount(); ++i) {
    if (server_->worker(i).broadcastQueueFull()) return Napi::Boolean::New(env, false);
  }
  for (size_t i = 0; i < server_->workerCount(); ++i) server_->worker(i).submitBroadcast(b);
  return Napi::Boolean::New(env, true);
}

// permessage-deflate: the broadcast compressed once, alone (no context), with
// the server's largest window; null when it stays uncompressed (small, or no
// smaller). Members whose agreed window is smaller get the plain encoding.
SharedRef JsServer::compressBroadcast(const uint8_t* payload, size_t len) {
  const WebSocketFraming& w = config_.framing.websocket;
  ws::DeflateStream& stream = deflater_->stream(w.serverMaxWindowBits);
  if (w.goim) {  // payload: goim meta, then the body; the goim packet is what is compressed
    ws::BuiltFrame f;
    if (len < goim::kMetaLength ||
        !ws::compressGoimMessage(stream, false, config_.framing.goim, payload, payload + goim::kMetaLength,
                                 len - goim::kMetaLength, w.compressThreshold, &packet_, &compressed_, &f)) {
      return SharedRef();
    }
    SharedRef out(SharedBytes::create(f.length));
    if (out.get() != nullptr) std::memcpy(out.get()->data(), f.data, f.length);
    return out;
  }
  if (len < 1 || !ws::compressSend(stream, false, payload[0], payload + 1, len - 1, w.compressThreshold, &compressed_)) {
    return SharedRef();
  }
  return encodeBroadcast(*encoder_, compressed_.data(), compressed_.size());
}

// encodeFrame(payload: Uint8Array) -> Buffer: the wire bytes send() would
// write (header, payload, trailer), encoded once for the cluster layer.
Napi::Value JsServer::EncodeFrame(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!encoder_ || info.Length() < 1 || !info[0].IsTypedArray()) {
    Napi::TypeError::New(env, "encodeFrame(payload)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto payload = info[0].As<Napi::Uint8Array>();
  SharedRef frame = encodeBroadcast(*encoder_, payload.Data(), payload.ByteLength());
  if (frame.get() == nullptr) {
    Napi::TypeError::New(env, "encodeFrame: the framing cannot encode this payload").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Buffer<uint8_t>::Copy(env, frame.get()->data(), frame.get()->size());
}

// ---------------------------------------------------------------- ref/unref

Napi::Value JsServer::Ref(const Napi::CallbackInfo& info) {
  refed_ = true;
  if (handles_) {
    uv_ref(reinterpret_cast<uv_handle_t*>(&handles_->async));
    if (handles_->hasPoll) uv_ref(reinterpret_cast<uv_handle_t*>(&handles_->poll));
  }
  return info.Env().Undefined();
}

Napi::Value JsServer::Unref(const Napi::CallbackInfo& info) {
  refed_ = false;
  if (handles_) {
    uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->async));
    if (handles_->hasPoll) uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->poll));
  }
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- stats & options

// setTlsContext(handle): new handshakes use these certificates; connections
// open (or mid-handshake) keep theirs.
Napi::Value JsServer::SetTlsContext(const Napi::CallbackInfo& info) {
  std::shared_ptr<const TlsContext> ctx = tlsContextOf(info[0]);
  if (!ctx || !config_.tls) {
    return throwError(info.Env(), "ERR_TLS_CONTEXT", "setTlsContext needs a TLS server and a context");
  }
  config_.tls->set(std::move(ctx));  // the slot is shared with the running server's config
  return info.Env().Undefined();
}

Napi::Value JsServer::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  if (!server_) return out;
  for (size_t i = 0; i < server_->workerCount(); ++i) {
    const WorkerStats& s = server_->worker(i).stats();
    Napi::Object o = Napi::Object::New(env);
    auto put = [&](const char* k, const std::atomic<uint64_t>& v) {
      o.Set(k, static_cast<double>(v.load(std::memory_order_relaxed)));
    };
    put("connections", s.connections);
    put("accepted", s.accepted);
    put("closed", s.closed);
    put("rejected", s.rejected);
    put("bytesIn", s.bytesIn);
    put("bytesOut", s.bytesOut);
    put("framesIn", s.framesIn);
    put("framesOut", s.framesOut);
    put("acceptErrors", s.acceptErrors);
    put("batches", s.batches);
    put("tlsHandshakes", s.tlsHandshakes);
    put("tlsHandshakeFailures", s.tlsHandshakeFailures);
    put("ktlsTx", s.ktlsTx);
    put("fixedFiles", s.fixedFiles);
    put("providedBuffers", s.providedBuffers);
    put("providedBuffersHeld", s.providedBuffersHeld);
    put("copiedToArena", s.copiedToArena);
    o.Set("copiedToInbox", static_cast<double>(server_->worker(i).inboxCopiedBytes()));
    put("copiedToOutput", s.copiedToOutput);
    put("copiedToTail", s.copiedToTail);
    put("sentByReference", s.sentByReference);
    put("memoryTrims", s.memoryTrims);
    put("memoryTrimNs", s.memoryTrimNs);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

namespace {
struct OptionCall {
  SockOpt opt;
  int64_t value;
  TcpInfo info;
};
}  // namespace

Napi::Value JsServer::SetOption(const Napi::CallbackInfo& info) {
  // setOption(worker, slot, gen, id, value) -> errno (0 = done)
  Napi::Env env = info.Env();
  if (!server_) return Napi::Number::New(env, EBADF);
  uint32_t w = info[0].As<Napi::Number>().Uint32Value();
  if (w >= server_->workerCount()) return Napi::Number::New(env, EBADF);
  OptionCall call{static_cast<SockOpt>(info[3].As<Napi::Number>().Int32Value()),
                  static_cast<int64_t>(info[4].As<Napi::Number>().DoubleValue()), {}};
  int rc = server_->worker(w).withFd(
      info[1].As<Napi::Number>().Uint32Value(), info[2].As<Napi::Number>().Int32Value(),
      [](int fd, void* ctx) {
        auto* c = static_cast<OptionCall*>(ctx);
        return setSockOpt(fd, c->opt, c->value);
      },
      &call);
  return Napi::Number::New(env, rc);
}

Napi::Value JsServer::GetOption(const Napi::CallbackInfo& info) {
  // getOption(worker, slot, gen, id) -> [errno, value]
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, 2);
  OptionCall call{static_cast<SockOpt>(info[3].As<Napi::Number>().Int32Value()), 0, {}};
  int rc = EBADF;
  uint32_t w = info[0].As<Napi::Number>().Uint32Value();
  if (server_ && w < server_->workerCount()) {
    rc = server_->worker(w).withFd(
        info[1].As<Napi::Number>().Uint32Value(), info[2].As<Napi::Number>().Int32Value(),
        [](int fd, void* ctx) {
          auto* c = static_cast<OptionCall*>(ctx);
          return getSockOpt(fd, c->opt, &c->value);
        },
        &call);
  }
  out.Set(0u, rc);
  out.Set(1u, static_cast<double>(call.value));
  return out;
}

Napi::Value JsServer::TcpInfo(const Napi::CallbackInfo& info) {
  // tcpInfo(worker, slot, gen) -> object | errno
  Napi::Env env = info.Env();
  OptionCall call{SockOpt::kNoDelay, 0, {}};
  int rc = EBADF;
  uint32_t w = info[0].As<Napi::Number>().Uint32Value();
  if (server_ && w < server_->workerCount()) {
    rc = server_->worker(w).withFd(
        info[1].As<Napi::Number>().Uint32Value(), info[2].As<Napi::Number>().Int32Value(),
        [](int fd, void* ctx) { return readTcpInfo(fd, &static_cast<OptionCall*>(ctx)->info); },
        &call);
  }
  if (rc != 0) return Napi::Number::New(env, rc);
  const ringnet::TcpInfo& t = call.info;
  Napi::Object o = Napi::Object::New(env);
  o.Set("state", t.state);
  o.Set("rtt", t.rttUs);
  o.Set("rttVar", t.rttVarUs);
  o.Set("minRtt", t.minRttUs);
  o.Set("retransmits", t.retransmits);
  o.Set("totalRetransmits", t.totalRetrans);
  o.Set("lost", t.lost);
  o.Set("cwnd", t.sndCwnd);
  o.Set("ssthresh", t.sndSsthresh);
  o.Set("sndMss", t.sndMss);
  o.Set("rcvMss", t.rcvMss);
  o.Set("pmtu", t.pmtu);
  o.Set("unacked", t.unacked);
  o.Set("bytesAcked", static_cast<double>(t.bytesAcked));
  o.Set("bytesReceived", static_cast<double>(t.bytesReceived));
  o.Set("pacingRate", static_cast<double>(t.pacingRate));
  o.Set("deliveryRate", static_cast<double>(t.deliveryRate));
  return o;
}

}  // namespace ringnet
