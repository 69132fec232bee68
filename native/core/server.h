// A listening server: its listeners, its sub reactors (and their threads) and,
// in dispatch mode, the main reactor. Backend-agnostic; the bridge drives it.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "acceptor.h"
#include "batch_sink.h"
#include "listener.h"
#include "reactor.h"
#include "server_counters.h"
#include "server_config.h"

namespace ringnet {

struct WorkerMemory {
  std::vector<ArenaMemory> arenas;
  double* written = nullptr;  // maxConnections doubles
};

struct ListenError {
  int err = 0;
  const char* syscall = "";
  std::string message;  // set for non-errno failures (backend setup)
};

class Server {
 public:
  explicit Server(ServerConfig config) : config_(std::move(config)) {}
  ~Server();

  const ServerConfig& config() const { return config_; }

  // Binds, creates the workers and starts every thread but the inline one.
  bool listen(const ListenAddress& address, std::vector<WorkerMemory> memory, BatchSink* sink,
              BoundAddress* bound, ListenError* error);

  size_t workerCount() const { return reactors_.size(); }
  Reactor& worker(size_t i) { return *reactors_[i]; }

  // Stops accepting; every worker closes its connections gracefully and
  // reports kEvWorkerDone.
  void close(uint32_t timeoutMs);
  // After every worker is done (or for teardown): joins threads, closes
  // listeners, removes a Unix socket file.
  void finish();
  // Process or worker_thread exit: stop at once without calling into JS.
  void teardown();
  // After finish() and after the event loop stopped polling the workers' fds:
  // closes the backends now (epoll fds, io_uring rings and their SQPOLL
  // threads) instead of when JS garbage-collects the server.
  void releaseIo();

 private:
  int openOne(const ListenAddress& address, bool reusePort, ListenError* error);

  ServerConfig config_;
  std::vector<std::unique_ptr<Reactor>> reactors_;
  std::unique_ptr<Acceptor> acceptor_;
  std::vector<int> listeners_;
  std::string unixPath_;
  ServerCounters counters_;
  bool finished_ = false;
};

}  // namespace ringnet
