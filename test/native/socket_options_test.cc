// Socket options and listeners against real loopback sockets: TCP over
// 127.0.0.1, ::1 and dual stack, Unix paths and abstract names.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

#include "../../native/core/listener.h"
#include "../../native/core/socket_options.h"

using namespace ringnet;

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (cond) {                                                          \
      ++passed;                                                          \
    } else {                                                             \
      ++failed;                                                          \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                    \
  } while (0)

#define CHECK_EQ(a, b)                                                              \
  do {                                                                              \
    auto va_ = (a);                                                                 \
    auto vb_ = (b);                                                                 \
    if (same(va_, vb_)) {                                                           \
      ++passed;                                                                     \
    } else {                                                                        \
      ++failed;                                                                     \
      std::fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%s vs %s)\n", __FILE__, \
                   __LINE__, #a, #b, show(va_).c_str(), show(vb_).c_str());         \
    }                                                                               \
  } while (0)

template <typename A, typename B>
static bool same(const A& a, const B& b) { return a == b; }
static bool same(const char* a, const char* b) { return a && b && std::strcmp(a, b) == 0; }

static std::string show(long long v) { return std::to_string(v); }
static std::string show(const std::string& v) { return "\"" + v + "\""; }
static std::string show(const char* v) { return v ? show(std::string(v)) : "null"; }

// --- helpers ----------------------------------------------------------------

// The socket's address family (SO_DOMAIN), or -1.
static int domainOf(int fd) {
  int family = 0;
  socklen_t len = sizeof family;
  return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) == 0 ? family : -1;
}

static int openFds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) ++n;
    closedir(d);
  }
  return n;
}

