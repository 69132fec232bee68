#include "ktls.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef TCP_ULP
#define TCP_ULP 31  // linux/tcp.h; older libc headers lack it
#endif

namespace ringnet {

bool kernelTlsAvailable(std::string* why) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *why = std::string("cannot open a probe socket: ") + std::strerror(errno);
    return false;
  }
  int r = ::setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof "tls");
  int err = r == 0 ? 0 : errno;
  ::close(fd);
  if (r == 0 || err == ENOTCONN) return true;  // the ULP exists; it needs a connected socket
  if (err == ENOENT) {
    *why = "the kernel has no TLS upper-layer protocol (built without CONFIG_TLS, or the tls module is unavailable)";
  } else {
    *why = std::string("setsockopt(TCP_ULP, \"tls\") failed: ") + std::strerror(err);
  }
  return false;
}

}  // namespace ringnet
