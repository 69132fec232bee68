// The io_uring backend: the reactor's operations turned into submissions, and
// completions turned back into IoHandler calls. One ring per reactor, created
// on the JS thread but enabled by the thread that runs it (SINGLE_ISSUER and
// DEFER_TASKRUN let only that thread submit and wait).
//
//  - accept: one multishot accept per listener (shared listeners are fine:
//    the kernel's accept waits are exclusive, like EPOLLEXCLUSIVE);
//  - read: one multishot recv per connection from a provided-buffer ring;
//    each buffer goes back to the ring when onData returns;
//  - write: at most one send in flight per connection, gathered from the
//    output queue into iovecs owned here until its completion (sendmsg, or
//    send when the queue's head is one buffer); at or above
//    zeroCopyThreshold bytes, SEND_ZC / SENDMSG_ZC: the kernel reads the
//    chunks until a notification CQE, so the output queue holds every chunk
//    it lets go of until the connection's last notification (a connection
//    closed before that leaves them in zcOrphans_);
//  - close: cancel everything on the fd synchronously (IORING_REGISTER_
//    SYNC_CANCEL: when it returns no op holds the fd), close it, onClosed at
//    once like epoll; completions still in the CQ are stale by generation.
//    If that cancel fails, cancel asynchronously and close after the last
//    completion (onClosed later).
//
// user_data: see user_data.h.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "../core/accept_loop.h"
#include "../core/io_backend.h"
#include "../core/output_queue.h"
#include "buffer_ring.h"
#include "file_table.h"
#include "ring.h"

namespace ringnet {

struct UringOptions {
  uint32_t entries = 1024;        // SQ entries
  uint32_t bufferCount = 128;     // provided buffers per reactor (power of two; at most, see buffer_ring.h)
  uint32_t bufferSize = 65536;    // bytes per provided buffer
  uint32_t maxConnections = 10000;  // sizes the CQ so that it never overflows
  uint32_t sqpollIdleMs = 0;      // > 0: SQPOLL ring whose kernel thread idles after this long
  uint32_t zeroCopyThreshold = 0; // > 0: sends of at least this many bytes go zero-copy
};

// `pool` is the reactor's chunk pool: zero-copy sends free held chunks into it.
std::unique_ptr<IoBackend> makeIoUringBackend(const UringOptions& options, ChunkPool& pool);

class UringBackend final : public IoBackend {
 public:
  UringBackend(const UringOptions& options, ChunkPool& pool);
  ~UringBackend() override;

  const char* name() const override { return "io_uring"; }
  bool init(IoHandler* handler, std::string* err) override;
  bool addListener(int fd, bool exclusive, std::string* err) override;
  void removeListener(int fd) override;
  bool attach(Connection& c) override;
  void resumeRead(Connection& c) override;
  void flush(Connection& c) override;
  // Zero-copy sends keep chunks until the kernel's notification, too long to
  // lend a batch arena for: then everything is copied.
  bool canSendBorrowed() const override { return options_.zeroCopyThreshold == 0; }
  // completeWrites() submits the pass's sends and reports those the kernel
  // finished inline (a socket with room), so lent bytes come back at once.
  bool flushWritesNow() const override { return canSendBorrowed(); }
  void completeWrites() override;
  bool writeInFlight(const Connection& c) const override {
    return c.slot < conns_.size() && conns_[c.slot].sendInFlight;
  }
  void cancelWrite(Connection& c) override;
  bool registeredFile(const Connection& c) const override {
    return c.slot < conns_.size() && conns_[c.slot].fixed;
  }
  uint32_t buffersPublished() const override { return bufs_.published(); }
  uint32_t buffersHeld() const override { return bufs_.held(); }
  void shutdownWrite(Connection& c) override;
  void close(Connection& c, bool abortive) override;
  bool run(int timeoutMs) override;
  void wake() override;
  int pollFd() const override;

  const char* ringMode() const { return ring_.mode(); }

 private:
  static constexpr int kMaxIov = 64;
  struct SendState;  // msghdr + iovecs of the send in flight

  // What is in flight for one connection (indexed by Connection::slot).
  // Flags are bits: 40 bytes per connection slot (was 48).
  struct ConnIo {
    Connection* conn = nullptr; // while attached
    uint32_t gen = 0;           // bumped when the connection is gone: its CQEs are stale
    uint16_t pending = 0;       // ops whose final CQE has not arrived
    uint16_t zcPending = 0;     // zero-copy sends whose notification has not arrived
    bool recvArmed : 1;         // a multishot recv is in the kernel
    bool recvCancelled : 1;     // ... and a cancel for it was submitted
    bool recvDone : 1;          // FIN or error: never re-arm
    bool stopped : 1;           // onData said stop: wait for resumeRead
    bool eofPending : 1;        // FIN arrived while stopped
    bool sendInFlight : 1;
    bool sendCancelled : 1;     // cancelWrite() submitted a cancel for it
    bool closing : 1;
    bool abortive : 1;
    bool inReady : 1;           // queued in ready_
    bool inWaiting : 1;         // queued in waiting_
    bool wantRecv : 1;          // waiting_: re-arm recv (buffers ran dry, or no CQ room)
    bool wantSend : 1;          // waiting_: start a send (no CQ room)
    bool zcRefused : 1;         // the socket refused SEND_ZC (e.g. a Unix socket): copy
    bool fixed : 1;             // ops name the registered file at index `slot` (file_table.h)
    SendState* send = nullptr;
    std::unique_ptr<std::vector<uint8_t>> stash;  // bytes that arrived while stopped

