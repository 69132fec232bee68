#include "accept_loop.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "io_backend.h"

namespace ringnet {

AcceptLoop::AcceptLoop() { spareFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

AcceptLoop::~AcceptLoop() {
  if (spareFd_ >= 0) ::close(spareFd_);
}

void AcceptLoop::drain(int listenFd, IoHandler* handler, int maxAccepts) {
  for (int i = 0; i < maxAccepts; ++i) {
    int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      handler->onAccepted(fd);
      continue;
    }
    int err = errno;
    switch (err) {
      case EAGAIN:
      case EINVAL:  // the listener was shut down (server closing)
        return;
      case EINTR:
      case ECONNABORTED:  // the peer gave up while queued: nothing to report
      case EPROTO:
        continue;
      case EMFILE:
      case ENFILE:
        handler->onAcceptError(err);
        shedOne(listenFd);
        return;  // one shed per wake-up: work through the queue, never spin
      default:
        handler->onAcceptError(err);
        return;
    }
  }
}

void AcceptLoop::shedOne(int listenFd) {
  // Out of fds: use the spare one to take the connection off the queue and
  // close it, so the listener stops being readable instead of spinning.
  if (spareFd_ >= 0) {
    ::close(spareFd_);
    spareFd_ = -1;
  }
  int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) ::close(fd);
  spareFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

}  // namespace ringnet
