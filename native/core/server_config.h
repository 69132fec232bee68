// Everything a server is configured with, already validated by the JS layer
// (src/options.ts) and parsed by the bridge. Plain data, no Node.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "codec/codec.h"
#include "codec/goim_codec.h"
#include "codec/http_codec.h"
#include "codec/ws_codec.h"
#include "listener.h"
#include "socket_options.h"

namespace ringnet {
class TlsContextSlot;
}

namespace ringnet {

// kWebSocket also serves 'http' framing with a websocket path (httpRequests)
// and goim over WebSocket.
enum class FramingType : uint8_t { kLength, kDelimiter, kFixed, kRaw, kGoim, kHttp, kWebSocket };

struct FramingConfig {
  FramingType type = FramingType::kLength;
  LengthFraming length;
  DelimiterFraming delimiter;
  FixedFraming fixed;
  RawFraming raw;
  GoimFraming goim;
  bool goimAuth = false;        // goim: frames wait behind an accepted auth (op 7)
  uint32_t goimAuthTimeoutMs = 0;  // goim: close unless the auth is accepted within (0 = never)
  HttpFraming http;
  WebSocketFraming websocket;
};

// Rooms and broadcast (rooms.h), per worker.
struct RoomLimits {
  uint32_t maxRoomsPerConnection = 64;
  uint32_t maxRoomNameLength = 256;
  uint32_t maxPendingBroadcasts = 1024;  // broadcasts queued for one worker, not yet applied
};

enum class AcceptMode : uint8_t { kDispatch, kReusePort, kExclusive };
enum class DispatchPolicy : uint8_t { kRoundRobin, kLeastConnections };
enum class BackendKind : uint8_t { kEpoll, kIoUring };

// io_uring backend tuning (ignored by epoll).
struct IoUringConfig {
  uint32_t entries = 1024;       // SQ entries per ring (the CQ is sized from maxConnections)
  uint32_t bufferCount = 128;    // provided receive buffers per worker (a power of two; at most, see buffer_ring.h)
  uint32_t bufferSize = 65536;   // bytes per provided buffer (measured: issue 12)
  bool sqpoll = false;           // a kernel thread polls the SQ (burns a CPU while busy)
  uint32_t sqpollIdleMs = 1000;  // ... and sleeps after this long without submissions
  uint32_t zeroCopyThreshold = 0;  // sends of at least this many bytes use SEND_ZC (0 = never)
};

struct ServerConfig {
  BackendKind backend = BackendKind::kEpoll;
  int workers = 1;               // sub reactors
  bool inlineWorker = false;     // worker 0 runs on the JS thread (no thread hop)
  AcceptMode acceptMode = AcceptMode::kDispatch;
  DispatchPolicy dispatch = DispatchPolicy::kRoundRobin;

  FramingConfig framing;

  ListenerOptions listener;      // backlog and server socket options
  SockOptList connectionOptions; // applied to every accepted connection

  uint64_t highWaterMark = 64 * 1024;         // send() returns false above it (checked in JS)
  uint64_t maxOutbound = 8 * 1024 * 1024;     // queued outbound bytes per connection before close
  uint32_t maxConnections = 10000;            // whole server
  uint32_t readBudget = 256 * 1024;           // bytes read from one connection per loop pass
  uint32_t readBufferSize = 64 * 1024;        // per-reactor read buffer
  uint32_t batchBytes = 256 * 1024;           // arena data bytes per batch to JS
  uint32_t batchRecords = 8192;               // event records per batch
  uint32_t batchArenas = 2;                   // arenas per worker (batches in flight to JS)
  uint32_t closeLingerMs = 2000;              // graceful close: wait this long for the peer's FIN
  uint32_t idleTimeoutMs = 0;                 // close after no bytes either way (0 = off)
  uint32_t readTimeoutMs = 0;                 // close after no bytes received (0 = off)
  uint32_t protocolTimeoutMs = 0;             // shortest protocol deadline (header/auth); sizes the sweep
  int32_t readTimeoutReason = 14;             // wire::kCloseReadTimeout, or kCloseHeartbeatTimeout (goim)
  RoomLimits rooms;
  IoUringConfig ioUring;

  // TLS (tls/): set when the server speaks TLS. The slot holds the current
  // certificates (swapped by setSecureContext); the rest is fixed at listen.
  std::shared_ptr<TlsContextSlot> tls;
  uint32_t tlsHandshakeTimeoutMs = 10000;
  uint32_t tlsMaxHandshakes = 1024;  // per worker
  ListenAddress::Proxy proxy;                 // from listen(): the PROXY protocol on accepted connections
};

}  // namespace ringnet
