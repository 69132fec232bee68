// Socket option flags: one table shared by the listener, every connection and
// the JS API (src/options.ts mirrors the numeric ids). Values are int64 so that
// booleans, sizes and timeouts travel the same way.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ringnet {

// Keep the numbering in sync with SOCKET_OPTION_IDS in src/options.ts.
enum class SockOpt : int32_t {
  // connection options
  kNoDelay = 1,            // TCP_NODELAY (0/1)
  kQuickAck = 2,           // TCP_QUICKACK (0/1; the kernel clears it by itself, see README)
  kCork = 3,               // TCP_CORK (0/1)
  kKeepAlive = 4,          // SO_KEEPALIVE (0/1)
  kKeepAliveIdle = 5,      // TCP_KEEPIDLE seconds
  kKeepAliveInterval = 6,  // TCP_KEEPINTVL seconds
  kKeepAliveCount = 7,     // TCP_KEEPCNT probes
  kUserTimeout = 8,        // TCP_USER_TIMEOUT milliseconds
  kLinger = 9,             // SO_LINGER: -1 = off, >= 0 = on with that many seconds (0 = RST on close)
  kSendBuffer = 10,        // SO_SNDBUF bytes (the kernel doubles it; getOption reads the kernel's value)
  kRecvBuffer = 11,        // SO_RCVBUF bytes (likewise)
  kNotSentLowat = 12,      // TCP_NOTSENT_LOWAT bytes
  kBusyPoll = 13,          // SO_BUSY_POLL microseconds
  kTos = 14,               // IP_TOS (IPv4) / IPV6_TCLASS (IPv6)
  kPriority = 15,          // SO_PRIORITY
  // listener options
  kReuseAddr = 16,         // SO_REUSEADDR (0/1)
  kReusePort = 17,         // SO_REUSEPORT (0/1)
  kDeferAccept = 18,       // TCP_DEFER_ACCEPT seconds
  kFastOpen = 19,          // TCP_FASTOPEN queue length
  kIpv6Only = 20,          // IPV6_V6ONLY (0/1)
};

using SockOptSetting = std::pair<SockOpt, int64_t>;
using SockOptList = std::vector<SockOptSetting>;

// Whether the option makes sense for a socket of this kind (TCP options on a
// Unix socket are skipped silently when applied from a list, refused when set
// one by one).
bool sockOptAppliesTo(SockOpt opt, int family);

// Sets one option. Returns 0 or an errno value (EINVAL for a value out of range,
// EOPNOTSUPP for an option that does not apply to this socket's family).
int setSockOpt(int fd, SockOpt opt, int64_t value);

// Reads the kernel's current value. Returns 0 or an errno value.
int getSockOpt(int fd, SockOpt opt, int64_t* value);

// Applies every setting that applies to this socket's family. On failure returns
// the errno and stores the option that failed.
int applySockOpts(int fd, const SockOptList& list, SockOpt* failed);

// A name for messages ("noDelay", "sendBuffer", ...), matching the JS option names.
const char* sockOptName(SockOpt opt);

// Subset of struct tcp_info that users ask for, read with getsockopt(TCP_INFO).
struct TcpInfo {
  uint32_t state = 0;
  uint32_t rttUs = 0;
  uint32_t rttVarUs = 0;
  uint32_t retransmits = 0;      // tcpi_retransmits: current consecutive retransmits
  uint32_t totalRetrans = 0;     // tcpi_total_retrans
  uint32_t lost = 0;
  uint32_t sndCwnd = 0;          // segments
  uint32_t sndSsthresh = 0;
  uint32_t sndMss = 0;
  uint32_t rcvMss = 0;
  uint32_t pmtu = 0;
  uint32_t unacked = 0;
  uint64_t bytesAcked = 0;
  uint64_t bytesReceived = 0;
  uint64_t pacingRate = 0;
  uint64_t deliveryRate = 0;
  uint32_t minRttUs = 0;
};

// Returns 0 or an errno value (EOPNOTSUPP on a Unix socket).
int readTcpInfo(int fd, TcpInfo* out);

}  // namespace ringnet
