#include "inbox.h"

#include "wire.h"

namespace ringnet {

bool Inbox::markPending() {
  if (wakePending_) return false;
  wakePending_ = true;
  return true;
}

bool Inbox::pushCommands(const uint8_t* data, size_t len, bool refs) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.commands.insert(pending_.commands.end(), data, data + len);
  pending_.refs = pending_.refs || refs;
  copied_.store(copied_.load(std::memory_order_relaxed) + len, std::memory_order_relaxed);
  return markPending();
}

bool Inbox::pushRelease(uint32_t arena) {
  std::lock_guard<std::mutex> lock(mu_);
  const int32_t entry[4] = {wire::kCmdReleaseArena, static_cast<int32_t>(arena), 0, 0};
  const auto* bytes = reinterpret_cast<const uint8_t*>(entry);
  pending_.commands.insert(pending_.commands.end(), bytes, bytes + sizeof entry);
  pending_.arenaReturned = true;
  return markPending();
}

bool Inbox::hasRefs() {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.refs;
}

bool Inbox::hasWork() {
  std::lock_guard<std::mutex> lock(mu_);
  return wakePending_;
}

bool Inbox::pushFd(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.fds.push_back(fd);
  return markPending();
}

bool Inbox::requestClose(uint32_t timeoutMs) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.closeRequested = true;
  pending_.closeTimeoutMs = timeoutMs;
  return markPending();
}

bool Inbox::arenaReturned() {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.arenaReturned = true;
  return markPending();
}

bool Inbox::acceptError(int err) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.acceptError = err;
  return markPending();
}

bool Inbox::pushBroadcast(Broadcast b, size_t limit, bool* wake) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.broadcasts.size() >= limit) return false;
  const int32_t entry[5] = {wire::kCmdBroadcast, -1, 0, 4,
                            static_cast<int32_t>(pending_.broadcasts.size())};
  const auto* bytes = reinterpret_cast<const uint8_t*>(entry);
  pending_.commands.insert(pending_.commands.end(), bytes, bytes + sizeof entry);
  pending_.broadcasts.push_back(std::move(b));
  *wake = markPending();
  return true;
}

size_t Inbox::pendingBroadcasts() {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.broadcasts.size();
}

void Inbox::take(InboxContents& into) {
  std::lock_guard<std::mutex> lock(mu_);
  std::swap(into.commands, pending_.commands);
  std::swap(into.fds, pending_.fds);
  std::swap(into.broadcasts, pending_.broadcasts);
  into.closeRequested = pending_.closeRequested;
  into.closeTimeoutMs = pending_.closeTimeoutMs;
  into.arenaReturned = pending_.arenaReturned;
  into.acceptError = pending_.acceptError;
  pending_.closeRequested = false;
  pending_.arenaReturned = false;
  pending_.refs = false;
  pending_.acceptError = 0;
  wakePending_ = false;
}

}  // namespace ringnet
