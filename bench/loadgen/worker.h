// One load-generator thread: its own epoll fd and its share of the connections.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "connect.h"
#include "histogram.h"

// Phases, advanced by the main thread.
enum Phase : int { kWarmup = 0, kMeasure = 1, kStop = 2 };

// Read-only configuration plus the phase flag, shared by all workers.
struct Shared {
  uint32_t payload = 64;
  uint32_t depth = 1;
  std::vector<uint8_t> pattern;    // payload + kPatternSpan pseudo-random bytes
  uint64_t reconnectAfter = 0;     // --reconnect: echoes per connection before it reopens (0 = never)
  const Target* target = nullptr;  // where reopened connections go
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
};

class Worker {
 public:
  Worker(Shared& shared, std::vector<Conn*> conns);
  ~Worker();
  void run();                      // thread body: returns once phase == kStop

  Histogram hist;                  // latencies of frames completed while measuring
  uint64_t frames = 0;             // frames completed while measuring
  uint64_t errors = 0;             // I/O errors, unexpected EOFs, mismatches
  uint64_t mismatches = 0;         // echoes that differ from what was sent
  uint64_t reconnects = 0;         // connections reopened while measuring (--reconnect)
  std::string firstError;

 private:
  void onReadable(Conn& c, bool hangup);
  void parse(Conn& c, const char* p, size_t len, size_t* consumed);
  void queueFrame(Conn& c, uint64_t now);
  void sendQueued(Conn& c);
  void flush(Conn& c);
  void fail(Conn& c, const char* why, int err);
  void reopen(Conn& c);
  void onConnected(Conn& c);

  Shared& sh_;
  std::vector<Conn*> conns_;
  int ep_ = -1;
  std::vector<char> rbuf_;         // per-thread read buffer (idle connections hold none)
  std::string obuf_;               // frames built during one readable event
};
