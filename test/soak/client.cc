// Soak client for `npm run soak` (test/soak/run.js builds and drives it).
// Opens many connections to a length-framed echo server, echoes small frames
// on all of them at a paced total rate, verifies every echoed byte, then
// leaves gracefully (FIN, wait for the server's FIN). One epoll thread.
//
//   client --port P [--connections 10000] [--rate 20000] [--payload 32]
//          [--depth 1] [--warmup 10] [--duration 300] [--sources 32]
//
// Prints JSON lines on stdout as it goes: {"phase":"connected"}, "warm" (the
// runner samples the server here), "measured", "drained" (final counters),
// "closed". Exit status 0 only if there was no error and no byte was lost.
// Connections are spread over --sources loopback addresses (127.0.0.2, ...)
// so that 10,000 connections, twice (one run per backend), never run out of
// ephemeral ports or meet their own TIME_WAIT entries.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Options {
  int port = 0;
  int connections = 10000;
  double rate = 20000;     // frames per second, all connections together
  uint32_t payload = 32;   // bytes per frame after the 4-byte length header
  uint32_t depth = 1;      // frames in flight per connection at most
  double warmup = 10;      // seconds
  double duration = 300;   // seconds measured after the warm-up
  int sources = 32;        // loopback source addresses
};

enum Phase { kConnecting, kWarmup, kMeasure, kDrain, kClosing, kDone };

struct Conn {
  int fd = -1;
  uint32_t id = 0;
  bool connected = false;
  bool finSent = false;
  bool closed = false;
  uint64_t sent = 0;  // frames written (or queued in out)
  uint64_t recv = 0;  // echoes verified
  std::string in;     // partial echo
  std::string out;    // bytes the kernel has not taken yet
};

struct Counters {
  uint64_t framesSent = 0, framesReceived = 0, bytesSent = 0, bytesReceived = 0;
  uint64_t errors = 0, mismatches = 0, connectFailures = 0, unexpectedEof = 0;
  std::string firstError;
};

double now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Byte i of frame seq on connection id: every frame differs from its
// neighbours, so a lost, repeated, reordered or corrupted echo shows.
uint8_t patternByte(uint32_t id, uint64_t seq, uint32_t i) {
  uint64_t x = (uint64_t{id} << 32) ^ (seq * 0x9e3779b97f4a7c15ull) ^ (uint64_t{i} * 0xbf58476d1ce4e5b9ull);
  x ^= x >> 31;
  return static_cast<uint8_t>(x * 0x94d049bb133111ebull >> 56);
}

class Client {
 public:
  explicit Client(const Options& o) : o_(o), conns_(static_cast<size_t>(o.connections)) {}

