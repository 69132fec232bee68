#include "server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace ringnet {

Server::~Server() { teardown(); }

int Server::openOne(const ListenAddress& address, bool reusePort, ListenError* error) {
  ListenerOptions opts = config_.listener;
  opts.reusePort = opts.reusePort || reusePort;
  int fd = openListener(address, opts, &error->err, &error->syscall);
  if (fd >= 0) listeners_.push_back(fd);
  return fd;
}

bool Server::listen(const ListenAddress& address, std::vector<WorkerMemory> memory,
                    BatchSink* sink, BoundAddress* bound, ListenError* error) {
  // Listener options that shape connections (read by the reactors made below).
  config_.proxy = address.proxy;
  const int n = config_.workers;
  for (int i = 0; i < n; ++i) {
    auto r = std::make_unique<Reactor>(i, config_, std::move(memory[i].arenas), memory[i].written,
                                       &counters_, sink);
    if (!r->init(&error->message)) {
      error->syscall = "init";
      return false;
    }
    r->setInline(config_.inlineWorker && i == 0);
    reactors_.push_back(std::move(r));
  }

  const bool isUnix = address.kind != AddressKind::kTcp;
  int first = openOne(address, config_.acceptMode == AcceptMode::kReusePort && !isUnix, error);
  if (first < 0) return false;
  if (!localAddress(first, bound)) {
    error->err = errno;
    error->syscall = "getsockname";
    return false;
  }
  if (address.kind == AddressKind::kUnixPath) unixPath_ = address.path;

  switch (config_.acceptMode) {
    case AcceptMode::kDispatch: {
      std::vector<Reactor*> workers;
      for (auto& r : reactors_) workers.push_back(r.get());
      acceptor_ = std::make_unique<Acceptor>(config_, workers, &counters_);
      if (!acceptor_->init(first, &error->message)) return false;
      break;
    }
    case AcceptMode::kReusePort: {
      // Unix sockets have no SO_REUSEPORT balancing: share one listener the
      // exclusive way instead.
      if (!reactors_[0]->addListener(first, isUnix, &error->message)) return false;
      // The other listeners bind the port the first one got (port 0 works).
      ListenAddress same = address;
      same.port = bound->port;
      for (int i = 1; i < n; ++i) {
        int fd = isUnix ? first : openOne(same, true, error);
        if (fd < 0) return false;
        if (!reactors_[i]->addListener(fd, isUnix, &error->message)) return false;
      }
      break;
    }
    case AcceptMode::kExclusive:
      for (auto& r : reactors_) {
        if (!r->addListener(first, true, &error->message)) return false;
      }
      break;
  }

  for (auto& r : reactors_) {
    if (!r->isInline()) r->startThread();
  }
  if (acceptor_) acceptor_->start();
  return true;
}

void Server::close(uint32_t timeoutMs) {
  if (acceptor_) acceptor_->stop();
  // Stop listening now, not when the last connection is gone: shutdown() on a
  // listening socket takes it out of the accept path (and out of a reuseport
  // group) at once, so new clients are refused instead of queued unanswered.
  // The fds are closed in finish(), once no worker can touch them.
  for (int fd : listeners_) ::shutdown(fd, SHUT_RDWR);
  for (auto& r : reactors_) r->requestClose(timeoutMs);
}

void Server::finish() {
  if (finished_) return;
  finished_ = true;
  if (acceptor_) acceptor_->stop();
  for (auto& r : reactors_) r->join();
  for (int fd : listeners_) ::close(fd);
  listeners_.clear();
  // Like Node: a Unix socket file we created goes away with the server.
  if (!unixPath_.empty()) ::unlink(unixPath_.c_str());
}

void Server::releaseIo() {
  for (auto& r : reactors_) r->releaseIo();
}

void Server::teardown() {
  if (finished_) return;
  if (acceptor_) acceptor_->stop();
  for (auto& r : reactors_) r->stop();
  finish();
}

}  // namespace ringnet
