// One load-generator thread: its own epoll fd and its share of the connections.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "connect.h"
#include "histogram.h"
#include "ws_client.h"

// CLOCK_MONOTONIC in ns: the latency stamps of worker.cc, worker_goim.cc and worker_ws.cc.
inline uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

// The wire protocol of the echo: length-prefixed frames (worker.cc), goim (worker_goim.cc),
// WebSocket binary messages (worker_ws.cc).
enum class Protocol { kLength, kGoim, kWebSocket };

// Phases, advanced by the main thread. kDrain (windows mode, mux.cc): no new messages; the
// echoes still in flight are counted, and run() returns once none is left.
enum Phase : int { kWarmup = 0, kMeasure = 1, kStop = 2, kDrain = 3 };
// Echoes that count: those completed while measuring, and in windows mode while draining.
inline bool counting(int phase) { return phase == kMeasure || phase == kDrain; }

// Read-only configuration plus the phase flag, shared by all workers.
struct Shared {
  uint32_t payload = 64;
  uint32_t depth = 1;
  std::vector<uint8_t> pattern;    // payload + kPatternSpan pseudo-random bytes
  uint64_t reconnectAfter = 0;     // --reconnect: echoes per connection before it reopens (0 = never)
  const Target* target = nullptr;  // where reopened connections go
  Protocol protocol = Protocol::kLength;
  uint64_t heartbeatEvery = 0;     // goim: a heartbeat after every N messages
  std::atomic<int> phase{kWarmup};
};

// Frame n of connection c carries pattern[offset(c, n) .. + payload): every frame differs from
// its neighbours, so a lost, duplicated, reordered or corrupted echo fails the byte comparison.
constexpr size_t kPatternSpan = 4093;  // prime
inline size_t patternOffset(uint32_t conn, uint64_t frame) {
  return size_t((uint64_t(conn) * 97u + frame * 13u) % kPatternSpan);
}

struct Conn {
  int fd = -1;
  uint32_t id = 0;
  bool dead = false;
  bool connecting = false;         // reopened, non-blocking connect still pending
  uint64_t sent = 0;               // frames queued for sending so far
  uint64_t recv = 0;               // complete echoes received so far
  std::vector<uint64_t> stamps;    // send time of frame n at [n % depth]
  std::string tail;                // partial echoed frame carried to the next read
  std::string out;                 // bytes the kernel did not take yet
  bool authed = false;             // goim: op 8 received, messages may flow
  std::string message;             // ws: fragments of a message not yet complete
  bool fragmented = false;         // ws: inside a fragmented message
  uint64_t heartbeatsOut = 0;      // goim: heartbeats sent and not yet answered
  bool started = false;            // windows mode: later windows only refill the pipeline
};

class Worker {
 public:
  Worker(Shared& shared, std::vector<Conn*> conns);
  ~Worker();
  void run();                      // thread body: returns once phase == kStop, or drained

  Histogram hist;                  // latencies of frames completed while measuring
  uint64_t frames = 0;             // frames completed while measuring
  uint64_t errors = 0;             // I/O errors, unexpected EOFs, mismatches
  uint64_t mismatches = 0;         // echoes that differ from what was sent
  uint64_t reconnects = 0;         // connections reopened while measuring (--reconnect)
  uint64_t heartbeats = 0;         // goim heartbeats answered while measuring
  std::string firstError;

 private:
  void onReadable(Conn& c, bool hangup);
  void parse(Conn& c, const char* p, size_t len, size_t* consumed);
  void queueFrame(Conn& c, uint64_t now);
  void start(Conn& c, uint64_t now);   // first frames of a (re)opened connection
  void fillPipeline(Conn& c, uint64_t now);  // `depth` messages in flight
  // One echo of the oldest message in flight arrived with `body`: check it, record its latency,
  // send the next message. False if the connection failed.
  bool completeEcho(Conn& c, const char* body, size_t len, int phase, uint64_t now);
  // goim (worker_goim.cc)
  void parseGoim(Conn& c, const char* p, size_t len, size_t* consumed);
  void queueGoim(uint32_t op, uint32_t seq, const uint8_t* body, uint32_t len);
  void onGoimReply(Conn& c, const char* body, uint32_t len, uint32_t seq, int phase, uint64_t now);
  // WebSocket (worker_ws.cc)
  void parseWs(Conn& c, const char* p, size_t len, size_t* consumed);
  void queueWs(uint8_t opcode, const uint8_t* payload, size_t len);
  void sendQueued(Conn& c);
  void flush(Conn& c);
  void fail(Conn& c, const char* why, int err);
  void reopen(Conn& c);
  void onConnected(Conn& c);
  bool drained() const;            // kDrain: nothing of ours left in flight

  Shared& sh_;
  std::vector<Conn*> conns_;
  int ep_ = -1;
  std::vector<char> rbuf_;         // per-thread read buffer (idle connections hold none)
  std::string obuf_;               // frames built during one readable event
  wsclient::Rng rng_{wsclient::randomSeed()};  // ws: a fresh mask per frame
};
