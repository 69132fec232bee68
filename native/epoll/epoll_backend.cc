#include "epoll_backend.h"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ringnet {

namespace {
// epoll_event.data tags: connections are stored as pointers (8-aligned, low
// bits clear); listeners and the wake-up fd carry a tag in the low bits.
constexpr uint64_t kTagListener = 1;
constexpr uint64_t kTagWake = 2;
constexpr uint64_t kTagMask = 3;
constexpr int kMaxIov = 64;
constexpr int kAcceptsPerWake = 64;
}  // namespace

std::unique_ptr<IoBackend> makeEpollBackend(ChunkPool&, uint32_t readBufferSize,
                                            uint32_t readBudget) {
  return std::make_unique<EpollBackend>(readBufferSize, readBudget);
}

EpollBackend::EpollBackend(uint32_t readBufferSize, uint32_t readBudget)
    : readBuffer_(readBufferSize), readBudget_(readBudget) {}

EpollBackend::~EpollBackend() {
  if (wakeFd_ >= 0) ::close(wakeFd_);
  if (epfd_ >= 0) ::close(epfd_);
}

bool EpollBackend::init(IoHandler* handler, std::string* err) {
  handler_ = handler;
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd_ < 0 || wakeFd_ < 0) {
    *err = std::string("epoll setup failed: ") + std::strerror(errno);
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kTagWake;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, wakeFd_, &ev) != 0) {
    *err = std::string("epoll_ctl(eventfd) failed: ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool EpollBackend::addListener(int fd, bool exclusive, std::string* err) {
  epoll_event ev{};
  ev.events = EPOLLIN | (exclusive ? static_cast<uint32_t>(EPOLLEXCLUSIVE) : 0u);
  ev.data.u64 = (static_cast<uint64_t>(fd) << 2) | kTagListener;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    *err = std::string("epoll_ctl(listener) failed: ") + std::strerror(errno);
    return false;
  }
  listeners_.push_back(fd);
  return true;
}

void EpollBackend::removeListener(int fd) {
  epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), fd), listeners_.end());
}

bool EpollBackend::attach(Connection& c) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = &c;
  // Registered once for life: edge-triggered, so no epoll_ctl per write.
  return epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev) == 0;
}

void EpollBackend::resumeRead(Connection& c) {
  if (c.readable && !c.inReadyList) {
    c.inReadyList = true;
    ready_.push_back(&c);
  }
}

void EpollBackend::flush(Connection& c) {
  if (c.writable) writeSome(c);
}

void EpollBackend::shutdownWrite(Connection& c) { ::shutdown(c.fd, SHUT_WR); }

void EpollBackend::close(Connection& c, bool abortive) {
  if (abortive) {
    linger lg{1, 0};  // RST instead of FIN
    setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  // Deregister before close: close() drops the epoll item only when the last
  // reference to the open file goes, and a fork() elsewhere in the process
  // (child_process.spawn, before its exec) holds one for a moment. An event
  // in that window would carry a pointer to a connection freed this pass.
  epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  c.fd = -1;
  handler_->onClosed(c);
}

void EpollBackend::wake() {
  uint64_t one = 1;
  ssize_t r = ::write(wakeFd_, &one, sizeof one);
  (void)r;  // EAGAIN means the counter is already non-zero: a wake-up is pending
}

bool EpollBackend::run(int timeoutMs) {
  if (!ready_.empty()) timeoutMs = 0;
  int n = epoll_wait(epfd_, events_, static_cast<int>(std::size(events_)), timeoutMs);
  for (int i = 0; i < n; ++i) {
    uint64_t tag = events_[i].data.u64 & kTagMask;
    if (tag == kTagWake) {
      uint64_t v;
      ssize_t r = ::read(wakeFd_, &v, sizeof v);
      (void)r;
      handler_->onWake();
    } else if (tag == kTagListener) {
      accepts_.drain(static_cast<int>(events_[i].data.u64 >> 2), handler_, kAcceptsPerWake);
    } else {
      onConnectionEvent(*static_cast<Connection*>(events_[i].data.ptr), events_[i].events);
    }
  }
  runReadyList();
  return !ready_.empty();
}

void EpollBackend::onConnectionEvent(Connection& c, uint32_t events) {
  if (c.closed) return;  // closed earlier in this batch of events
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    c.readable = true;
    // The FIN raised its edge already: read until recv says 0.
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c.hupSeen = true;
    if (!c.inReadyList) readSome(c);
  }
  if (c.closed) return;
  if (events & EPOLLERR) {
    // A pending socket error the read did not surface (e.g. while paused).
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      handler_->onIoError(c, err);
      return;
    }
  }
  if (events & EPOLLOUT) {
    c.writable = true;
    if (!c.wire().empty()) writeSome(c);
  }
}

void EpollBackend::runReadyList() {
  if (ready_.empty()) return;
  std::vector<Connection*> list;
  list.swap(ready_);
  for (Connection* c : list) {
    c->inReadyList = false;
    if (!c->closed) readSome(*c);
  }
}

void EpollBackend::readSome(Connection& c) {
  if (c.paused || c.blocked || c.peerEnded) return;  // resumeRead() brings it back
  size_t used = 0;
  while (used < readBudget_) {
    ssize_t n = ::recv(c.fd, readBuffer_.data(), readBuffer_.size(), 0);
    if (n > 0) {
      used += static_cast<size_t>(n);
      bool more = handler_->onData(c, readBuffer_.data(), static_cast<size_t>(n));
      if (c.closed || !more) return;
      // A short read emptied the socket: the next arrival raises a new edge,
      // so skip the recv that would only say EAGAIN.
      if (static_cast<size_t>(n) < readBuffer_.size() && !c.hupSeen) {
        c.readable = false;
        return;
      }
      continue;
    }
    if (n == 0) {
      c.readable = false;
      handler_->onPeerEnd(c);
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      c.readable = false;
      return;
    }
    handler_->onIoError(c, errno);
    return;
  }
  // Budget spent with bytes still waiting: come back after the others.
  c.inReadyList = true;
  ready_.push_back(&c);
}

void EpollBackend::writeSome(Connection& c) {
  while (!c.closed && !c.wire().empty()) {
    struct iovec iov[kMaxIov];
    int n = c.wire().gather(iov, kMaxIov);
    size_t total = 0;
    for (int i = 0; i < n; ++i) total += iov[i].iov_len;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(n);
    ssize_t w = ::sendmsg(c.fd, &msg, MSG_NOSIGNAL);  // never SIGPIPE
    if (w >= 0) {
      handler_->onWritten(c, static_cast<size_t>(w), static_cast<size_t>(w) == total);
      if (static_cast<size_t>(w) < total) {
        c.writable = false;  // the kernel's buffer is full: wait for EPOLLOUT
        return;
      }
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      c.writable = false;
      return;
    }
    handler_->onIoError(c, errno);
    return;
  }
}

}  // namespace ringnet
