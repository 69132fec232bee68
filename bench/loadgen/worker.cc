// The echo loop: edge-triggered epoll, read until drained, verify each echoed frame, record its
// latency and send the next one, batching every frame produced by one read into one send().
// What the protocols share lives here (completeEcho: the byte check, latency, next message);
// worker_goim.cc and worker_ws.cc only frame and unframe.
#include "worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace {

uint32_t readBe32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
}

}  // namespace

Worker::Worker(Shared& shared, std::vector<Conn*> conns) : sh_(shared), conns_(std::move(conns)) {
  size_t frame = size_t(sh_.payload) + 14;  // the largest header: a WebSocket frame's 14 bytes
  rbuf_.resize(frame * 4 > 256 * 1024 ? frame * 4 : 256 * 1024);
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  for (Conn* c : conns_) {
    c->stamps.assign(sh_.depth, 0);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, c->fd, &ev) != 0) fail(*c, "epoll_ctl", errno);
  }
}

Worker::~Worker() {
  if (ep_ >= 0) close(ep_);
}

void Worker::run() {
  // Fill the pipeline: every connection starts with `depth` frames in flight.
  // In windows mode a connection's later windows only refill it (goim: once authenticated).
  uint64_t now = nowNs();
  for (Conn* c : conns_) {
    if (c->dead) continue;
    obuf_.clear();
    if (!c->started) start(*c, now);
    else if (sh_.protocol != Protocol::kGoim || c->authed) fillPipeline(*c, now);
    c->started = true;
    sendQueued(*c);
  }
  epoll_event evs[512];
  for (;;) {
    int phase = sh_.phase.load(std::memory_order_relaxed);
    if (phase == kStop || (phase == kDrain && drained())) break;
    int n = epoll_wait(ep_, evs, 512, phase == kDrain ? 5 : 50);
    for (int i = 0; i < n; ++i) {
      Conn& c = *static_cast<Conn*>(evs[i].data.ptr);
      uint32_t e = evs[i].events;
      if (c.dead) continue;
      if (c.connecting) {
        if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) onConnected(c);
        continue;
      }
      if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))  // read() reports EOF and errors
        onReadable(c, (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
      if (!c.dead && (e & EPOLLOUT) && !c.out.empty()) flush(c);
    }
  }
}

void Worker::onReadable(Conn& c, bool hangup) {
  obuf_.clear();
  for (;;) {
    // Put the carried partial frame in front of the new bytes, then parse in place.
    size_t tl = c.tail.size();
    if (tl) std::memcpy(rbuf_.data(), c.tail.data(), tl);
    size_t room = rbuf_.size() - tl;
    ssize_t n = read(c.fd, rbuf_.data() + tl, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      fail(c, "read", errno);
      return;
    }
    if (n == 0) {
      fail(c, "server closed the connection", 0);
      return;
    }
    size_t len = tl + size_t(n), used = 0;
    parse(c, rbuf_.data(), len, &used);
    if (c.dead) return;
    if (sh_.reconnectAfter && c.recv >= sh_.reconnectAfter) {
      reopen(c);
      return;
    }
    c.tail.assign(rbuf_.data() + used, len - used);
    // A short read drained the socket; with EPOLLET the next arrival raises a new event.
    // After a hang-up no event follows, so read on until EOF or an error shows.
    if (size_t(n) < room && !hangup) break;
  }
  sendQueued(c);
}

// A (re)opened connection's first frames: the pipeline, or goim's auth (the pipeline follows op 8).
void Worker::start(Conn& c, uint64_t now) {
  if (sh_.protocol == Protocol::kGoim) {
    static const uint8_t kToken[] = {'l', 'a', 'b'};
    c.authed = false;
    c.heartbeatsOut = 0;
    queueGoim(7, 0, kToken, sizeof(kToken));
    return;
  }
  fillPipeline(c, now);
}

void Worker::fillPipeline(Conn& c, uint64_t now) {
  for (uint32_t k = 0; k < sh_.depth && (!sh_.reconnectAfter || c.sent < sh_.reconnectAfter); ++k) queueFrame(c, now);
}

void Worker::parse(Conn& c, const char* p, size_t len, size_t* consumed) {
  if (sh_.protocol == Protocol::kGoim) {
    parseGoim(c, p, len, consumed);
    return;
  }
  if (sh_.protocol == Protocol::kWebSocket) {
    parseWs(c, p, len, consumed);
    return;
  }
  const uint32_t P = sh_.payload;
  const int phase = sh_.phase.load(std::memory_order_relaxed);
  const uint64_t now = nowNs();
  size_t off = 0;
  while (len - off >= 4) {
    uint32_t flen = readBe32(p + off);
    if (flen != P) {  // the stream is out of step: nothing after this can be trusted
      ++mismatches;
      fail(c, "echoed frame has a wrong length", 0);
      return;
    }
    if (len - off - 4 < flen) break;
    if (!completeEcho(c, p + off + 4, flen, phase, now)) return;
    off += 4 + flen;
  }
  *consumed = off;
}

