// Socket option table: maps each SockOpt to its setsockopt level/name, checks
// values before they reach the kernel and reads them back.
#include "socket_options.h"

#include <netinet/in.h>
#include <sys/socket.h>

// linux/tcp.h rather than netinet/tcp.h: glibc's struct tcp_info stops at
// tcpi_total_retrans, the kernel's has the rate/byte counters we report. The
// two headers cannot be included together; linux/tcp.h also has every TCP_*
// option constant used here.
#include <linux/tcp.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>

namespace ringnet {
namespace {

// Which sockets an option makes sense on.
enum class Scope : uint8_t {
  kAny,    // generic socket-level option with an effect on Unix sockets too
  kInet,   // TCP/IP only (AF_INET, AF_INET6)
  kInet6,  // AF_INET6 only
};

// How a value is checked and passed to the kernel.
enum class Kind : uint8_t {
  kBool,    // 0/1 (read back normalised to 0/1: the kernel may report any non-zero)
  kNonNeg,  // 0 .. INT_MAX
  kLinger,  // -1 (off) .. INT_MAX, passed as struct linger
  kTos,     // 0 .. 255, IP_TOS or IPV6_TCLASS depending on the family
};

struct OptInfo {
  SockOpt opt;
  const char* name;
  int level;
  int optname;
  Kind kind;
  Scope scope;
};

// SO_KEEPALIVE, SO_REUSEADDR and SO_REUSEPORT are socket-level but only mean
// something for TCP (and Linux >= 6.6 refuses SO_REUSEPORT on Unix sockets), so
// they are scoped like the TCP-level options.
constexpr OptInfo kOpts[] = {
    {SockOpt::kNoDelay, "noDelay", IPPROTO_TCP, TCP_NODELAY, Kind::kBool, Scope::kInet},
    {SockOpt::kQuickAck, "quickAck", IPPROTO_TCP, TCP_QUICKACK, Kind::kBool, Scope::kInet},
    {SockOpt::kCork, "cork", IPPROTO_TCP, TCP_CORK, Kind::kBool, Scope::kInet},
    {SockOpt::kKeepAlive, "keepAlive", SOL_SOCKET, SO_KEEPALIVE, Kind::kBool, Scope::kInet},
    {SockOpt::kKeepAliveIdle, "keepAliveIdle", IPPROTO_TCP, TCP_KEEPIDLE, Kind::kNonNeg, Scope::kInet},
    {SockOpt::kKeepAliveInterval, "keepAliveInterval", IPPROTO_TCP, TCP_KEEPINTVL, Kind::kNonNeg,
     Scope::kInet},
    {SockOpt::kKeepAliveCount, "keepAliveCount", IPPROTO_TCP, TCP_KEEPCNT, Kind::kNonNeg, Scope::kInet},
    {SockOpt::kUserTimeout, "userTimeout", IPPROTO_TCP, TCP_USER_TIMEOUT, Kind::kNonNeg, Scope::kInet},
    {SockOpt::kLinger, "linger", SOL_SOCKET, SO_LINGER, Kind::kLinger, Scope::kAny},
    {SockOpt::kSendBuffer, "sendBuffer", SOL_SOCKET, SO_SNDBUF, Kind::kNonNeg, Scope::kAny},
    {SockOpt::kRecvBuffer, "recvBuffer", SOL_SOCKET, SO_RCVBUF, Kind::kNonNeg, Scope::kAny},
    {SockOpt::kNotSentLowat, "notSentLowat", IPPROTO_TCP, TCP_NOTSENT_LOWAT, Kind::kNonNeg, Scope::kInet},
    {SockOpt::kBusyPoll, "busyPoll", SOL_SOCKET, SO_BUSY_POLL, Kind::kNonNeg, Scope::kAny},
    {SockOpt::kTos, "tos", IPPROTO_IP, IP_TOS, Kind::kTos, Scope::kInet},  // level/name per family
    {SockOpt::kPriority, "priority", SOL_SOCKET, SO_PRIORITY, Kind::kNonNeg, Scope::kAny},
    {SockOpt::kReuseAddr, "reuseAddr", SOL_SOCKET, SO_REUSEADDR, Kind::kBool, Scope::kInet},
    {SockOpt::kReusePort, "reusePort", SOL_SOCKET, SO_REUSEPORT, Kind::kBool, Scope::kInet},
    {SockOpt::kDeferAccept, "deferAccept", IPPROTO_TCP, TCP_DEFER_ACCEPT, Kind::kNonNeg, Scope::kInet},
    {SockOpt::kFastOpen, "fastOpen", IPPROTO_TCP, TCP_FASTOPEN, Kind::kNonNeg, Scope::kInet},
    {SockOpt::kIpv6Only, "ipv6Only", IPPROTO_IPV6, IPV6_V6ONLY, Kind::kBool, Scope::kInet6},
};

const OptInfo* findOpt(SockOpt opt) {
  for (const OptInfo& info : kOpts) {
    if (info.opt == opt) return &info;
  }
  return nullptr;
}

bool appliesTo(const OptInfo& info, int family) {
  switch (info.scope) {
    case Scope::kAny: return true;
    case Scope::kInet: return family == AF_INET || family == AF_INET6;
    case Scope::kInet6: return family == AF_INET6;
  }
  return false;
}

bool inRange(Kind kind, int64_t value) {
  switch (kind) {
    case Kind::kBool: return value == 0 || value == 1;
    case Kind::kNonNeg: return value >= 0 && value <= INT_MAX;
    case Kind::kLinger: return value >= -1 && value <= INT_MAX;
    case Kind::kTos: return value >= 0 && value <= 255;
  }
  return false;
}

// The socket's address family (AF_INET, AF_INET6, AF_UNIX), or -1 with *err.
int familyOf(int fd, int* err) {
  int family = 0;
  socklen_t len = sizeof family;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) != 0) {
    *err = errno;
    return -1;
  }
  return family;
}

