// c-limit: the lab's reference server with no JavaScript at all (issue 12). It serves the
// lab's two workloads the cheapest way a C programmer would on this kernel, so every report
// shows how far each target is from the limit on that machine, in the same run:
//
//   --mode echo  framed echo: 4-byte big-endian length + payload (the lab's echo workload);
//                every complete frame is written back as it arrived, straight from the read
//                buffer (no copy in user space unless a frame is split across reads or the
//                socket pushes back).
//   --mode http  HTTP/1.1 hello world for GETs (wrk / autocannon, keep-alive, pipelining):
//                one canned response per request head, all answers of a read in one send.
//
// Edge-triggered epoll, one thread per core (--threads, default: the CPUs this process may run
// on, so a server pinned to one CPU runs one thread instead of taking turns with itself), each with
// its own SO_REUSEPORT listener, so threads share nothing. Prints {"ready":true,"port":N,
// "pid":N} once listening; exits on SIGTERM/SIGINT (and when its parent dies).
//
// Usage: c-limit [--port 0] [--host 127.0.0.1] [--threads N] [--mode echo|http]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kReadBuffer = 64 * 1024;
constexpr uint32_t kMaxFrame = 16 * 1024 * 1024;  // as ringnet's default maxFrameLength
constexpr size_t kMaxHead = 16 * 1024;            // as ringnet's default maxHeaderSize
constexpr int kEvents = 256;

enum class Mode { kEcho, kHttp };

struct Options {
  int port = 0;
  std::string host = "127.0.0.1";
  int threads = 0;
  Mode mode = Mode::kEcho;
};

// One connection: the partial frame/head left over from the last read, and output the kernel
// did not take yet. Both empty almost always.
struct Conn {
  int fd;
  std::vector<uint8_t> tail;
  std::vector<uint8_t> out;
  bool writable = true;
};

std::atomic<bool> g_stop{false};

// The HTTP answer, with a Date header refreshed once a second (per thread).
struct HttpAnswer {
  char bytes[256];
  size_t len = 0;
  time_t at = 0;
  void refresh() {
    time_t now = time(nullptr);
    if (now == at) return;
    at = now;
    char date[64];
    tm t;
    gmtime_r(&now, &t);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &t);
    len = static_cast<size_t>(snprintf(bytes, sizeof bytes,
                                       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                       "Content-Length: 11\r\nDate: %s\r\n\r\nhello world",
                                       date));
  }
};

class Worker {
 public:
  Worker(int listenFd, Mode mode) : listen_(listenFd), mode_(mode), buf_(kReadBuffer) {}

  void run() {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // the listener
    epoll_ctl(ep_, EPOLL_CTL_ADD, listen_, &ev);
    epoll_event events[kEvents];
    while (!g_stop.load(std::memory_order_relaxed)) {
      int n = epoll_wait(ep_, events, kEvents, 500);
      if (mode_ == Mode::kHttp) answer_.refresh();
      for (int i = 0; i < n; ++i) {
        auto* c = static_cast<Conn*>(events[i].data.ptr);
        if (c == nullptr) {
          acceptAll();
          continue;
        }
        uint32_t e = events[i].events;
        if ((e & EPOLLOUT) && !c->writable) {
          c->writable = true;
          if (!flushOut(*c)) continue;
        }
        if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readAll(*c);
      }
    }
  }

