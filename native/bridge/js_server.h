// The bridge between one ringnet server and JavaScript: owns the arenas JS
// reads batches from, wakes the JS thread when threaded workers publish, drives
// an inline worker from Node's event loop, and exposes the few calls JS makes.
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>
#include <mutex>
#include <vector>

#include "../core/batch_sink.h"
#include "../core/server.h"
#include "../core/websocket/ws_deflate.h"
#include "../core/websocket/ws_frame_deflate.h"

namespace ringnet {

class JsServer : public Napi::ObjectWrap<JsServer>, public BatchSink {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit JsServer(const Napi::CallbackInfo& info);
  ~JsServer() override;

  // BatchSink: from worker threads (queued) or the JS thread (inline worker).
  void deliver(Reactor& reactor, const PublishedBatch& batch) override;

 private:
  struct Pending {
    Reactor* reactor;
    PublishedBatch batch;
  };
  struct LoopHandles;  // uv handles, freed by their close callbacks

  Napi::Value Listen(const Napi::CallbackInfo& info);
  Napi::Value Submit(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Finish(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value SetOption(const Napi::CallbackInfo& info);
  Napi::Value GetOption(const Napi::CallbackInfo& info);
  Napi::Value TcpInfo(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value Broadcast(const Napi::CallbackInfo& info);
  Napi::Value EncodeFrame(const Napi::CallbackInfo& info);
  Napi::Value SetTlsContext(const Napi::CallbackInfo& info);

  void callJs(Reactor& reactor, const PublishedBatch& batch);
  void drainQueue();
  void runInline();
  void closeHandles();
  static void cleanupHook(void* self);
  SharedRef compressBroadcast(const uint8_t* payload, size_t len);

  Napi::Env env_;
  ServerConfig config_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<FrameEncoder> encoder_;  // broadcast frames are encoded once, here
  // WebSocket with permessage-deflate compression: a broadcast is also
  // compressed once, here, for the members that negotiated it.
  std::unique_ptr<ws::Deflater> deflater_;
  std::vector<uint8_t> compressed_;
  std::vector<uint8_t> packet_;  // goim over WebSocket: the packet being compressed
  Napi::FunctionReference onBatch_;
  Napi::ObjectReference self_;            // keeps this object alive while listening
  std::vector<Napi::Reference<Napi::ArrayBuffer>> buffers_;  // arena memory held for JS
  std::unique_ptr<Napi::AsyncContext> asyncContext_;

  std::mutex queueMu_;
  std::vector<Pending> queue_;
  std::vector<Pending> draining_;

  LoopHandles* handles_ = nullptr;
  bool refed_ = true;
  bool jsAlive_ = true;  // false once Node refused to run JS (teardown)
  bool hookAdded_ = false;
};

}  // namespace ringnet