int setInt(int fd, int level, int optname, int value) {
  return setsockopt(fd, level, optname, &value, sizeof value) == 0 ? 0 : errno;
}

int setKnown(int fd, const OptInfo& info, int family, int64_t value) {
  if (!appliesTo(info, family)) return EOPNOTSUPP;
  if (!inRange(info.kind, value)) return EINVAL;
  const int v = static_cast<int>(value);
  switch (info.kind) {
    case Kind::kLinger: {
      struct linger l;
      l.l_onoff = v >= 0 ? 1 : 0;
      l.l_linger = v >= 0 ? v : 0;
      return setsockopt(fd, info.level, info.optname, &l, sizeof l) == 0 ? 0 : errno;
    }
    case Kind::kTos:
      if (family == AF_INET6) {
        if (int err = setInt(fd, IPPROTO_IPV6, IPV6_TCLASS, v)) return err;
        // A dual-stack socket talking to an IPv4-mapped peer sends IPv4
        // packets, which take their TOS from IP_TOS, not from the traffic
        // class; set both so the value holds whichever way the peer came in.
        return setInt(fd, IPPROTO_IP, IP_TOS, v);
      }
      return setInt(fd, IPPROTO_IP, IP_TOS, v);
    default:
      return setInt(fd, info.level, info.optname, v);
  }
}

}  // namespace

bool sockOptAppliesTo(SockOpt opt, int family) {
  const OptInfo* info = findOpt(opt);
  return info != nullptr && appliesTo(*info, family);
}

int setSockOpt(int fd, SockOpt opt, int64_t value) {
  const OptInfo* info = findOpt(opt);
  if (info == nullptr) return EINVAL;
  int err = 0;
  const int family = familyOf(fd, &err);
  if (family < 0) return err;
  return setKnown(fd, *info, family, value);
}

