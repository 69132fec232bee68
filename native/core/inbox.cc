#include "inbox.h"

namespace ringnet {

bool Inbox::markPending() {
  if (wakePending_) return false;
  wakePending_ = true;
  return true;
}

bool Inbox::pushCommands(const uint8_t* data, size_t len) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.commands.insert(pending_.commands.end(), data, data + len);
  return markPending();
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

void Inbox::take(InboxContents& into) {
  std::lock_guard<std::mutex> lock(mu_);
  std::swap(into.commands, pending_.commands);
  std::swap(into.fds, pending_.fds);
  into.closeRequested = pending_.closeRequested;
  into.closeTimeoutMs = pending_.closeTimeoutMs;
  into.arenaReturned = pending_.arenaReturned;
  into.acceptError = pending_.acceptError;
  pending_.closeRequested = false;
  pending_.arenaReturned = false;
  pending_.acceptError = 0;
  wakePending_ = false;
}

}  // namespace ringnet
