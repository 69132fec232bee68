// Work handed to a reactor by other threads: command logs from JS, accepted
// fds from the main reactor, and a server close request. One mutex, held only
// to append or to swap the whole list out; the reactor is woken only when the
// inbox goes from empty to non-empty.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "shared_bytes.h"

namespace ringnet {

// One encoded frame for every member of a room (or every connection).
struct Broadcast {
  SharedRef frame;
  SharedRef compressed;  // WebSocket permessage-deflate members get this one when set
  std::string room;
  bool all = false;
};

struct InboxContents {
  std::vector<uint8_t> commands;
  std::vector<int> fds;
  bool closeRequested = false;
  uint32_t closeTimeoutMs = 0;
  bool arenaReturned = false;
  bool refs = false;  // commands point into an arena
  int acceptError = 0;  // from the main reactor, reported by this worker
  // Referenced by kCmdBroadcast entries in `commands` (so that they apply in
  // order with the connections' commands: a join before a broadcast counts).
  std::vector<Broadcast> broadcasts;

};

class Inbox {
 public:
  // Each returns true when the caller must wake the reactor.
  // refs: the log points into a batch arena (kCmdSendRef): the arena's
  // release must wait for it (pushRelease).
  bool pushCommands(const uint8_t* data, size_t len, bool refs);
  // JS is done with an arena: released by the reactor after the commands
  // queued before it.
  bool pushRelease(uint32_t arena);
  // Queued commands point into an arena.
  bool hasRefs();
  // Bytes of command logs copied in so far (server.stats()).
  uint64_t copiedBytes() const { return copied_.load(std::memory_order_relaxed); }
  bool pushFd(int fd);
  bool requestClose(uint32_t timeoutMs);
  bool arenaReturned();
  bool acceptError(int err);
  // False (nothing queued) when `limit` broadcasts already wait; *wake tells
  // the caller to wake the reactor.
  bool pushBroadcast(Broadcast b, size_t limit, bool* wake);
  size_t pendingBroadcasts();
  // Anything queued (the reactor's own thread checks before applying a
  // command log directly, so that earlier work keeps its order).
  bool hasWork();

  // Swaps everything out into `into` (which the caller cleared); keeps the
  // vectors' capacity alive by swapping.
  void take(InboxContents& into);

 private:
  bool markPending();

  std::mutex mu_;
  InboxContents pending_;
  bool wakePending_ = false;
  std::atomic<uint64_t> copied_{0};
};

}  // namespace ringnet