int getSockOpt(int fd, SockOpt opt, int64_t* value) {
  const OptInfo* info = findOpt(opt);
  if (info == nullptr) return EINVAL;
  int err = 0;
  const int family = familyOf(fd, &err);
  if (family < 0) return err;
  if (!appliesTo(*info, family)) return EOPNOTSUPP;

  if (info->kind == Kind::kLinger) {
    struct linger l;
    std::memset(&l, 0, sizeof l);
    socklen_t len = sizeof l;
    if (getsockopt(fd, info->level, info->optname, &l, &len) != 0) return errno;
    *value = l.l_onoff ? l.l_linger : -1;
    return 0;
  }

  int level = info->level;
  int optname = info->optname;
  if (info->kind == Kind::kTos && family == AF_INET6) {
    level = IPPROTO_IPV6;
    optname = IPV6_TCLASS;
  }
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(fd, level, optname, &v, &len) != 0) return errno;
  *value = info->kind == Kind::kBool ? (v != 0 ? 1 : 0) : v;
  return 0;
}

int applySockOpts(int fd, const SockOptList& list, SockOpt* failed) {
  if (list.empty()) return 0;
  int err = 0;
  const int family = familyOf(fd, &err);
  if (family < 0) return err;
  for (const SockOptSetting& setting : list) {
    const OptInfo* info = findOpt(setting.first);
    if (info != nullptr && !appliesTo(*info, family)) continue;  // e.g. noDelay on a Unix server
    err = info == nullptr ? EINVAL : setKnown(fd, *info, family, setting.second);
    if (err != 0) {
      if (failed != nullptr) *failed = setting.first;
      return err;
    }
  }
  return 0;
}

const char* sockOptName(SockOpt opt) {
  const OptInfo* info = findOpt(opt);
  return info != nullptr ? info->name : "unknown";
}

int readTcpInfo(int fd, TcpInfo* out) {
  int err = 0;
  const int family = familyOf(fd, &err);
  if (family < 0) return err;
  if (family != AF_INET && family != AF_INET6) return EOPNOTSUPP;

  struct tcp_info ti;
  std::memset(&ti, 0, sizeof ti);
  socklen_t len = sizeof ti;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return errno;

  // An older kernel fills a shorter struct; anything past `len` was not
  // written by it. The memset already zeroes those bytes, the explicit check
  // keeps that true even if this code stops starting from a zeroed struct.
#define RINGNET_TI(field) \
  (offsetof(struct tcp_info, field) + sizeof(ti.field) <= len ? ti.field : 0)
  *out = TcpInfo{};
  out->state = RINGNET_TI(tcpi_state);
  out->rttUs = RINGNET_TI(tcpi_rtt);
  out->rttVarUs = RINGNET_TI(tcpi_rttvar);
  out->retransmits = RINGNET_TI(tcpi_retransmits);
  out->totalRetrans = RINGNET_TI(tcpi_total_retrans);
  out->lost = RINGNET_TI(tcpi_lost);
  out->sndCwnd = RINGNET_TI(tcpi_snd_cwnd);
  out->sndSsthresh = RINGNET_TI(tcpi_snd_ssthresh);
  out->sndMss = RINGNET_TI(tcpi_snd_mss);
  out->rcvMss = RINGNET_TI(tcpi_rcv_mss);
  out->pmtu = RINGNET_TI(tcpi_pmtu);
  out->unacked = RINGNET_TI(tcpi_unacked);
  out->bytesAcked = RINGNET_TI(tcpi_bytes_acked);
  out->bytesReceived = RINGNET_TI(tcpi_bytes_received);
  out->pacingRate = RINGNET_TI(tcpi_pacing_rate);
  out->deliveryRate = RINGNET_TI(tcpi_delivery_rate);
  out->minRttUs = RINGNET_TI(tcpi_min_rtt);
#undef RINGNET_TI
  return 0;
}

}  // namespace ringnet