  int run() {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    for (size_t i = 0; i < conns_.size(); i++) conns_[i].id = static_cast<uint32_t>(i);
    double phaseStart = now();
    double lastTick = phaseStart;
    size_t nextConnect = 0;
    int pending = 0;
    epoll_event events[512];
    while (phase_ != kDone) {
      // Opening: a bounded number of connects in flight.
      while (phase_ == kConnecting && nextConnect < conns_.size() && pending < 256) {
        if (open(conns_[nextConnect++])) pending++;
      }
      const int n = epoll_wait(ep_, events, 512, 5);
      for (int i = 0; i < n; i++) {
        Conn& c = conns_[events[i].data.u32];
        if (c.closed) continue;  // closed earlier in this batch of events
        if (!c.connected) {
          pending--;
          finishConnect(c, events[i].events);
          continue;
        }
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) onReadable(c);
        if (!c.closed && (events[i].events & EPOLLOUT)) flush(c);
      }
      const double t = now();
      if (phase_ == kWarmup || phase_ == kMeasure) pace(t - lastTick);
      lastTick = t;

      switch (phase_) {
        case kConnecting:
          if (nextConnect == conns_.size() && pending == 0) {
            say("connected");
            enter(kWarmup, &phaseStart);
          }
          break;
        case kWarmup:
          if (t - phaseStart >= o_.warmup) {
            say("warm");
            enter(kMeasure, &phaseStart);
          }
          break;
        case kMeasure:
          if (t - phaseStart >= o_.duration) {
            say("measured");
            enter(kDrain, &phaseStart);
          }
          break;
        case kDrain:
          if (outstanding() == 0 || t - phaseStart > 30) {
            if (outstanding() != 0) error(nullptr, "echoes still missing 30 s after the last send", 0);
            say("drained");
            for (Conn& c : conns_) startLeaving(c);
            enter(kClosing, &phaseStart);
          }
          break;
        case kClosing:
          if (open_ == 0 || t - phaseStart > 30) {
            if (open_ != 0) error(nullptr, "connections still open 30 s after FIN", 0);
            for (Conn& c : conns_) closeConn(c);
            say("closed");
            phase_ = kDone;
          }
          break;
        case kDone:
          break;
      }
    }
    ::close(ep_);
    const bool clean = k_.errors == 0 && k_.mismatches == 0 && k_.bytesSent == k_.bytesReceived &&
                       k_.framesSent == k_.framesReceived;
    return clean ? 0 : 1;
  }

 private:
  void enter(Phase p, double* start) {
    phase_ = p;
    *start = now();
  }

  uint64_t outstanding() const { return k_.framesSent - k_.framesReceived; }

  bool open(Conn& c) {
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      error(&c, "socket", errno);
      c.closed = true;
      return false;
    }
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // Choose the source address now, the port at connect(): each source
    // address has its own ephemeral port range.
    ::setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(0x7f000002u + c.id % static_cast<uint32_t>(o_.sources));
    if (::bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      error(&c, "bind", errno);
    }
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<uint16_t>(o_.port));
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS) {
      k_.connectFailures++;
      error(&c, "connect", errno);
      closeConn(c);
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
    ev.data.u32 = c.id;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
    return true;
  }

  void finishConnect(Conn& c, uint32_t events) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      k_.connectFailures++;
      error(&c, "connect", err);
      closeConn(c);
      return;
    }
    c.connected = true;
    open_++;
    watch(c, false);
  }

  void watch(Conn& c, bool writable) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (writable ? EPOLLOUT : 0u);
    ev.data.u32 = c.id;
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  // Sends rate * elapsed frames, round-robin over connections with room.
  void pace(double elapsed) {
    budget_ += o_.rate * elapsed;
    if (budget_ > o_.rate) budget_ = o_.rate;  // never more than a second's worth at once
    size_t scanned = 0;
    while (budget_ >= 1 && scanned < conns_.size()) {
      Conn& c = conns_[cursor_];
      cursor_ = (cursor_ + 1) % conns_.size();
      scanned++;
      if (!c.connected || c.closed || c.finSent || c.sent - c.recv >= o_.depth) continue;
      sendFrame(c);
      budget_ -= 1;
      scanned = 0;
    }
  }

  void sendFrame(Conn& c) {
    std::string f(4 + o_.payload, '\0');
    const uint32_t n = o_.payload;
    f[0] = static_cast<char>(n >> 24);
    f[1] = static_cast<char>(n >> 16);
    f[2] = static_cast<char>(n >> 8);
    f[3] = static_cast<char>(n);
    for (uint32_t i = 0; i < n; i++) f[4 + i] = static_cast<char>(patternByte(c.id, c.sent, i));
    c.sent++;
    k_.framesSent++;
    k_.bytesSent += f.size();
    c.out += f;
    flush(c);
  }

  void flush(Conn& c) {
    while (!c.out.empty()) {
      ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        c.out.erase(0, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        watch(c, true);
        return;
      }
      error(&c, "send", errno);
      closeConn(c);
      return;
    }
    watch(c, false);
  }

  void onReadable(Conn& c) {
    char buf[16384];
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        k_.bytesReceived += static_cast<uint64_t>(n);
        c.in.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) {
        parse(c);
        if (!c.finSent) {
          k_.unexpectedEof++;
          error(&c, "the server closed the connection", 0);
        } else if (!c.in.empty()) {
          error(&c, "a partial echo before the server's FIN", 0);
        }
        closeConn(c);
        return;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      error(&c, "recv", errno);
      closeConn(c);
      return;
    }
    parse(c);
  }

  void parse(Conn& c) {
    const size_t frame = 4 + o_.payload;
    size_t at = 0;
    while (c.in.size() - at >= frame) {
      const auto* p = reinterpret_cast<const uint8_t*>(c.in.data()) + at;
      const uint32_t len = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
      bool same = len == o_.payload && c.recv < c.sent;
      for (uint32_t i = 0; same && i < o_.payload; i++) same = p[4 + i] == patternByte(c.id, c.recv, i);
      if (!same) {
        k_.mismatches++;
        error(&c, "an echo differs from the frame sent", 0);
        closeConn(c);
        return;
      }
      c.recv++;
      k_.framesReceived++;
      at += frame;
    }
    c.in.erase(0, at);
  }

  void startLeaving(Conn& c) {
    if (c.closed || !c.connected) return;
    c.finSent = true;
    ::shutdown(c.fd, SHUT_WR);
  }

  void closeConn(Conn& c) {
    if (c.closed) return;
    c.closed = true;
    if (c.connected) open_--;
    ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
  }

  void error(Conn* c, const char* what, int err) {
    k_.errors++;
    if (k_.firstError.empty()) {
      k_.firstError = std::string(what) + (err ? std::string(": ") + std::strerror(err) : "") +
                      (c ? " (connection " + std::to_string(c->id) + ")" : "");
    }
  }

  void say(const char* phase) {
    std::printf(
        "{\"phase\":\"%s\",\"connections\":%d,\"open\":%d,\"framesSent\":%llu,\"framesReceived\":%llu,"
        "\"bytesSent\":%llu,\"bytesReceived\":%llu,\"errors\":%llu,\"mismatches\":%llu,"
        "\"connectFailures\":%llu,\"unexpectedEof\":%llu,\"firstError\":\"%s\"}\n",
        phase, o_.connections, open_, static_cast<unsigned long long>(k_.framesSent),
        static_cast<unsigned long long>(k_.framesReceived), static_cast<unsigned long long>(k_.bytesSent),
        static_cast<unsigned long long>(k_.bytesReceived), static_cast<unsigned long long>(k_.errors),
        static_cast<unsigned long long>(k_.mismatches), static_cast<unsigned long long>(k_.connectFailures),
        static_cast<unsigned long long>(k_.unexpectedEof), k_.firstError.c_str());
    std::fflush(stdout);
  }

  const Options o_;
  std::vector<Conn> conns_;
  Counters k_;
  Phase phase_ = kConnecting;
  int ep_ = -1;
  int open_ = 0;
  double budget_ = 0;
  size_t cursor_ = 0;
};