 private:
  void acceptAll() {
    for (;;) {
      int fd = accept4(listen_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or EMFILE: the next connection retries
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto* c = new Conn{fd, {}, {}, true};
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
      ev.data.ptr = c;
      if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) != 0) closeConn(*c);
    }
  }

  void closeConn(Conn& c) {
    ::close(c.fd);  // also leaves the epoll set
    delete &c;
  }

  // Reads until EAGAIN (edge-triggered); each read is answered before the next.
  void readAll(Conn& c) {
    for (;;) {
      ssize_t n = recv(c.fd, buf_.data(), buf_.size(), 0);
      if (n > 0) {
        if (!consume(c, buf_.data(), static_cast<size_t>(n))) return closeConn(c);
        if (static_cast<size_t>(n) < buf_.size()) return;  // drained: the next byte raises an edge
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      return closeConn(c);  // FIN or error
    }
  }

  // Input bytes -> answers. false: close the connection (bad input, socket error).
  bool consume(Conn& c, const uint8_t* data, size_t len) {
    if (!c.tail.empty()) {
      c.tail.insert(c.tail.end(), data, data + len);
      std::vector<uint8_t> whole;
      whole.swap(c.tail);
      size_t used = 0;
      if (!answer(c, whole.data(), whole.size(), &used)) return false;
      c.tail.assign(whole.begin() + static_cast<std::ptrdiff_t>(used), whole.end());
      return true;
    }
    size_t used = 0;
    if (!answer(c, data, len, &used)) return false;
    if (used < len) c.tail.assign(data + used, data + len);
    return true;
  }

  bool answer(Conn& c, const uint8_t* data, size_t len, size_t* used) {
    return mode_ == Mode::kEcho ? echo(c, data, len, used) : http(c, data, len, used);
  }

  // Every complete frame goes back as it came, in one send.
  bool echo(Conn& c, const uint8_t* data, size_t len, size_t* used) {
    size_t pos = 0;
    while (len - pos >= 4) {
      uint32_t n;
      std::memcpy(&n, data + pos, 4);
      n = ntohl(n);
      if (n > kMaxFrame) return false;
      if (len - pos - 4 < n) break;
      pos += 4 + n;
    }
    *used = pos;
    return pos == 0 || send(c, data, pos);
  }

  // One canned answer per complete request head (GETs without bodies).
  bool http(Conn& c, const uint8_t* data, size_t len, size_t* used) {
    size_t pos = 0;
    size_t requests = 0;
    for (;;) {
      const void* end = memmem(data + pos, len - pos, "\r\n\r\n", 4);
      if (end == nullptr) break;
      pos = static_cast<size_t>(static_cast<const uint8_t*>(end) - data) + 4;
      ++requests;
    }
    if (len - pos > kMaxHead) return false;
    *used = pos;
    if (requests == 0) return true;
    answers_.clear();
    for (size_t i = 0; i < requests; ++i) answers_.append(answer_.bytes, answer_.len);
    return send(c, reinterpret_cast<const uint8_t*>(answers_.data()), answers_.size());
  }

  // Sends now if nothing waits; what the kernel refuses waits for EPOLLOUT.
  bool send(Conn& c, const uint8_t* data, size_t len) {
    if (!c.out.empty() || !c.writable) {
      c.out.insert(c.out.end(), data, data + len);
      return true;
    }
    while (len > 0) {
      ssize_t w = ::send(c.fd, data, len, MSG_NOSIGNAL);
      if (w > 0) {
        data += w;
        len -= static_cast<size_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EAGAIN) {
        c.writable = false;
        c.out.insert(c.out.end(), data, data + len);
        return true;
      }
      return false;
    }
    return true;
  }

  // After EPOLLOUT: false when the connection was closed.
  bool flushOut(Conn& c) {
    std::vector<uint8_t> pending;
    pending.swap(c.out);
    if (pending.empty()) return true;
    if (!send(c, pending.data(), pending.size())) {
      closeConn(c);
      return false;
    }
    return true;
  }

  int listen_;
  Mode mode_;
  int ep_ = -1;
  std::vector<uint8_t> buf_;
  std::string answers_;
  HttpAnswer answer_;
};

int listenOn(const Options& o, int port, std::string* err) {
  sockaddr_storage ss{};
  socklen_t slen;
  int family;
  if (o.host.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, o.host.c_str(), &a->sin6_addr) != 1) return *err = "bad --host", -1;
    slen = sizeof *a;
    family = AF_INET6;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, o.host.c_str(), &a->sin_addr) != 1) return *err = "bad --host", -1;
    slen = sizeof *a;
    family = AF_INET;
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), slen) != 0 || listen(fd, 4096) != 0) {
    *err = std::string("bind/listen: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

int boundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

// CPUs in this process's affinity mask (taskset), not the machine's: the lab pins the server.
int allowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "c-limit: %s\nusage: c-limit [--port 0] [--host 127.0.0.1] [--threads N] [--mode echo|http]\n", why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + a).c_str());
    std::string v = argv[++i];
    if (a == "--port") {
      o.port = std::atoi(v.c_str());
    } else if (a == "--host") {
      o.host = v;
    } else if (a == "--threads") {
      o.threads = std::atoi(v.c_str());
    } else if (a == "--mode") {
      if (v == "echo") o.mode = Mode::kEcho;
      else if (v == "http") o.mode = Mode::kHttp;
      else usage("--mode must be echo or http");
    } else {
      usage(("unknown flag " + a).c_str());
    }
  }
  if (o.threads <= 0) o.threads = allowedCpus();
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // the lab's launcher went away: so do we
  signal(SIGPIPE, SIG_IGN);
  // SIGTERM/SIGINT are taken by a thread of their own (sigwait), so workers never see them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  std::string err;
  std::vector<int> listeners;
  int port = o.port;
  for (int i = 0; i < o.threads; ++i) {
    int fd = listenOn(o, port, &err);
    if (fd < 0) {
      std::fprintf(stderr, "c-limit: %s\n", err.c_str());
      return 1;
    }
    port = boundPort(fd);  // port 0: the others join the port the first one got
    listeners.push_back(fd);
  }
  std::vector<std::thread> threads;
  for (int fd : listeners) {
    threads.emplace_back([fd, &o] { Worker(fd, o.mode).run(); });
  }
  std::printf("{\"ready\":true,\"port\":%d,\"pid\":%d,\"threads\":%d,\"mode\":\"%s\"}\n", port, getpid(),
              o.threads, o.mode == Mode::kEcho ? "echo" : "http");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stopSignals, &sig);
  // Connections are not closed one by one: the process exits and the kernel closes them.
  std::_Exit(0);
}
