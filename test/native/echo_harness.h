// The JS side of a server, played by a native test: a Server on real
// sockets whose batches are echoed back with send commands (as the bridge
// does), plus blocking clients. Shared by the native tests that need a live
// server (server_cycle_test, fork_close_test).
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/backend_factory.h"
#include "core/server.h"
#include "core/wire.h"

namespace echo_harness {

using namespace ringnet;
using Clock = std::chrono::steady_clock;

inline int openFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  while (readdir(d)) n++;
  closedir(d);
  return n - 3;  // ".", ".." and the directory's own fd
}

// The JS side: batches in, echo commands out, arenas back.
class EchoSide final : public BatchSink {
 public:
  void deliver(Reactor& reactor, const PublishedBatch& batch) override {
    if (reactor.isInline()) {  // on this thread, like the bridge's inline path
      handle(reactor, batch);
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back({&reactor, batch});
    cv_.notify_one();
  }

  // Handles what the threaded reactors delivered, waiting up to ms for it.
  void pumpQueued(int ms) {
    std::deque<std::pair<Reactor*, PublishedBatch>> got;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return !queue_.empty(); });
      got.swap(queue_);
    }
    for (auto& [r, b] : got) handle(*r, b);
  }

  // After a teardown: batches still queued name reactors that are gone.
  void dropQueued() {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.clear();
  }

  int opens = 0, closes = 0, done = 0, frames = 0, serverErrors = 0;
  std::vector<int32_t> closeReasons;  // wire::CloseReason of each close, in order

 private:
  void handle(Reactor& r, const PublishedBatch& b) {
    const ArenaMemory& arena = arenas_[r.index()][b.arena];
    std::vector<uint8_t> log;
    for (uint32_t i = 0; i < b.records; i++) {
      const int32_t* rec = arena.records + i * wire::kEventInts;
      switch (rec[wire::kType]) {
        case wire::kEvOpen: opens++; break;
        case wire::kEvClose:
          closes++;
          closeReasons.push_back(rec[wire::kAux]);
          break;
        case wire::kEvWorkerDone: done++; break;
        case wire::kEvServerError: serverErrors++; break;
        case wire::kEvEnd:  // allowHalfOpen false: end our side too, as the TS layer does
          command(log, rec, nullptr, 0, wire::kCmdEnd);
          break;
        case wire::kEvFrame:
          frames++;
          command(log, rec, arena.data + rec[wire::kOffset], static_cast<size_t>(rec[wire::kLength]));
          break;
        case wire::kEvFrameBig: {
          frames++;
          const auto& big = r.batch().bigFrames(b.arena)[static_cast<size_t>(rec[wire::kOffset])];
          command(log, rec, big.data(), big.size());
          break;
        }
        default: break;
      }
    }
    r.batch().bigFrames(b.arena).clear();
    if (!log.empty()) r.submitCommands(log.data(), log.size());
    r.releaseArena(b.arena);
  }

  static void command(std::vector<uint8_t>& log, const int32_t* rec, const uint8_t* payload, size_t len,
                      int32_t op = wire::kCmdSend) {
    const int32_t head[4] = {op, rec[wire::kSlot], rec[wire::kGen], static_cast<int32_t>(len)};
    const auto* h = reinterpret_cast<const uint8_t*>(head);
    log.insert(log.end(), h, h + sizeof head);
    if (len > 0) log.insert(log.end(), payload, payload + len);
    log.resize((log.size() + 3) & ~size_t{3});
  }

 public:
  std::vector<std::vector<ArenaMemory>> arenas_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Reactor*, PublishedBatch>> queue_;
};

// Arenas and written counters the bridge would allocate as ArrayBuffers.
struct Memory {
  std::vector<std::unique_ptr<uint8_t[]>> data;
  std::vector<std::unique_ptr<int32_t[]>> records;
  std::vector<std::unique_ptr<double[]>> written;

  std::vector<WorkerMemory> make(const ServerConfig& c, EchoSide& side) {
    std::vector<WorkerMemory> out(static_cast<size_t>(c.workers));
    side.arenas_.assign(out.size(), {});
    for (size_t w = 0; w < out.size(); w++) {
      for (uint32_t a = 0; a < c.batchArenas; a++) {
        data.emplace_back(new uint8_t[c.batchBytes]);
        records.emplace_back(new int32_t[size_t{c.batchRecords} * wire::kEventInts]);
        ArenaMemory m{data.back().get(), c.batchBytes, records.back().get(), c.batchRecords};
        out[w].arenas.push_back(m);
        side.arenas_[w].push_back(m);
      }
      written.emplace_back(new double[c.maxConnections]());
      out[w].written = written.back().get();
    }
    return out;
  }
};

