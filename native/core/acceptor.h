// The main reactor of the dispatch accept mode: one thread accepts from the
// listener and hands each fd to a sub reactor (round-robin or the one with the
// fewest connections). It owns no connection.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "chunk_pool.h"
#include "io_backend.h"
#include "server_config.h"
#include "server_counters.h"

namespace ringnet {

class Reactor;

class Acceptor final : public IoHandler {
 public:
  Acceptor(const ServerConfig& config, std::vector<Reactor*> workers, ServerCounters* shared);
  ~Acceptor() override;

  bool init(int listenFd, std::string* err);
  void start();
  void stop();  // stops accepting and joins the thread

  void onAccepted(int fd) override;
  void onAcceptError(int err) override;
  void onWake() override {}
  // The acceptor owns no connection.
  bool onData(Connection&, const uint8_t*, size_t) override { return false; }
  void onPeerEnd(Connection&) override {}
  void onWritten(Connection&, size_t, bool) override {}
  void onIoError(Connection&, int) override {}
  void onClosed(Connection&) override {}

 private:
  Reactor* pick();

  const ServerConfig& config_;
  std::vector<Reactor*> workers_;
  ChunkPool pool_{0};
  std::unique_ptr<IoBackend> backend_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  size_t next_ = 0;
  ServerCounters* shared_;  // accept-report bursts, server-wide
};

}  // namespace ringnet
