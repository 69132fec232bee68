// A connection closed while a fork()ed child still holds its socket (as
// child_process.spawn does between fork and exec): the reactor must not get
// events for it afterwards. close() removes an fd from an epoll set only when
// the last reference to the open file goes, so without EPOLL_CTL_DEL the
// bytes the peer sends after the close raised events carrying a pointer to
// the freed connection (found by ASan in CI: heap-use-after-free in
// EpollBackend::onConnectionEvent). Run under ASan + UBSan by run.sh, on both
// backends and every worker shape; the server must also carry on serving.
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <cstdio>
#include <memory>
#include <string>

#include "check.h"
#include "echo_harness.h"

using namespace echo_harness;

namespace {

// A child that only holds the parent's fds (it inherits them all, CLOEXEC or
// not, until an exec), then leaves without running any of the parent's code.
pid_t forkHolder() {
  pid_t pid = ::fork();
  if (pid == 0) {
    timespec t{30, 0};
    ::nanosleep(&t, nullptr);
    ::_exit(0);
  }
  return pid;
}

void closedWhileForked(BackendKind backend, const Shape& shape) {
  ServerConfig c = smallConfig(backend, shape);
  c.maxConnections = 16;
  c.framing.length.maxFrameLength = 1024;
  c.closeLingerMs = 100;

  LiveServer live(c);
  CHECK(live.listening);
  if (!live.listening) return;
  EchoSide& side = live.side;
  auto& server = live.server;
  const BoundAddress& bound = live.bound;
  Harness h(*server, side);

  int victim = h.connect(bound.port);
  int other = h.connect(bound.port);
  CHECK(victim >= 0 && other >= 0);
  const std::string hello = frame("hello");
  h.sendAll(victim, hello);
  CHECK(h.expect(victim, hello));
  h.sendAll(other, hello);
  CHECK(h.expect(other, hello));

  const pid_t holder = forkHolder();
  CHECK(holder > 0);

  // A header announcing 1 MiB: the server closes this connection (frame too
  // large) while the child keeps the socket's file open.
  h.sendAll(victim, std::string("\x00\x10\x00\x00", 4));
  CHECK(h.until([&] { return side.closes == 1; }, 5000));
  CHECK(!side.closeReasons.empty() && side.closeReasons[0] == wire::kCloseFrameTooLarge);
  h.pump(20);  // the pass that closed it has ended: the connection is freed

  // The socket is still alive in the kernel: what the peer sends now raises
  // readiness on it. None of it may reach the freed connection.
  for (int i = 0; i < 20; i++) {
    (void)::send(victim, "late bytes", 10, MSG_NOSIGNAL);
    h.pump(5);
  }
  ::shutdown(victim, SHUT_WR);  // a FIN too: EPOLLRDHUP on the same file
  h.pump(50);

  // The server carries on: the other connection still echoes, and a new one opens.
  const std::string after = frame("still serving");
  h.sendAll(other, after);
  CHECK(h.expect(other, after));
  int late = h.connect(bound.port);
  h.sendAll(late, after);
  CHECK(h.expect(late, after));
  CHECK(side.closes == 1);

  ::kill(holder, SIGKILL);
  int status = 0;
  CHECK(::waitpid(holder, &status, 0) == holder);

  server->close(200);
  CHECK(h.until([&] {
    char b[64];
    for (int* fd : {&other, &late}) {
      if (*fd >= 0 && ::recv(*fd, b, sizeof b, 0) == 0) {
        ::close(*fd);
        *fd = -1;
      }
    }
    return side.done == shape.workers;
  }, 10000));
  server->finish();
  CHECK(side.closes == side.opens);
  ::close(victim);
  for (int fd : {other, late}) {
    if (fd >= 0) ::close(fd);
  }
  server.reset();
  side.dropQueued();
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  for (auto& [kind, bname] : availableBackends()) {
    for (const Shape& shape : kShapes) {
      test::currentCase = std::string(bname) + " " + shape.name;
      closedWhileForked(kind, shape);
      std::printf("%s: done\n", test::currentCase.c_str());
    }
  }
  return test::checkSummary();
}