inline std::string frame(const std::string& body) {
  std::string s(4, '\0');
  const uint32_t n = static_cast<uint32_t>(body.size());
  s[0] = static_cast<char>(n >> 24);
  s[1] = static_cast<char>(n >> 16);
  s[2] = static_cast<char>(n >> 8);
  s[3] = static_cast<char>(n);
  return s + body;
}

class Harness {
 public:
  Harness(Server& s, EchoSide& side) : s_(s), side_(side) {}

  // Lets the server run for up to ms: the inline worker on this thread, the
  // threaded ones by handling what they delivered.
  void pump(int ms) {
    if (s_.config().inlineWorker) {
      Reactor& r = s_.worker(0);
      for (int i = 0; i < 8 && r.runOnce(); i++) {
      }
      if (r.done()) return;
      int timeout = r.nextTimeoutMs();
      if (timeout < 0 || timeout > ms) timeout = ms;
      pollfd p{r.backend().pollFd(), POLLIN, 0};
      ::poll(&p, 1, timeout);
      r.runOnce();
      if (s_.workerCount() > 1) side_.pumpQueued(0);
    } else {
      side_.pumpQueued(ms);
    }
  }

  int connect(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // Blocking connect completes in the kernel (the listener's backlog).
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
  }

  void sendAll(int fd, const std::string& bytes) {
    size_t at = 0;
    const auto end = Clock::now() + std::chrono::seconds(10);
    while (at < bytes.size() && Clock::now() < end) {
      ssize_t n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
      if (n > 0) at += static_cast<size_t>(n);
      else pump(1);
    }
  }

  // Reads until `want` bytes arrived (true) or 10 s passed.
  bool expect(int fd, const std::string& want) {
    std::string got;
    const auto end = Clock::now() + std::chrono::seconds(10);
    char buf[65536];
    while (got.size() < want.size() && Clock::now() < end) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) got.append(buf, static_cast<size_t>(n));
      else if (n == 0) break;
      else pump(2);
    }
    return got == want;
  }

  bool until(const std::function<bool()>& cond, int ms) {
    const auto end = Clock::now() + std::chrono::milliseconds(ms);
    while (!cond()) {
      if (Clock::now() > end) return false;
      pump(5);
    }
    return true;
  }

 private:
  Server& s_;
  EchoSide& side_;
};

inline void resetClose(int fd) {
  linger l{1, 0};  // SO_LINGER 0: close sends RST
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

// The worker shapes every live-server test runs: threads with dispatch,
// threads with reuseport, one inline worker.
struct Shape {
  const char* name;
  int workers;
  bool inlineWorker;
  AcceptMode mode;
};
inline const Shape kShapes[] = {
    {"threads/dispatch", 2, false, AcceptMode::kDispatch},
    {"threads/reuseport", 2, false, AcceptMode::kReusePort},
    {"inline", 1, true, AcceptMode::kDispatch},
};

// A small server of the given shape on 127.0.0.1 (tiny io_uring rings).
inline ServerConfig smallConfig(BackendKind backend, const Shape& shape) {
  ServerConfig c;
  c.backend = backend;
  c.workers = shape.workers;
  c.inlineWorker = shape.inlineWorker;
  c.acceptMode = shape.mode;
  c.ioUring.entries = 64;
  c.ioUring.bufferCount = 16;
  c.ioUring.bufferSize = 4096;
  return c;
}

// A Server with its JS side, listening on an ephemeral loopback port (says
// why on stdout if it cannot).
struct LiveServer {
  explicit LiveServer(const ServerConfig& c) : server(std::make_unique<Server>(c)) {
    ListenAddress addr;
    addr.host = "127.0.0.1";
    ListenError err;
    listening = server->listen(addr, memory.make(c, side), &side, &bound, &err);
    if (!listening) std::printf("  listen failed: %s %s\n", err.syscall, err.message.c_str());
  }
  EchoSide side;
  Memory memory;
  std::unique_ptr<Server> server;
  BoundAddress bound;
  bool listening = false;
};

// epoll, and io_uring where this kernel has it (said once on stdout if not).
inline std::vector<std::pair<BackendKind, const char*>> availableBackends() {
  std::vector<std::pair<BackendKind, const char*>> backends{{BackendKind::kEpoll, "epoll"}};
  std::string why;
  if (backendAvailable(BackendKind::kIoUring, &why)) {
    backends.emplace_back(BackendKind::kIoUring, "io_uring");
  } else {
    std::printf("io_uring not available here (%s): epoll only\n", why.c_str());
  }
  return backends;
}

}  // namespace echo_harness
