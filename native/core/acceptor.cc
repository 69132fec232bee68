#include "acceptor.h"

#include <unistd.h>

#include "backend_factory.h"
#include "reactor.h"

namespace ringnet {

Acceptor::Acceptor(const ServerConfig& config, std::vector<Reactor*> workers, ServerCounters* shared)
    : config_(config), workers_(std::move(workers)), shared_(shared) {}

Acceptor::~Acceptor() { stop(); }

bool Acceptor::init(int listenFd, std::string* err) {
  // The main reactor accepts with epoll whatever the workers use: accepts are
  // rare next to reads and writes, and readiness is all a listener needs.
  backend_ = makeEpollBackend(pool_, 0, 0);
  if (!backend_->init(this, err)) return false;
  return backend_->addListener(listenFd, false, err);
}

void Acceptor::start() {
  thread_ = std::thread([this] {
    while (!stopping_.load(std::memory_order_acquire)) backend_->run(-1);
  });
}

void Acceptor::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true, std::memory_order_release);
  backend_->wake();
  thread_.join();
}

Reactor* Acceptor::pick() {
  if (config_.dispatch == DispatchPolicy::kLeastConnections) {
    Reactor* best = workers_[0];
    uint64_t bestCount = UINT64_MAX;
    for (Reactor* r : workers_) {
      uint64_t n = r->stats().connections.load(std::memory_order_relaxed);
      if (n < bestCount) {
        bestCount = n;
        best = r;
      }
    }
    return best;
  }
  Reactor* r = workers_[next_];
  next_ = (next_ + 1) % workers_.size();
  return r;
}

void Acceptor::onAccepted(int fd) {
  shared_->accepted();
  pick()->adoptFd(fd);
}

void Acceptor::onAcceptError(int err) {
  // Counted on worker 0 and reported through its batch stream, once per
  // burst server-wide (server_counters.h), as the other accept modes do.
  workers_[0]->countAcceptError();
  if (shared_->firstAcceptError()) workers_[0]->reportAcceptError(err);
}

}  // namespace ringnet
