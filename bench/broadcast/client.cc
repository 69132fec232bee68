// Broadcast benchmark client: holds N TCP connections to a goim server and
// reports, for every pushed packet (keyed by its seq), the CLOCK_MONOTONIC
// time at which the last of the N connections had it. Native and single
// threaded so that 10,000 receivers cost little next to the server measured.
//
// Usage: broadcast-client --host H --port P --connections N [--concurrency C]
//                         [--protocol tcp|ws] [--path /]
// --protocol ws: every connection upgrades to WebSocket (GET --path, the 101 and its
// Sec-WebSocket-Accept checked: bench/loadgen/ws_client.cc) before "connected" is printed, and
// each push is one binary message holding the packet; pings are answered with pongs.
// stdout, one JSON line each:
//   {"connected":N,"failed":F}      once every connect settled
//   {"complete":SEQ,"t":NS,"lost":L}  every connection received packet SEQ
//                                     (L = connections that closed meanwhile)
// Exits when stdin closes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "../loadgen/ws_client.h"

namespace {

uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

struct Conn {
  int fd = -1;
  bool connected = false;
  bool dead = false;
  std::string tail;  // a partial packet (rare: pushes are small)
};

struct Args {
  std::string host = "127.0.0.1";
  int port = 0;
  int connections = 10000;
  int concurrency = 256;
  bool ws = false;
  std::string path = "/";
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--host") a.host = v;
    else if (k == "--port") a.port = std::atoi(v);
    else if (k == "--connections") a.connections = std::atoi(v);
    else if (k == "--concurrency") a.concurrency = std::atoi(v);
    else if (k == "--path") a.path = v;
    else if (k == "--protocol" && (std::strcmp(v, "tcp") == 0 || std::strcmp(v, "ws") == 0)) a.ws = std::strcmp(v, "ws") == 0;
    else {
      std::fprintf(stderr, "broadcast-client: unknown argument %s\n", k.c_str());
      std::exit(2);
    }
  }
  if (a.port <= 0 || a.connections <= 0 || a.concurrency <= 0) {
    std::fprintf(stderr, "usage: broadcast-client --host H --port P --connections N [--concurrency C]\n");
    std::exit(2);
  }
  return a;
}

constexpr size_t kSeqSlots = 1 << 16;

// goim packets (packLen u32 | headerLen u16 | ver u16 | op u32 | seq u32 | body) in p[0..len):
// onPacket(seq) for each whole one; returns the bytes used.
template <typename F>
size_t packets(const uint8_t* p, size_t len, F&& onPacket) {
  size_t off = 0;
  while (len - off >= 16) {
    uint32_t packLen = be32(p + off);
    if (packLen < 16 || len - off < packLen) break;
    onPacket(be32(p + off + 12));
    off += packLen;
  }
  return off;
}

