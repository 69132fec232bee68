// Server start/close cycles with real sockets, for LeakSanitizer (run by
// test/native/run.sh under ASan + UBSan; LSan checks at exit). The test plays
// the JS side itself: it receives the reactors' batches, echoes every frame
// with send commands and hands the arenas back, as the bridge does.
//
// Each cycle, on each backend and in each worker shape (threads with dispatch,
// threads with reuseport, worker 0 inline): clients echo small and big frames,
// then one closes, one resets, two die mid-frame (FIN / RST) and two are still
// connected when the server closes gracefully; every other cycle tears the
// server down abruptly instead (process exit). Afterwards: no leak, and the
// process has exactly the fds it had before the first cycle.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "check.h"
#include "echo_harness.h"

using namespace echo_harness;

namespace {

void cycle(BackendKind backend, const Shape& shape, int n) {
  ServerConfig c = smallConfig(backend, shape);
  c.maxConnections = 64;
  c.batchBytes = 16 * 1024;  // a 40 KB frame takes the big-frame path
  c.batchRecords = 256;
  c.closeLingerMs = 300;

  LiveServer live(c);
  CHECK(live.listening);
  if (!live.listening) return;
  EchoSide& side = live.side;
  auto& server = live.server;
  const BoundAddress& bound = live.bound;
  Harness h(*server, side);

  std::vector<int> fds;
  for (int i = 0; i < 6; i++) fds.push_back(h.connect(bound.port));
  for (int fd : fds) CHECK(fd >= 0);
  for (size_t i = 0; i < fds.size(); i++) {
    const std::string f = frame("cycle " + std::to_string(n) + " client " + std::to_string(i));
    h.sendAll(fds[i], f);
    CHECK(h.expect(fds[i], f));
  }
  const std::string big = frame(std::string(40 * 1024, static_cast<char>('a' + n % 26)));
  h.sendAll(fds[4], big);
  CHECK(h.expect(fds[4], big));

  ::close(fds[0]);                                        // FIN
  resetClose(fds[1]);                                     // RST
  h.sendAll(fds[2], frame("never finished").substr(0, 7));
  ::close(fds[2]);                                        // FIN mid-frame
  h.sendAll(fds[3], frame("never finished").substr(0, 7));
  h.pump(20);
  resetClose(fds[3]);                                     // RST mid-frame
  CHECK(h.until([&] { return side.closes == 4; }, 10000));

  if (n % 2 == 0) {
    // Graceful: clients 4 and 5 get FIN; they answer with theirs.
    server->close(200);
    CHECK(h.until([&] {
      char b[64];
      for (int i : {4, 5}) {
        if (fds[i] >= 0 && ::recv(fds[i], b, sizeof b, 0) == 0) {
          ::close(fds[i]);
          fds[i] = -1;
        }
      }
      return side.done == shape.workers;
    }, 10000));
    server->finish();
    CHECK(side.closes == side.opens);
  } else {
    server->teardown();  // process exit: no more events, nothing leaks
    for (int i : {4, 5}) ::close(fds[i]);
  }
  server.reset();
  side.dropQueued();
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const int baseline = openFds();
  const int kCycles = 25;
  for (auto& [kind, bname] : availableBackends()) {
    for (const Shape& shape : kShapes) {
      test::currentCase = std::string(bname) + " " + shape.name;
      for (int n = 0; n < kCycles; n++) cycle(kind, shape, n);
      std::printf("%s: %d cycles\n", test::currentCase.c_str(), kCycles);
    }
  }
  test::currentCase = "fds";
  const int after = openFds();
  std::printf("open fds: %d before, %d after\n", baseline, after);
  CHECK(after == baseline);
  return test::checkSummary();
}