bool Worker::completeEcho(Conn& c, const char* body, size_t len, int phase, uint64_t now) {
  if (c.recv >= c.sent) {
    ++mismatches;
    fail(c, "more echoes than messages sent", 0);
    return false;
  }
  if (len != sh_.payload) {
    ++mismatches;
    fail(c, "echo of the wrong length", 0);
    return false;
  }
  if (std::memcmp(body, sh_.pattern.data() + patternOffset(c.id, c.recv), len) != 0) {
    ++mismatches;
    ++errors;
    if (firstError.empty()) firstError = "echoed payload differs from the message sent";
  }
  uint64_t lat = now - c.stamps[c.recv % sh_.depth];
  ++c.recv;
  if (counting(phase)) {
    hist.record(lat);
    ++frames;
  }
  if (phase != kStop && phase != kDrain && (!sh_.reconnectAfter || c.sent < sh_.reconnectAfter)) queueFrame(c, now);
  return true;
}

// Appends frame number c.sent to obuf_ and stamps its send time.
void Worker::queueFrame(Conn& c, uint64_t now) {
  const uint32_t P = sh_.payload;
  const uint8_t* body = sh_.pattern.data() + patternOffset(c.id, c.sent);
  if (sh_.protocol == Protocol::kGoim) {
    queueGoim(4, uint32_t(c.sent), body, P);
  } else if (sh_.protocol == Protocol::kWebSocket) {
    queueWs(wsclient::kBinary, body, P);
  } else {
    unsigned char h[4] = {uint8_t(P >> 24), uint8_t(P >> 16), uint8_t(P >> 8), uint8_t(P)};
    obuf_.append(reinterpret_cast<char*>(h), 4);
    obuf_.append(reinterpret_cast<const char*>(body), P);
  }
  c.stamps[c.sent % sh_.depth] = now;
  ++c.sent;
  if (sh_.protocol == Protocol::kGoim && sh_.heartbeatEvery && c.sent % sh_.heartbeatEvery == 0) {
    queueGoim(2, uint32_t(c.sent), nullptr, 0);
    ++c.heartbeatsOut;
  }
}

// Sends what queueFrame built: directly if nothing is backed up, else behind the backlog.
void Worker::sendQueued(Conn& c) {
  if (obuf_.empty()) return;
  if (!c.out.empty()) {
    c.out += obuf_;
    obuf_.clear();
    flush(c);
    return;
  }
  size_t off = 0;
  while (off < obuf_.size()) {
    ssize_t n = send(c.fd, obuf_.data() + off, obuf_.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += size_t(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      c.out.assign(obuf_, off, std::string::npos);  // EPOLLOUT will flush it
      break;
    } else {
      obuf_.clear();
      fail(c, "send", errno);
      return;
    }
  }
  obuf_.clear();
}

void Worker::flush(Conn& c) {
  size_t off = 0;
  while (off < c.out.size()) {
    ssize_t n = send(c.fd, c.out.data() + off, c.out.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += size_t(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      fail(c, "send", errno);
      return;
    }
  }
  c.out.erase(0, off);
}

bool Worker::drained() const {
  for (const Conn* c : conns_) {
    if (c->dead) continue;
    if (c->recv < c->sent || c->heartbeatsOut || !c->out.empty()) return false;
    if (sh_.protocol == Protocol::kGoim && !c->authed) return false;
  }
  return true;
}

// Closes a broken connection. Errors after the measured window (teardown) are not counted.
void Worker::fail(Conn& c, const char* why, int err) {
  if (c.dead) return;
  c.dead = true;
  epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
  close(c.fd);
  c.fd = -1;
  if (sh_.phase.load(std::memory_order_relaxed) == kStop) return;
  ++errors;
  if (firstError.empty()) {
    firstError = why;
    if (err) firstError += std::string(": ") + std::strerror(err);
  }
}

// --reconnect: the connection served its echoes; close it and open a new one, so the server
// accepts at a steady rate. The close is abortive (SO_LINGER 0): a graceful close would leave
// each client port in TIME_WAIT and a high rate would run out of ephemeral ports.
void Worker::reopen(Conn& c) {
  epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
  linger lg{1, 0};
  setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close(c.fd);
  c.fd = -1;
  c.sent = c.recv = 0;
  c.tail.clear();
  c.out.clear();
  const Target& t = *sh_.target;
  int fd = socket(t.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    c.dead = true;  // fail() must not close an fd we no longer own
    if (sh_.phase.load(std::memory_order_relaxed) != kStop) {
      ++errors;
      if (firstError.empty()) firstError = std::string("socket: ") + std::strerror(errno);
    }
    return;
  }
  if (t.tcp) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  c.fd = fd;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&t.addr), t.len) != 0 && errno != EINPROGRESS) {
    fail(c, "reconnect", errno);
    return;
  }
  c.connecting = true;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = &c;
  if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) != 0) fail(c, "epoll_ctl", errno);
}

// A reopened connection's connect finished: on success start its pipeline again.
void Worker::onConnected(Conn& c) {
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    fail(c, "reconnect", err);
    return;
  }
  c.connecting = false;
  if (sh_.phase.load(std::memory_order_relaxed) == kMeasure) ++reconnects;
  obuf_.clear();
  start(c, nowNs());
  sendQueued(c);
}
