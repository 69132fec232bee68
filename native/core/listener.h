// Listening sockets: TCP over IPv4/IPv6 and Unix domain sockets (path and
// abstract names), with the server's socket options applied before bind/listen.
#pragma once

#include <cstdint>
#include <string>

#include "codec/proxy_header.h"
#include "socket_options.h"

namespace ringnet {

enum class AddressKind : uint8_t { kTcp, kUnixPath, kUnixAbstract };

struct ListenAddress {
  AddressKind kind = AddressKind::kTcp;
  std::string host;        // numeric IPv4 or IPv6 literal (the JS layer resolves names); "" = "::" with dual stack
  uint16_t port = 0;       // 0 = any free port
  std::string path;        // kUnixPath: filesystem path; kUnixAbstract: name without the leading NUL
  // PROXY protocol on this listener (opt-in): every connection must start with
  // a v1/v2 header naming the client, within timeoutMs.
  struct Proxy {
    bool enabled = false;
    uint32_t timeoutMs = 0;   // 0 = no header timeout
    proxy::Limits limits;
  } proxy;
};

struct ListenerOptions {
  int backlog = 511;
  SockOptList socketOptions;  // applied after socket(), before bind()
  bool reusePort = false;     // forced on for the reuseport accept mode
};

struct BoundAddress {
  std::string family;      // "IPv4", "IPv6", "unix"
  std::string address;     // numeric address, or the socket path ("@name" for abstract)
  uint16_t port = 0;
};

// Creates a non-blocking, close-on-exec listening socket. On failure returns -1
// and sets *err to an errno value and *syscall to the call that failed
// ("socket", "bind", "listen", "setsockopt").
int openListener(const ListenAddress& addr, const ListenerOptions& opts, int* err,
                 const char** syscall);

// The address a socket is bound to (getsockname) or connected to (getpeername).
bool localAddress(int fd, BoundAddress* out);
bool peerAddress(int fd, BoundAddress* out);

}  // namespace ringnet
