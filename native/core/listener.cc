// Listening sockets: address parsing, socket/bind/listen with the server's
// options, and getsockname/getpeername formatted the way Node reports them.
#include "listener.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace ringnet {
namespace {

struct SockAddr {
  sockaddr_storage storage;
  socklen_t len = 0;
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

// "fe80::1%eth0" or "fe80::1%2": the zone is an interface name or index.
bool parseScope(const std::string& zone, uint32_t* scope) {
  if (zone.empty()) return false;
  if (unsigned idx = if_nametoindex(zone.c_str())) {
    *scope = idx;
    return true;
  }
  char* end = nullptr;
  errno = 0;
  unsigned long n = std::strtoul(zone.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || n > UINT32_MAX) return false;
  *scope = static_cast<uint32_t>(n);
  return true;
}

// Numeric literals only: the JS layer has already resolved host names.
int tcpAddress(const std::string& host, uint16_t port, SockAddr* out) {
  std::memset(&out->storage, 0, sizeof out->storage);
  auto* in4 = reinterpret_cast<sockaddr_in*>(&out->storage);
  if (!host.empty() && inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    out->len = sizeof *in4;
    return 0;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  out->len = sizeof *in6;
  if (host.empty()) {
    in6->sin6_addr = in6addr_any;
    return 0;
  }
  const size_t pct = host.find('%');
  const std::string ip = host.substr(0, pct);
  if (inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr) != 1) return EINVAL;
  if (pct != std::string::npos && !parseScope(host.substr(pct + 1), &in6->sin6_scope_id)) {
    return EINVAL;
  }
  return 0;
}

int unixAddress(const std::string& name, bool abstract, SockAddr* out) {
  std::memset(&out->storage, 0, sizeof out->storage);
  auto* un = reinterpret_cast<sockaddr_un*>(&out->storage);
  un->sun_family = AF_UNIX;
  if (name.empty()) return EINVAL;
  if (abstract) {
    // Leading NUL, then the name; the length is exact because every byte
    // (trailing NULs included) is part of an abstract name.
    if (name.size() > sizeof un->sun_path - 1) return ENAMETOOLONG;
    std::memcpy(un->sun_path + 1, name.data(), name.size());
    out->len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    return 0;
  }
  // A path needs its terminating NUL to fit; an embedded NUL would silently
  // bind a different (shorter) path.
  if (name.find('\0') != std::string::npos) return EINVAL;
  if (name.size() >= sizeof un->sun_path) return ENAMETOOLONG;
  std::memcpy(un->sun_path, name.data(), name.size());
  out->len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
  return 0;
}

bool listHas(const SockOptList& list, SockOpt opt) {
  for (const SockOptSetting& s : list) {
    if (s.first == opt) return true;
  }
  return false;
}

int setOn(int fd, int level, int optname, int value) {
  return setsockopt(fd, level, optname, &value, sizeof value) == 0 ? 0 : errno;
}

// Options set before bind: defaults, the caller's list, then forced ones.
int configure(int fd, const ListenAddress& addr, const ListenerOptions& opts) {
  if (addr.kind != AddressKind::kTcp) return applySockOpts(fd, opts.socketOptions, nullptr);
  // Like Node: SO_REUSEADDR so a restarted server can bind over TIME_WAIT.
  if (!listHas(opts.socketOptions, SockOpt::kReuseAddr)) {
    if (int err = setOn(fd, SOL_SOCKET, SO_REUSEADDR, 1)) return err;
  }
  // host "" means every address, IPv4 included, whatever net.ipv6.bindv6only says.
  if (addr.host.empty() && !listHas(opts.socketOptions, SockOpt::kIpv6Only)) {
    if (int err = setOn(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0)) return err;
  }
  if (int err = applySockOpts(fd, opts.socketOptions, nullptr)) return err;
  // After the list: the reuseport accept mode needs it whatever the list says.
  if (opts.reusePort) return setOn(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  return 0;
}

int fail(int fd, int err, const char* call, int* errOut, const char** syscallOut) {
  if (fd >= 0) close(fd);
  *errOut = err;
  *syscallOut = call;
  return -1;
}

bool formatAddress(const sockaddr_storage& ss, socklen_t len, BoundAddress* out) {
  char text[INET6_ADDRSTRLEN + 1 + IF_NAMESIZE];
  switch (ss.ss_family) {
    case AF_INET: {
      const auto* in4 = reinterpret_cast<const sockaddr_in*>(&ss);
      if (inet_ntop(AF_INET, &in4->sin_addr, text, sizeof text) == nullptr) return false;
      out->family = "IPv4";
      out->address = text;
      out->port = ntohs(in4->sin_port);
      return true;
    }
    case AF_INET6: {
      // IPv4-mapped addresses stay as they are ("::ffff:127.0.0.1"), like Node.
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      if (inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text) == nullptr) return false;
      out->family = "IPv6";
      out->address = text;
      // Node appends the zone to link-local addresses ("fe80::1%eth0").
      if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) && in6->sin6_scope_id != 0) {
        char ifname[IF_NAMESIZE];
        out->address += '%';
        out->address += if_indextoname(in6->sin6_scope_id, ifname) != nullptr
                            ? std::string(ifname)
                            : std::to_string(in6->sin6_scope_id);
      }
      out->port = ntohs(in6->sin6_port);
      return true;
    }
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
      const size_t base = offsetof(sockaddr_un, sun_path);
      const size_t n = len > base ? len - base : 0;
      out->family = "unix";
      out->port = 0;
      if (n == 0) {
        out->address.clear();  // unnamed (e.g. the client end of a connection)
      } else if (un->sun_path[0] == '\0') {
        out->address = "@" + std::string(un->sun_path + 1, n - 1);
      } else {
        out->address.assign(un->sun_path, strnlen(un->sun_path, n));
      }
      return true;
    }
    default:
      errno = EAFNOSUPPORT;
      return false;
  }
}

}  // namespace

int openListener(const ListenAddress& addr, const ListenerOptions& opts, int* err,
                 const char** syscall) {
  SockAddr sa;
  int e = addr.kind == AddressKind::kTcp
              ? tcpAddress(addr.host, addr.port, &sa)
              : unixAddress(addr.path, addr.kind == AddressKind::kUnixAbstract, &sa);
  if (e != 0) return fail(-1, e, "bind", err, syscall);  // reported as a bind failure, nothing opened yet

  const int fd = socket(sa.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(-1, errno, "socket", err, syscall);
  if ((e = configure(fd, addr, opts)) != 0) return fail(fd, e, "setsockopt", err, syscall);
  if (bind(fd, sa.get(), sa.len) != 0) return fail(fd, errno, "bind", err, syscall);
  if (listen(fd, opts.backlog) != 0) return fail(fd, errno, "listen", err, syscall);
  return fd;
}

bool localAddress(int fd, BoundAddress* out) {
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  return formatAddress(ss, len, out);
}

bool peerAddress(int fd, BoundAddress* out) {
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  return formatAddress(ss, len, out);
}

}  // namespace ringnet