    ConnIo()
        : recvArmed(false), recvCancelled(false), recvDone(false), stopped(false), eofPending(false),
          sendInFlight(false), sendCancelled(false), closing(false), abortive(false), inReady(false),
          inWaiting(false), wantRecv(false), wantSend(false), zcRefused(false), fixed(false) {}
  };
  struct Listener {
    int fd = -1;
    bool armed = false;
    bool removed = false;
    bool backoff = false;  // accept failed: re-armed by a timeout
    bool singleShot = false;  // exclusive mode: re-armed after each accept (see addListener)
    __kernel_timespec ts{};
  };

  bool start();
  unsigned reap(unsigned max);
  bool completionsReady() const { return ring_.cqReady() > 0 || deferredHead_ < deferred_.size(); }
  void dispatch(const io_uring_cqe& cqe);
  void drainNotify();
  void noteOutsideWork();
  bool haveRoom() const { return inflight_ < opBudget_; }
  io_uring_sqe* sqe();

  // Wake-up and listeners (uring_backend.cc).
  void armWake();
  void onWakeCqe(const io_uring_cqe& cqe);
  void armAccept(Listener& l);
  void armBackoff(Listener& l);
  void onAcceptCqe(Listener& l, const io_uring_cqe& cqe);
  void onTimerCqe(Listener& l);

  // Connections (uring_stream.cc).
  ConnIo& io(const Connection& c) { return conns_[c.slot]; }
  // Points an SQE at the connection's socket: its registered file, or its fd.
  static void target(io_uring_sqe* q, const Connection& c, const ConnIo& s) {
    if (s.fixed) {
      q->fd = static_cast<int>(c.slot);
      q->flags |= IOSQE_FIXED_FILE;
    }
  }
  void armRecv(Connection& c);
  void stopRecv(Connection& c, ConnIo& s);
  void startSend(Connection& c);
  void onRecvCqe(Connection& c, const io_uring_cqe& cqe);
  void onSendCqe(Connection& c, const io_uring_cqe& cqe);
  void onZeroCopyNotif(Connection& c);
  void onStaleNotif(uint32_t slot, uint32_t gen);
  bool zeroCopySupported();
  void dispatchConn(const io_uring_cqe& cqe);
  bool cancelNow(Connection& c);
  void opDone(ConnIo& s);
  void maybeFinishClose(Connection& c);
  void finishClose(Connection& c);
  void waitFor(Connection& c, ConnIo& s, bool recv, bool send);
  void processReady();
  void processWaiting();
  void unlist(Connection& c, ConnIo& s);
  SendState* takeSendState();
  void giveSendState(SendState* s);

  const UringOptions options_;
  ChunkPool& pool_;
  IoHandler* handler_ = nullptr;
  // Chunks of closed connections the kernel may still read (zero-copy sends
  // whose notifications are pending), by the slot and generation they had.
  struct ZcOrphan {
    uint32_t slot;
    uint32_t gen;
    uint16_t pending;
    std::unique_ptr<OutputQueue::Held> held;
  };
  std::vector<ZcOrphan> zcOrphans_;
  BufferRing bufs_;  // declared before ring_: the ring must go first
  FileTable files_;  // registered connection sockets (on the ring: gone with it)
  Ring ring_;
  int wakeFd_ = -1;     // written by wake(); a read on it is always armed
  int notifyFd_ = -1;   // registered with the ring: readable when CQEs arrive
  uint64_t wakeBuf_ = 0;
  // pollFd() was asked for: an inline reactor, run by the JS thread when
  // notifyFd_ is readable. Its wake-ups go straight to notifyFd_ (wakeFlag_):
  // with DEFER_TASKRUN the kernel does not signal a registered eventfd for a
  // completion that an eventfd write triggered (seen on 6.18), so a read armed
  // on wakeFd_ would not make the poll fd readable.
  mutable std::atomic<bool> polled_{false};
  std::atomic<bool> wakeFlag_{false};
  bool started_ = false;
  bool inRun_ = false;
  bool notified_ = false;  // notifyFd_ written for work queued outside run()
  bool followUp_ = false;  // the last run() returned true: another one comes anyway
  bool delivered_ = false; // this run() handed bytes to onData
  bool muted_ = false;     // CQ eventfd notifications are off (inline, between busy runs)
  bool wakeArmed_ = false;
  bool syncCancel_ = true;  // closes cancel with IORING_REGISTER_SYNC_CANCEL (cancelNow)
  uint32_t inflight_ = 0;  // ops whose final CQE is pending, all kinds
  uint32_t opBudget_ = 0;  // inflight_ cap that keeps the CQ from overflowing
  std::deque<ConnIo> conns_;  // a deque: growing it never moves an entry
  std::vector<Connection*> ready_;    // resumed: deliver the stash, re-arm recv
  std::vector<Connection*> waiting_;  // recv/send to start when room comes back
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<SendState*> freeSends_;
  // CQEs taken off the CQ by completeWrites() that were not its sends: they
  // are dispatched, in CQ order, before anything newer (reap()). Bounded by
  // the CQ size.
  std::vector<io_uring_cqe> deferred_;
  size_t deferredHead_ = 0;
  AcceptLoop accepts_;  // the EMFILE path: shed a connection with a spare fd
};

struct UringBackend::SendState {
  msghdr msg;
  iovec iov[kMaxIov];
};

}  // namespace ringnet