[[noreturn]] void usage(const char* bad) {
  if (bad) std::fprintf(stderr, "soak client: bad argument %s\n", bad);
  std::fprintf(stderr,
               "usage: client --port P [--connections N] [--rate frames/s] [--payload bytes] [--depth N]\n"
               "              [--warmup s] [--duration s] [--sources N]\n");
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(argv[i]);
    const char* v = argv[++i];
    char* end = nullptr;
    const double d = std::strtod(v, &end);
    if (*end != '\0' || d < 0) usage(v);
    if (a == "--port") o.port = static_cast<int>(d);
    else if (a == "--connections") o.connections = static_cast<int>(d);
    else if (a == "--rate") o.rate = d;
    else if (a == "--payload") o.payload = static_cast<uint32_t>(d);
    else if (a == "--depth") o.depth = static_cast<uint32_t>(d);
    else if (a == "--warmup") o.warmup = d;
    else if (a == "--duration") o.duration = d;
    else if (a == "--sources") o.sources = static_cast<int>(d);
    else usage(argv[i - 1]);
  }
  if (o.port <= 0 || o.port > 65535 || o.connections <= 0 || o.depth == 0 || o.sources <= 0 || o.sources > 250 ||
      o.rate <= 0) {
    usage(nullptr);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  // One fd per connection: take the hard limit.
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
  return Client(o).run();
}