// WebSocket frames in p[0..len): each binary message holds one packet; pings get a pong.
// A malformed frame or a close kills the connection (c.dead). Returns the bytes used.
template <typename F>
size_t wsMessages(Conn& c, const uint8_t* p, size_t len, F&& onPacket) {
  size_t off = 0;
  while (off < len) {
    wsclient::FrameHeader h;
    const char* why = nullptr;
    int rc = wsclient::parseServerHeader(p + off, len - off, &h, &why);
    if (rc == 0) break;
    if (rc < 0 || h.opcode == wsclient::kClose || !h.fin || h.length > 1 << 20) {
      std::fprintf(stderr, "broadcast-client: %s\n", rc < 0 ? why : h.opcode == wsclient::kClose ? "server closed" : "unexpected frame");
      close(c.fd);
      c.dead = true;
      return off;
    }
    if (len - off - h.headerSize < h.length) break;
    const uint8_t* body = p + off + h.headerSize;
    if (h.opcode == wsclient::kBinary && h.length >= 16) {
      onPacket(be32(body + 12));
    } else if (h.opcode == wsclient::kPing) {
      std::string pong;
      wsclient::appendFrame(pong, wsclient::kPong, body, size_t(h.length), uint32_t(nowNs()));
      if (send(c.fd, pong.data(), pong.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {}  // best effort
    }
    off += h.headerSize + size_t(h.length);
  }
  return off;
}

// --protocol ws: upgrades every connected connection; a failed one is closed and counted.
void upgrade(std::vector<Conn>& conns, const Args& a, int* failed) {
  std::vector<int> fds;
  std::vector<size_t> which;
  for (size_t i = 0; i < conns.size(); ++i) {
    if (conns[i].dead || !conns[i].connected) continue;
    fds.push_back(conns[i].fd);
    which.push_back(i);
  }
  std::string host = a.host + ":" + std::to_string(a.port);
  wsclient::UpgradeResult r = wsclient::upgradeAll(fds, host, a.path, 60.0);
  for (size_t k = 0; k < fds.size(); ++k) {
    Conn& c = conns[which[k]];
    if (fds[k] < 0) {  // closed by upgradeAll
      c.fd = -1;
      c.dead = true;
      ++*failed;
    } else {
      c.tail = std::move(r.leftover[k]);
    }
  }
  if (r.failed) std::fprintf(stderr, "broadcast-client: %llu upgrades failed, first: %s\n", (unsigned long long)r.failed, r.firstError.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(a.port));
  if (inet_pton(AF_INET, a.host.c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "broadcast-client: host must be an IPv4 address\n");
    return 2;
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> conns(size_t(a.connections));
  int started = 0, settled = 0, failed = 0, inFlight = 0;
  auto startOne = [&](int i) {
    Conn& c = conns[size_t(i)];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      c.dead = true;
      ++failed;
      ++settled;
      return;
    }
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (rc != 0 && errno != EINPROGRESS) {
      close(c.fd);
      c.fd = -1;
      c.dead = true;
      ++failed;
      ++settled;
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    ev.data.u32 = uint32_t(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    ++inFlight;
  };

  std::vector<uint32_t> counts(kSeqSlots, 0);
  int lost = 0;
  bool announced = false;
  std::vector<epoll_event> events(1024);
  std::vector<uint8_t> buf(64 * 1024);

  for (;;) {
    while (started < a.connections && inFlight < a.concurrency) startOne(started++);
    if (!announced && settled == a.connections) {
      announced = true;
      if (a.ws) upgrade(conns, a, &failed);
      std::printf("{\"connected\":%d,\"failed\":%d}\n", a.connections - failed, failed);
      std::fflush(stdout);
    }
    // stdin closed: the runner is done with us.
    pollfd in{0, POLLIN, 0};
    if (poll(&in, 1, 0) > 0 && (in.revents & (POLLHUP | POLLIN))) {
      char b[64];
      if (read(0, b, sizeof b) <= 0) break;
    }
    int n = epoll_wait(ep, events.data(), int(events.size()), 100);
    for (int e = 0; e < n; ++e) {
      uint32_t i = events[size_t(e)].data.u32;
      Conn& c = conns[i];
      if (c.dead) continue;
      uint32_t evs = events[size_t(e)].events;
      if (!c.connected) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (evs & (EPOLLERR | EPOLLHUP))) {
          close(c.fd);
          c.dead = true;
          ++failed;
        } else {
          c.connected = true;
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLRDHUP;
          ev.data.u32 = i;
          epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
        --inFlight;
        ++settled;
        continue;
      }
      for (;;) {
        ssize_t r = read(c.fd, buf.data(), buf.size());
        if (r > 0) {
          std::string& t = c.tail;
          const uint8_t* p = buf.data();
          size_t len = size_t(r);
          if (!t.empty()) {
            t.append(reinterpret_cast<const char*>(p), len);
            p = reinterpret_cast<const uint8_t*>(t.data());
            len = t.size();
          }
          auto onPacket = [&](uint32_t seq) {
            if (++counts[seq % kSeqSlots] == uint32_t(a.connections - failed - lost)) {
              std::printf("{\"complete\":%u,\"t\":%llu,\"lost\":%d}\n", seq,
                          static_cast<unsigned long long>(nowNs()), lost);
              std::fflush(stdout);
              counts[seq % kSeqSlots] = 0;
            }
          };
          size_t off = a.ws ? wsMessages(c, p, len, onPacket) : packets(p, len, onPacket);
          if (c.dead) {
            ++lost;
            break;
          }
          std::string rest(reinterpret_cast<const char*>(p + off), len - off);
          t.swap(rest);
          if (size_t(r) < buf.size()) break;
          continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
        close(c.fd);  // EOF or error: this receiver is gone
        c.dead = true;
        ++lost;
        break;
      }
    }
  }
  for (Conn& c : conns) {
    if (!c.dead && c.fd >= 0) close(c.fd);
  }
  return 0;
}
