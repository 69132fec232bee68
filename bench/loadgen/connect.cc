// Gradual, retrying connection set-up (non-blocking connect + epoll).
#include "connect.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

double monoSec() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

void sleepMs(int ms) {
  if (ms <= 0) return;
  timespec ts{ms / 1000, long(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// --sources: source address 127.1.0.1 + i on loopback, port chosen by the kernel.
bool bindSource(int fd, uint32_t i) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl((127u << 24) + (1u << 16) + 1u + i);
  return bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
}

}  // namespace

Target resolveTarget(const Options& o) {
  Target t;
  if (!o.unixPath.empty()) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (o.unixPath.size() >= sizeof(un.sun_path)) {
      std::fprintf(stderr, "loadgen: unix path too long\n");
      std::exit(2);
    }
    std::memcpy(un.sun_path, o.unixPath.c_str(), o.unixPath.size() + 1);
    std::memcpy(&t.addr, &un, sizeof(un));
    t.len = socklen_t(sizeof(un));
    t.family = AF_UNIX;
    t.tcp = false;
    t.text = o.unixPath;
    return t;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(o.port);
  int rc = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || !res) {
    std::fprintf(stderr, "loadgen: cannot resolve %s: %s\n", o.host.c_str(), gai_strerror(rc));
    std::exit(2);
  }
  std::memcpy(&t.addr, res->ai_addr, res->ai_addrlen);
  t.len = res->ai_addrlen;
  t.family = res->ai_family;
  t.text = o.host + ":" + port;
  freeaddrinfo(res);
  return t;
}

ConnectResult connectAll(const Options& o, const Target& t) {
  ConnectResult r;
  r.fds.reserve(size_t(o.connections));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    r.fatal = std::string("epoll_create1: ") + std::strerror(errno);
    return r;
  }
  double lastProgress = monoSec();
  int lastErr = 0;
  std::vector<int> pending;
  epoll_event evs[256];
  uint32_t nextSource = 0;

  while (r.fds.size() < size_t(o.connections)) {
    size_t want = size_t(o.connections) - r.fds.size();
    if (want > size_t(o.connectBatch)) want = size_t(o.connectBatch);
    size_t before = r.fds.size();
    int failed = 0;
    pending.clear();

    // Start a batch of non-blocking connects.
    for (size_t i = 0; i < want; ++i) {
      int fd = socket(t.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {  // EMFILE/ENFILE: retrying will not help
        r.fatal = std::string("socket: ") + std::strerror(errno);
        close(ep);
        return r;
      }
      if (t.tcp) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      }
      if (o.sources > 0 && t.family == AF_INET && !bindSource(fd, nextSource++ % uint32_t(o.sources))) {
        r.fatal = std::string("bind (--sources): ") + std::strerror(errno);
        close(fd);
        close(ep);
        return r;
      }
      if (connect(fd, reinterpret_cast<const sockaddr*>(&t.addr), t.len) == 0) {
        r.fds.push_back(fd);
      } else if (errno == EINPROGRESS) {
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.u64 = pending.size();
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        pending.push_back(fd);
      } else {  // ECONNREFUSED, EAGAIN (Unix backlog full), EADDRNOTAVAIL...
        lastErr = errno;
        ++failed;
        close(fd);
      }
    }

    // Wait for the batch to resolve (or time out).
    size_t left = pending.size();
    double deadline = monoSec() + o.connectTimeout;
    while (left > 0) {
      int ms = int((deadline - monoSec()) * 1000.0);
      if (ms <= 0) break;
      int n = epoll_wait(ep, evs, 256, ms);
      if (n < 0 && errno == EINTR) continue;
      for (int i = 0; i < n; ++i) {
        size_t idx = size_t(evs[i].data.u64);
        int fd = pending[idx];
        if (fd < 0) continue;
        int err = 0;
        socklen_t el = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        pending[idx] = -1;
        --left;
        if (err == 0) {
          r.fds.push_back(fd);
        } else {
          lastErr = err;
          ++failed;
          close(fd);
        }
      }
    }
    for (int& fd : pending) {  // still pending at the deadline: abandon and retry
      if (fd < 0) continue;
      epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
      close(fd);
      fd = -1;
      lastErr = ETIMEDOUT;
      ++failed;
    }

    r.errors += uint64_t(failed);
    if (r.fds.size() > before) lastProgress = monoSec();
    if (failed) {
      if (monoSec() - lastProgress > 15.0) {
        r.fatal = std::string("no connection progress for 15 s, last error: ") +
                  std::strerror(lastErr);
        break;
      }
      sleepMs(50);  // back off: the server's accept queue is probably full
    } else {
      sleepMs(o.connectPauseMs);
    }
  }
  close(ep);
  return r;
}