static bool haveIpv6() {
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

static int listenTcp(const std::string& host, uint16_t port, const ListenerOptions& opts = {},
                     int* errOut = nullptr, const char** callOut = nullptr) {
  ListenAddress addr;
  addr.kind = AddressKind::kTcp;
  addr.host = host;
  addr.port = port;
  int err = 0;
  const char* call = nullptr;
  int fd = openListener(addr, opts, &err, &call);
  if (errOut) *errOut = err;
  if (callOut) *callOut = call;
  return fd;
}

static int listenUnix(AddressKind kind, const std::string& path, int* errOut = nullptr,
                      const char** callOut = nullptr, const ListenerOptions& opts = {}) {
  ListenAddress addr;
  addr.kind = kind;
  addr.path = path;
  int err = 0;
  const char* call = nullptr;
  int fd = openListener(addr, opts, &err, &call);
  if (errOut) *errOut = err;
  if (callOut) *callOut = call;
  return fd;
}

static uint16_t portOf(int fd) {
  BoundAddress b;
  return localAddress(fd, &b) ? b.port : 0;
}

// Blocking client connect; returns the fd or -1 (errno set).
static int connectTcp(const char* ip, uint16_t port) {
  sockaddr_storage ss{};
  socklen_t len;
  auto* in4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    len = sizeof *in4;
  } else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    len = sizeof *in6;
  } else {
    errno = EINVAL;
    return -1;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static int connectUnix(const std::string& name, bool abstract) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  socklen_t len;
  if (abstract) {
    std::memcpy(un.sun_path + 1, name.data(), name.size());
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  } else {
    std::memcpy(un.sun_path, name.data(), name.size());
    len = sizeof un;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&un), len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// The listener is non-blocking: wait for the connection, then accept it.
static int acceptOne(int lfd) {
  pollfd p{lfd, POLLIN, 0};
  if (poll(&p, 1, 2000) != 1) return -1;
  return accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
}

static int64_t get(int fd, SockOpt opt) {
  int64_t v = -12345;
  int err = getSockOpt(fd, opt, &v);
  if (err != 0) {
    std::fprintf(stderr, "getSockOpt(%s) failed: %s\n", sockOptName(opt), std::strerror(err));
  }
  return v;
}

// --- tests --------------------------------------------------------------------

static void testNames() {
  std::set<std::string> names;
  for (int i = 1; i <= 20; ++i) names.insert(sockOptName(static_cast<SockOpt>(i)));
  CHECK_EQ(names.size(), size_t{20});
  CHECK_EQ(sockOptName(SockOpt::kNoDelay), "noDelay");
  CHECK_EQ(sockOptName(SockOpt::kKeepAliveInterval), "keepAliveInterval");
  CHECK_EQ(sockOptName(SockOpt::kNotSentLowat), "notSentLowat");
  CHECK_EQ(sockOptName(SockOpt::kIpv6Only), "ipv6Only");
  CHECK_EQ(sockOptName(static_cast<SockOpt>(999)), "unknown");
}

static void testIpv4Listener() {
  int lfd = listenTcp("127.0.0.1", 0);
  CHECK(lfd >= 0);
  if (lfd < 0) return;
  CHECK_EQ(domainOf(lfd), AF_INET);
  BoundAddress b;
  CHECK(localAddress(lfd, &b));
  CHECK_EQ(b.family, std::string("IPv4"));
  CHECK_EQ(b.address, std::string("127.0.0.1"));
  CHECK(b.port != 0);
  CHECK_EQ(get(lfd, SockOpt::kReuseAddr), 1);  // on by default, like Node
  CHECK_EQ(get(lfd, SockOpt::kReusePort), 0);
  int fl = fcntl(lfd, F_GETFL);
  CHECK(fl & O_NONBLOCK);
  CHECK(fcntl(lfd, F_GETFD) & FD_CLOEXEC);

  int cfd = connectTcp("127.0.0.1", b.port);
  CHECK(cfd >= 0);
  int afd = acceptOne(lfd);
  CHECK(afd >= 0);
  BoundAddress peer, clientLocal, serverLocal;
  CHECK(peerAddress(afd, &peer));
  CHECK(localAddress(cfd, &clientLocal));
  CHECK(localAddress(afd, &serverLocal));
  CHECK_EQ(peer.family, std::string("IPv4"));
  CHECK_EQ(peer.address, std::string("127.0.0.1"));
  CHECK_EQ(peer.port, clientLocal.port);
  CHECK_EQ(serverLocal.port, b.port);

  // Second bind of the same port: EADDRINUSE even with SO_REUSEADDR.
  int err = 0;
  const char* call = nullptr;
  CHECK_EQ(listenTcp("127.0.0.1", b.port, {}, &err, &call), -1);
  CHECK_EQ(err, EADDRINUSE);
  CHECK_EQ(call, "bind");

  close(cfd);
  close(afd);
  close(lfd);
}

static void testReuseOptions() {
  ListenerOptions rp;
  rp.reusePort = true;
  int a = listenTcp("127.0.0.1", 0, rp);
  CHECK(a >= 0);
  CHECK_EQ(get(a, SockOpt::kReusePort), 1);
  uint16_t port = portOf(a);

  // Second socket asks through the option list instead of the flag.
  ListenerOptions rpList;
  rpList.socketOptions = {{SockOpt::kReusePort, 1}};
  int b = listenTcp("127.0.0.1", port, rpList);
  CHECK(b >= 0);
  CHECK_EQ(portOf(b), port);

  // Without SO_REUSEPORT on the newcomer the port stays taken.
  int err = 0;
  CHECK_EQ(listenTcp("127.0.0.1", port, {}, &err), -1);
  CHECK_EQ(err, EADDRINUSE);

  // opts.reusePort wins over a list entry turning it off.
  ListenerOptions forced;
  forced.reusePort = true;
  forced.socketOptions = {{SockOpt::kReusePort, 0}};
  int c = listenTcp("127.0.0.1", port, forced);
  CHECK(c >= 0);
  if (c >= 0) close(c);
  if (b >= 0) close(b);
  if (a >= 0) close(a);

  // kReuseAddr 0 in the list turns the default off.
  ListenerOptions noReuse;
  noReuse.socketOptions = {{SockOpt::kReuseAddr, 0}};
  int d = listenTcp("127.0.0.1", 0, noReuse);
  CHECK(d >= 0);
  CHECK_EQ(get(d, SockOpt::kReuseAddr), 0);
  if (d >= 0) close(d);

  // Listener-only options read back.
  ListenerOptions lo;
  lo.backlog = 16;
  lo.socketOptions = {{SockOpt::kDeferAccept, 5}, {SockOpt::kFastOpen, 32}, {SockOpt::kNoDelay, 1}};
  int e = listenTcp("127.0.0.1", 0, lo);
  CHECK(e >= 0);
  CHECK(get(e, SockOpt::kDeferAccept) >= 5);  // rounded up to a retransmission boundary
  CHECK_EQ(get(e, SockOpt::kFastOpen), 32);
  CHECK_EQ(get(e, SockOpt::kNoDelay), 1);
  if (e >= 0) close(e);
}

static void testIpv6Listeners() {
  if (!haveIpv6()) {
    std::printf("note: no IPv6 loopback, IPv6 listener tests skipped\n");
    return;
  }
  // ::1
  int lfd = listenTcp("::1", 0);
  CHECK(lfd >= 0);
  BoundAddress b;
  CHECK(localAddress(lfd, &b));
  CHECK_EQ(b.family, std::string("IPv6"));
  CHECK_EQ(b.address, std::string("::1"));
  int cfd = connectTcp("::1", b.port);
  CHECK(cfd >= 0);
  int afd = acceptOne(lfd);
  CHECK(afd >= 0);
  BoundAddress peer;
  CHECK(peerAddress(afd, &peer));
  CHECK_EQ(peer.family, std::string("IPv6"));
  CHECK_EQ(peer.address, std::string("::1"));
  // tos maps to IPV6_TCLASS on an IPv6 socket.
  CHECK_EQ(setSockOpt(afd, SockOpt::kTos, 0x10), 0);
  CHECK_EQ(get(afd, SockOpt::kTos), 0x10);
  int tclass = 0;
  socklen_t len = sizeof tclass;
  CHECK_EQ(getsockopt(afd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, &len), 0);
  CHECK_EQ(tclass, 0x10);
  // ipv6Only applies to AF_INET6, but the kernel only takes it before bind.
  CHECK_EQ(setSockOpt(afd, SockOpt::kIpv6Only, 1), EINVAL);
  int fresh = socket(AF_INET6, SOCK_STREAM, 0);
  CHECK_EQ(setSockOpt(fresh, SockOpt::kIpv6Only, 1), 0);
  CHECK_EQ(get(fresh, SockOpt::kIpv6Only), 1);
  close(fresh);
  close(cfd);
  close(afd);
  close(lfd);

  // "" = "::" dual stack.
  lfd = listenTcp("", 0);
  CHECK(lfd >= 0);
  CHECK(localAddress(lfd, &b));
  CHECK_EQ(b.family, std::string("IPv6"));
  CHECK_EQ(b.address, std::string("::"));
  CHECK_EQ(get(lfd, SockOpt::kIpv6Only), 0);
  cfd = connectTcp("127.0.0.1", b.port);
  CHECK(cfd >= 0);
  afd = acceptOne(lfd);
  CHECK(afd >= 0);
  CHECK(peerAddress(afd, &peer));
  CHECK_EQ(peer.family, std::string("IPv6"));
  CHECK_EQ(peer.address, std::string("::ffff:127.0.0.1"));  // mapped, as Node reports it
  // On a mapped connection the IPv4 TOS is what goes on the wire: set both.
  CHECK_EQ(setSockOpt(afd, SockOpt::kTos, 0x10), 0);
  int tos = 0;
  len = sizeof tos;
  CHECK_EQ(getsockopt(afd, IPPROTO_IP, IP_TOS, &tos, &len), 0);
  CHECK_EQ(tos, 0x10);
  close(cfd);
  close(afd);
  cfd = connectTcp("::1", b.port);
  CHECK(cfd >= 0);
  afd = acceptOne(lfd);
  CHECK(afd >= 0);
  CHECK(peerAddress(afd, &peer));
  CHECK_EQ(peer.address, std::string("::1"));
  close(cfd);
  close(afd);
  close(lfd);

  // "" with ipv6Only in the list: IPv6 only.
  ListenerOptions v6only;
  v6only.socketOptions = {{SockOpt::kIpv6Only, 1}};
  lfd = listenTcp("", 0, v6only);
  CHECK(lfd >= 0);
  CHECK_EQ(get(lfd, SockOpt::kIpv6Only), 1);
  uint16_t port = portOf(lfd);
  cfd = connectTcp("127.0.0.1", port);
  CHECK_EQ(cfd, -1);
  if (cfd >= 0) close(cfd);
  cfd = connectTcp("::1", port);
  CHECK(cfd >= 0);
  if (cfd >= 0) close(cfd);
  close(lfd);
}

static void testConnectionOptions() {
  int lfd = listenTcp("127.0.0.1", 0);
  int cfd = connectTcp("127.0.0.1", portOf(lfd));
  int fd = acceptOne(lfd);
  CHECK(fd >= 0);
  if (fd < 0) return;

  struct Case {
    SockOpt opt;
    int64_t value;
  };
  const Case exact[] = {
      {SockOpt::kNoDelay, 1},           {SockOpt::kNoDelay, 0},
      {SockOpt::kCork, 1},              {SockOpt::kCork, 0},
      {SockOpt::kKeepAlive, 1},         {SockOpt::kKeepAliveIdle, 30},
      {SockOpt::kKeepAliveInterval, 7}, {SockOpt::kKeepAliveCount, 4},
      {SockOpt::kKeepAlive, 0},         {SockOpt::kUserTimeout, 5000},
      {SockOpt::kLinger, -1},           {SockOpt::kLinger, 0},
      {SockOpt::kLinger, 5},            {SockOpt::kLinger, -1},
      {SockOpt::kNotSentLowat, 16384},  {SockOpt::kTos, 0x10},
      {SockOpt::kPriority, 3},          {SockOpt::kReuseAddr, 1},
  };
  for (const Case& c : exact) {
    int err = setSockOpt(fd, c.opt, c.value);
    if (err != 0) std::fprintf(stderr, "setSockOpt(%s): %s\n", sockOptName(c.opt), std::strerror(err));
    CHECK_EQ(err, 0);
    int64_t v = get(fd, c.opt);
    if (v != c.value) std::fprintf(stderr, "  option %s\n", sockOptName(c.opt));
    CHECK_EQ(v, c.value);
  }

  // The kernel doubles buffer sizes for bookkeeping.
  CHECK_EQ(setSockOpt(fd, SockOpt::kSendBuffer, 65536), 0);
  CHECK(get(fd, SockOpt::kSendBuffer) >= 65536);
  CHECK_EQ(setSockOpt(fd, SockOpt::kRecvBuffer, 65536), 0);
  CHECK(get(fd, SockOpt::kRecvBuffer) >= 65536);

  // TCP_QUICKACK is cleared by the kernel on its own; only the set must work.
  CHECK_EQ(setSockOpt(fd, SockOpt::kQuickAck, 1), 0);
  int64_t qa = -1;
  CHECK_EQ(getSockOpt(fd, SockOpt::kQuickAck, &qa), 0);
  CHECK(qa == 0 || qa == 1);

  // Large busy-poll values need CAP_NET_ADMIN.
  int bp = setSockOpt(fd, SockOpt::kBusyPoll, 50);
  CHECK(bp == 0 || bp == EPERM);
  if (bp == 0) CHECK_EQ(get(fd, SockOpt::kBusyPoll), 50);

  // Out of range.
  CHECK_EQ(setSockOpt(fd, SockOpt::kNoDelay, 2), EINVAL);
  CHECK_EQ(setSockOpt(fd, SockOpt::kNoDelay, -1), EINVAL);
  CHECK_EQ(setSockOpt(fd, SockOpt::kKeepAliveIdle, -1), EINVAL);
  CHECK_EQ(setSockOpt(fd, SockOpt::kKeepAliveIdle, int64_t{INT_MAX} + 1), EINVAL);
  CHECK_EQ(setSockOpt(fd, SockOpt::kLinger, -2), EINVAL);
  CHECK_EQ(setSockOpt(fd, SockOpt::kSendBuffer, -1), EINVAL);
  CHECK_EQ(setSockOpt(fd, SockOpt::kSendBuffer, int64_t{1} << 40), EINVAL);
  CHECK_EQ(setSockOpt(fd, SockOpt::kTos, 256), EINVAL);
  CHECK_EQ(setSockOpt(fd, SockOpt::kBusyPoll, -1), EINVAL);
  CHECK_EQ(setSockOpt(fd, static_cast<SockOpt>(999), 1), EINVAL);
  // Kernel-side limits come back as the kernel's errno.
  CHECK_EQ(setSockOpt(fd, SockOpt::kKeepAliveCount, 0), EINVAL);
  // IPV6_V6ONLY is for AF_INET6 only.
  CHECK_EQ(setSockOpt(fd, SockOpt::kIpv6Only, 1), EOPNOTSUPP);
  CHECK(!sockOptAppliesTo(SockOpt::kIpv6Only, AF_INET));
  CHECK(sockOptAppliesTo(SockOpt::kIpv6Only, AF_INET6));

  // applySockOpts stops at the first failure and names it.
  SockOpt bad = SockOpt::kNoDelay;
  SockOptList list = {{SockOpt::kNoDelay, 1}, {SockOpt::kKeepAliveIdle, -5}, {SockOpt::kCork, 1}};
  CHECK_EQ(applySockOpts(fd, list, &bad), EINVAL);
  CHECK(bad == SockOpt::kKeepAliveIdle);
  CHECK_EQ(get(fd, SockOpt::kCork), 0);  // not reached
  // ... and skips what does not apply (ipv6Only on IPv4).
  list = {{SockOpt::kIpv6Only, 1}, {SockOpt::kNoDelay, 1}};
  CHECK_EQ(applySockOpts(fd, list, &bad), 0);
  CHECK_EQ(get(fd, SockOpt::kNoDelay), 1);

  // TCP_INFO.
  TcpInfo ti;
  CHECK_EQ(readTcpInfo(fd, &ti), 0);
  CHECK_EQ(ti.state, uint32_t{TCP_ESTABLISHED});
  CHECK(ti.sndMss > 0);
  CHECK(ti.rcvMss > 0);
  CHECK(ti.pmtu > 0);
  CHECK(ti.sndCwnd > 0);
  char buf[4096];
  std::memset(buf, 'x', sizeof buf);
  CHECK_EQ(send(fd, buf, sizeof buf, 0), ssize_t{sizeof buf});
  size_t got = 0;
  while (got < sizeof buf) {
    ssize_t n = recv(cfd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  CHECK_EQ(got, sizeof buf);
  CHECK_EQ(send(cfd, buf, 100, 0), ssize_t{100});
  pollfd p{fd, POLLIN, 0};
  CHECK_EQ(poll(&p, 1, 2000), 1);
  // The ACK for our data may trail the bytes the peer has read; wait for it.
  for (int i = 0; i < 200; ++i) {
    CHECK_EQ(readTcpInfo(fd, &ti), 0);
    if (ti.bytesAcked >= sizeof buf) break;
    usleep(1000);
  }
  CHECK(ti.bytesAcked >= sizeof buf);
  CHECK_EQ(ti.bytesReceived, uint64_t{100});
  CHECK(ti.rttUs > 0);
  CHECK(ti.minRttUs > 0);
  CHECK_EQ(ti.totalRetrans, 0u);

  close(cfd);
  close(fd);
  close(lfd);
}

static void testUnixListeners() {
  char dirTemplate[] = "/tmp/ringnet-test-XXXXXX";
  char* dir = mkdtemp(dirTemplate);
  CHECK(dir != nullptr);
  if (dir == nullptr) return;
  std::string path = std::string(dir) + "/server.sock";

  // Connection options in the list: TCP ones skipped, generic ones applied.
  ListenerOptions opts;
  opts.socketOptions = {{SockOpt::kNoDelay, 1}, {SockOpt::kReuseAddr, 1}, {SockOpt::kSendBuffer, 32768},
                        {SockOpt::kTos, 0x10}};
  opts.reusePort = true;  // meaningless for Unix sockets: ignored
  int err = 0;
  const char* call = nullptr;
  int lfd = listenUnix(AddressKind::kUnixPath, path, &err, &call, opts);
  CHECK(lfd >= 0);
  if (lfd < 0) std::fprintf(stderr, "  unix listen: %s: %s\n", call, std::strerror(err));
  CHECK_EQ(domainOf(lfd), AF_UNIX);
  CHECK(get(lfd, SockOpt::kSendBuffer) >= 32768);
  BoundAddress b;
  CHECK(localAddress(lfd, &b));
  CHECK_EQ(b.family, std::string("unix"));
  CHECK_EQ(b.address, path);
  CHECK_EQ(b.port, 0);

  int cfd = connectUnix(path, false);
  CHECK(cfd >= 0);
  int afd = acceptOne(lfd);
  CHECK(afd >= 0);
  BoundAddress peer;
  CHECK(peerAddress(afd, &peer));
  CHECK_EQ(peer.family, std::string("unix"));
  CHECK_EQ(peer.address, std::string(""));  // unnamed client
  CHECK(peerAddress(cfd, &peer));
  CHECK_EQ(peer.address, path);

  // TCP options on a Unix socket are refused one by one.
  CHECK_EQ(setSockOpt(afd, SockOpt::kNoDelay, 1), EOPNOTSUPP);
  CHECK_EQ(setSockOpt(afd, SockOpt::kKeepAliveIdle, 10), EOPNOTSUPP);
  CHECK_EQ(setSockOpt(afd, SockOpt::kTos, 0x10), EOPNOTSUPP);
  CHECK_EQ(setSockOpt(afd, SockOpt::kIpv6Only, 1), EOPNOTSUPP);
  int64_t v = 0;
  CHECK_EQ(getSockOpt(afd, SockOpt::kNoDelay, &v), EOPNOTSUPP);
  CHECK(!sockOptAppliesTo(SockOpt::kNoDelay, AF_UNIX));
  CHECK(!sockOptAppliesTo(SockOpt::kTos, AF_UNIX));
  CHECK(sockOptAppliesTo(SockOpt::kSendBuffer, AF_UNIX));
  TcpInfo ti;
  CHECK_EQ(readTcpInfo(afd, &ti), EOPNOTSUPP);
  // Generic socket options do work.
  CHECK_EQ(setSockOpt(afd, SockOpt::kRecvBuffer, 65536), 0);
  CHECK(get(afd, SockOpt::kRecvBuffer) >= 65536);
  CHECK_EQ(setSockOpt(afd, SockOpt::kLinger, 3), 0);
  CHECK_EQ(get(afd, SockOpt::kLinger), 3);
  // applySockOpts skips the TCP ones silently.
  SockOptList list = {{SockOpt::kNoDelay, 1}, {SockOpt::kPriority, 2}};
  CHECK_EQ(applySockOpts(afd, list, nullptr), 0);
  CHECK_EQ(get(afd, SockOpt::kPriority), 2);
  close(cfd);
  close(afd);

  // Same path again: EADDRINUSE, nothing unlinked for us.
  CHECK_EQ(listenUnix(AddressKind::kUnixPath, path, &err, &call), -1);
  CHECK_EQ(err, EADDRINUSE);
  CHECK_EQ(call, "bind");
  close(lfd);
  // Still EADDRINUSE with nobody listening: the stale file is the caller's business.
  CHECK_EQ(listenUnix(AddressKind::kUnixPath, path, &err, &call), -1);
  CHECK_EQ(err, EADDRINUSE);
  unlink(path.c_str());

  // sun_path is 108 bytes including the NUL.
  std::string longPath = std::string(dir) + "/" + std::string(120, 'a');
  CHECK_EQ(listenUnix(AddressKind::kUnixPath, longPath, &err, &call), -1);
  CHECK_EQ(err, ENAMETOOLONG);
  std::string fits = "/tmp/" + std::string(sizeof(sockaddr_un{}.sun_path) - 1 - 5, 'b');
  int f = listenUnix(AddressKind::kUnixPath, fits, &err, &call);
  CHECK(f >= 0);
  if (f >= 0) {
    CHECK(localAddress(f, &b));
    CHECK_EQ(b.address, fits);
    close(f);
    unlink(fits.c_str());
  }
  CHECK_EQ(listenUnix(AddressKind::kUnixPath, "", &err, &call), -1);
  CHECK_EQ(err, EINVAL);

  rmdir(dir);
}

static void testAbstractListener() {
  std::string name = "ringnet-test-" + std::to_string(getpid());
  int err = 0;
  const char* call = nullptr;
  int lfd = listenUnix(AddressKind::kUnixAbstract, name, &err, &call);
  CHECK(lfd >= 0);
  if (lfd < 0) return;
  BoundAddress b;
  CHECK(localAddress(lfd, &b));
  CHECK_EQ(b.family, std::string("unix"));
  CHECK_EQ(b.address, "@" + name);

  int cfd = connectUnix(name, true);
  CHECK(cfd >= 0);
  int afd = acceptOne(lfd);
  CHECK(afd >= 0);
  BoundAddress peer;
  CHECK(peerAddress(cfd, &peer));
  CHECK_EQ(peer.address, "@" + name);
  CHECK(peerAddress(afd, &peer));
  CHECK_EQ(peer.address, std::string(""));

  // The exact length is part of the name: a prefix is a different socket.
  CHECK_EQ(connectUnix(name.substr(0, name.size() - 1), true), -1);

  CHECK_EQ(listenUnix(AddressKind::kUnixAbstract, name, &err, &call), -1);
  CHECK_EQ(err, EADDRINUSE);
  CHECK_EQ(listenUnix(AddressKind::kUnixAbstract, std::string(108, 'n'), &err, &call), -1);
  CHECK_EQ(err, ENAMETOOLONG);
  close(cfd);
  close(afd);
  close(lfd);
}

static void testFailuresCloseTheSocket() {
  const int before = openFds();
  int err = 0;
  const char* call = nullptr;

  ListenerOptions bad;
  bad.socketOptions = {{SockOpt::kKeepAliveIdle, -1}};
  CHECK_EQ(listenTcp("127.0.0.1", 0, bad, &err, &call), -1);
  CHECK_EQ(err, EINVAL);
  CHECK_EQ(call, "setsockopt");

  CHECK_EQ(listenTcp("not-an-ip", 0, {}, &err, &call), -1);
  CHECK_EQ(err, EINVAL);
  CHECK_EQ(listenTcp("::1%no-such-if0", 0, {}, &err, &call), -1);
  CHECK_EQ(err, EINVAL);

  // 192.0.2.1 (TEST-NET-1) is not a local address.
  CHECK_EQ(listenTcp("192.0.2.1", 0, {}, &err, &call), -1);
  CHECK_EQ(err, EADDRNOTAVAIL);
  CHECK_EQ(call, "bind");

  CHECK_EQ(openFds(), before);
  CHECK_EQ(domainOf(-1), -1);
  int64_t v = 0;
  CHECK_EQ(getSockOpt(-1, SockOpt::kNoDelay, &v), EBADF);
  CHECK_EQ(setSockOpt(-1, SockOpt::kNoDelay, 1), EBADF);
}

int main() {
  testNames();
  testIpv4Listener();
  testReuseOptions();
  testIpv6Listeners();
  testConnectionOptions();
  testUnixListeners();
  testAbstractListener();
  testFailuresCloseTheSocket();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
