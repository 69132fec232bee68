// Work handed to a reactor by other threads: command logs from JS, accepted
// fds from the main reactor, and a server close request. One mutex, held only
// to append or to swap the whole list out; the reactor is woken only when the
// inbox goes from empty to non-empty.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

namespace ringnet {

struct InboxContents {
  std::vector<uint8_t> commands;
  std::vector<int> fds;
  bool closeRequested = false;
  uint32_t closeTimeoutMs = 0;
  bool arenaReturned = false;
  int acceptError = 0;  // from the main reactor, reported by this worker

};

class Inbox {
 public:
  // Each returns true when the caller must wake the reactor.
  bool pushCommands(const uint8_t* data, size_t len);
  bool pushFd(int fd);
  bool requestClose(uint32_t timeoutMs);
  bool arenaReturned();
  bool acceptError(int err);

  // Swaps everything out into `into` (which the caller cleared); keeps the
  // vectors' capacity alive by swapping.
  void take(InboxContents& into);

 private:
  bool markPending();

  std::mutex mu_;
  InboxContents pending_;
  bool wakePending_ = false;
};

}  // namespace ringnet
