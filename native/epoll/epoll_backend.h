// The epoll backend: edge-triggered readiness turned into the reactor's
// operations. Reads drain each socket up to a per-pass budget (a busy
// connection cannot starve the others); writes gather the output queue into
// one sendmsg; listeners are level-triggered so a capped accept loop resumes.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <vector>

#include "../core/accept_loop.h"
#include "../core/chunk_pool.h"
#include "../core/io_backend.h"

namespace ringnet {

class EpollBackend final : public IoBackend {
 public:
  EpollBackend(uint32_t readBufferSize, uint32_t readBudget);
  ~EpollBackend() override;

  const char* name() const override { return "epoll"; }
  bool init(IoHandler* handler, std::string* err) override;
  bool addListener(int fd, bool exclusive, std::string* err) override;
  void removeListener(int fd) override;
  bool attach(Connection& c) override;
  void resumeRead(Connection& c) override;
  void flush(Connection& c) override;
  bool canSendBorrowed() const override { return true; }  // sendmsg inside flush()
  bool flushWritesNow() const override { return true; }
  void shutdownWrite(Connection& c) override;
  void close(Connection& c, bool abortive) override;
  bool run(int timeoutMs) override;
  void wake() override;
  int pollFd() const override { return epfd_; }

 private:
  void readSome(Connection& c);
  void writeSome(Connection& c);
  void onConnectionEvent(Connection& c, uint32_t events);
  void runReadyList();

  IoHandler* handler_ = nullptr;
  int epfd_ = -1;
  int wakeFd_ = -1;
  std::vector<uint8_t> readBuffer_;
  uint32_t readBudget_;
  std::vector<Connection*> ready_;  // readable, budget hit or resumed
  std::vector<int> listeners_;
  AcceptLoop accepts_;
  epoll_event events_[256];
};

}  // namespace ringnet
