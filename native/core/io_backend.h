// The boundary between the backend-agnostic reactor and an I/O backend, drawn
// at operations and completions: the reactor asks for reads, writes, accepts
// and closes on sockets it owns; the backend performs them its own way (epoll:
// readiness then syscalls; io_uring: submissions then completions) and reports
// back through IoHandler. Readiness never leaks out of the epoll backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "connection.h"

namespace ringnet {

class ChunkPool;

// Implemented by the reactor (and by the acceptor, which only accepts).
class IoHandler {
 public:
  virtual ~IoHandler() = default;
  // A listener produced a connection (fd is non-blocking and close-on-exec).
  virtual void onAccepted(int fd) = 0;
  // accept failed with something other than EAGAIN.
  virtual void onAcceptError(int err) = 0;
  // Bytes arrived. Returns false to stop reading this connection for now
  // (paused, batch full, closing); the backend then waits for resumeRead().
  virtual bool onData(Connection& c, const uint8_t* data, size_t len) = 0;
  // The peer sent FIN.
  virtual void onPeerEnd(Connection& c) = 0;
  // The kernel took n bytes of the output queue's head; `whole`: all it was
  // offered (false: the socket is full, or the write was cancelled).
  virtual void onWritten(Connection& c, size_t n, bool whole) = 0;
  // A socket error (ECONNRESET, EPIPE, ...) on a read or write.
  virtual void onIoError(Connection& c, int err) = 0;
  // The backend finished closing the fd: the slot may be reused.
  virtual void onClosed(Connection& c) = 0;
  // Another thread put work in the inbox.
  virtual void onWake() = 0;
};

class IoBackend {
 public:
  virtual ~IoBackend() = default;
  virtual const char* name() const = 0;
  // Returns false with *err set when the backend cannot run here.
  virtual bool init(IoHandler* handler, std::string* err) = 0;

  // Listening sockets this reactor accepts from. `exclusive`: the listener is
  // shared with other reactors (EPOLLEXCLUSIVE); the backend may refuse it.
  virtual bool addListener(int fd, bool exclusive, std::string* err) = 0;
  virtual void removeListener(int fd) = 0;

  // Starts I/O on a connection that the reactor just took ownership of.
  virtual bool attach(Connection& c) = 0;
  // Reading was stopped (onData returned false) and may go on now.
  virtual void resumeRead(Connection& c) = 0;
  // The output queue has bytes: write them (now or when the socket allows).
  virtual void flush(Connection& c) = 0;
  // Output queues may hold bytes the reactor only lends (a batch arena's
  // frames, OutputQueue::appendBorrowed) when the backend says when the
  // kernel is done with them: writeInFlight() false means no write points
  // into the queue (epoll: always, its sendmsg runs inside flush(); io_uring:
  // until the send's completion, reported through onWritten, with 0 bytes
  // when cancelWrite() stopped it).
  virtual bool canSendBorrowed() const { return false; }
  // flush() writes what the kernel takes before it returns (epoll), or
  // completeWrites() after the pass's flushes does (io_uring), so lent bytes
  // are free again (or copied out by the reactor) right after those.
  virtual bool flushWritesNow() const { return false; }
  // Called after a round of flush()es whose queues lend arena bytes: writes
  // that flush() only queued go to the kernel now, and those it completes at
  // once are reported (onWritten) before this returns. No-op where flush()
  // writes by itself.
  virtual void completeWrites() {}
  virtual bool writeInFlight(const Connection& c) const { (void)c; return false; }
  // Asks for a write still in flight to end soon (the lender wants its memory
  // back); no-op where writes never outlive flush().
  virtual void cancelWrite(Connection& c) { (void)c; }
  // The backend reaches c's socket through a registered file (io_uring's
  // fixed files): counted in the worker's stats.
  virtual bool registeredFile(const Connection& c) const { (void)c; return false; }
  // io_uring: provided buffers in the kernel's ring now, and taken by the
  // kernel but not yet given back (0 between passes: nonzero means a leak).
  virtual uint32_t buffersPublished() const { return 0; }
  virtual uint32_t buffersHeld() const { return 0; }
  // shutdown(SHUT_WR) once the queue is empty (the reactor calls it then).
  virtual void shutdownWrite(Connection& c) = 0;
  // Closes the fd after cancelling anything in flight; abortive = RST.
  // Calls onClosed(c), now or later.
  virtual void close(Connection& c, bool abortive) = 0;

  // Waits up to timeoutMs (-1 = forever, 0 = poll) and dispatches completions.
  // Returns true when more work is ready without waiting (budgets were hit).
  virtual bool run(int timeoutMs) = 0;
  // Thread-safe: makes run() return and call onWake().
  virtual void wake() = 0;
  // An fd that becomes readable when run() has work (for a reactor driven by
  // the JS thread's event loop).
  virtual int pollFd() const = 0;
};

std::unique_ptr<IoBackend> makeEpollBackend(ChunkPool& pool, uint32_t readBufferSize,
                                            uint32_t readBudget);

}  // namespace ringnet
