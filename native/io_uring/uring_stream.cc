// The connection half of the io_uring backend: multishot recv from the
// provided-buffer ring, one sendmsg in flight, and closes that wait for the
// last completion before the fd goes away.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "uring_backend.h"
#include "user_data.h"

namespace ringnet {

using namespace uring_tag;

namespace {
template <typename T>
void eraseOne(std::vector<T*>& v, T* p) {
  auto it = std::find(v.begin(), v.end(), p);
  if (it != v.end()) v.erase(it);
}
}  // namespace

// ---------------------------------------------------------------- lifecycle

bool UringBackend::attach(Connection& c) {
  if (conns_.size() <= c.slot) conns_.resize(c.slot + 1);
  ConnIo& s = io(c);
  const uint32_t gen = s.gen;
  s = ConnIo{};
  s.gen = gen;
  s.conn = &c;
  s.fixed = files_.enabled() && files_.install(c.slot, c.fd);
  armRecv(c);
  return true;
}

void UringBackend::dispatchConn(const io_uring_cqe& cqe) {
  const uint32_t slot = slotOf(cqe.user_data);
  ConnIo* s = slot < conns_.size() ? &conns_[slot] : nullptr;
  const uint64_t tag = cqe.user_data & kMask;
  if (!s || !s->conn || s->gen != genOf(cqe.user_data)) {
    // A completion of a connection closed already: give its buffer back and
    // settle the count, nothing else.
    if (cqe.flags & IORING_CQE_F_BUFFER) bufs_.recycle(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
    if (!(cqe.flags & IORING_CQE_F_MORE)) --inflight_;
    if (tag == kSendZc && (cqe.flags & IORING_CQE_F_NOTIF)) onStaleNotif(slot, genOf(cqe.user_data));
    return;
  }
  if (tag == kRecv) {
    onRecvCqe(*s->conn, cqe);
  } else if (tag == kSendZc && (cqe.flags & IORING_CQE_F_NOTIF)) {
    onZeroCopyNotif(*s->conn);
  } else {
    onSendCqe(*s->conn, cqe);
  }
}

bool UringBackend::cancelNow(Connection& c) {
  // RINGNET_IO_URING_SYNC_CANCEL=0 stands in for a kernel without
  // IORING_REGISTER_SYNC_CANCEL (before 6.0): the asynchronous path (tests).
  if (!syncCancel_) return false;
  // An op still in the SQ would reach the fd after it is closed (or reused):
  // hand everything queued to the kernel first.
  if (ring_.sqReady() > 0) ring_.submit();
  io_uring_sync_cancel_reg reg{};
  const ConnIo& s = io(c);
  reg.fd = s.fixed ? static_cast<int>(c.slot) : c.fd;
  reg.flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL | (s.fixed ? IORING_ASYNC_CANCEL_FD_FIXED : 0);
  reg.timeout.tv_sec = -1;  // no timeout: ops that cannot be cancelled are waited for
  reg.timeout.tv_nsec = -1;
  for (int tries = 0; tries < 4; ++tries) {
    int r = io_uring_register_sync_cancel(ring_.get(), &reg);
    if (r >= 0 || r == -ENOENT) {
      // The cancelled requests still hold the socket until their completions
      // run (task work, deferred to our next io_uring_enter): run them now,
      // so that close() below is the last reference and the FIN (or, with
      // SO_LINGER 0, the RST) leaves at once, not at some later wake-up.
      ring_.submitAndPoll();
      for (int i = 0; i < 8 && ring_.taskWorkPending(); ++i) ring_.submitAndPoll();
      return true;
    }
    if (r != -EINTR) return false;
  }
  return false;
}

void UringBackend::close(Connection& c, bool abortive) {
  ConnIo& s = io(c);
  if (s.closing) return;
  s.closing = true;
  s.abortive = abortive;
  s.stash.reset();
  unlist(c, s);
  if (s.pending > 0 && cancelNow(c)) {
    // Every op on the fd is finished; their CQEs (stale once finishClose
    // bumps the generation) settle inflight_ when reaped.
    s.pending = 0;
    s.recvArmed = s.sendInFlight = false;
  }
  if (s.pending == 0) {
    finishClose(c);
    return;
  }
  // Fallback: cancel asynchronously; the fd is closed when the last op's
  // final completion has arrived, so none can reach a reused fd. The cancel
  // names the fd (or the table slot), not this connection: submitted now, it
  // runs before the slot can be freed, never against the next connection
  // installed there (the last op may complete, and the slot be reused, before
  // the next submit would have sent it).
  if (io_uring_sqe* q = sqe()) {
    io_uring_prep_cancel_fd(q, s.fixed ? static_cast<int>(c.slot) : c.fd,
                            IORING_ASYNC_CANCEL_ALL | (s.fixed ? IORING_ASYNC_CANCEL_FD_FIXED : 0));
    q->user_data = kNone;
    ++inflight_;
    ring_.submit();
  } else {
    ::shutdown(c.fd, SHUT_RDWR);  // no SQE to be had: make the ops finish anyway
  }
}

void UringBackend::maybeFinishClose(Connection& c) {
  ConnIo& s = io(c);
  if (s.closing && s.pending == 0 && c.fd >= 0) finishClose(c);
}

void UringBackend::finishClose(Connection& c) {
  ConnIo& s = io(c);
  if (s.send) {
    giveSendState(s.send);
    s.send = nullptr;
  }
  s.stash.reset();
  if (s.abortive) {
    linger lg{1, 0};  // RST instead of FIN
    setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  if (s.fixed) {
    // The table's reference would keep the socket open past close(): drop
    // it first (no op is left on it: the cancels completed, or pending is 0).
    files_.remove(c.slot);
    s.fixed = false;
  }
  ::close(c.fd);
  c.fd = -1;
  // s.closing stays set until attach() reuses the slot: nothing re-arms it.
  s.conn = nullptr;
  const uint32_t oldGen = s.gen;
  s.gen = (s.gen + 1) & kGenMask;
  handler_->onClosed(c);  // clears the output queue: into the hold, if one is on
  if (s.zcPending > 0) {
    // The kernel may still read chunks of this connection's zero-copy sends:
    // keep them until their notifications arrive (stale by generation now).
    zcOrphans_.push_back(ZcOrphan{c.slot, oldGen, s.zcPending, c.wire().takeHeld()});
    s.zcPending = 0;
  } else {
    c.wire().endHold(pool_);
  }
}

void UringBackend::onZeroCopyNotif(Connection& c) {
  ConnIo& s = io(c);
  opDone(s);  // the notification is a zero-copy send's final completion
  if (--s.zcPending == 0) c.wire().endHold(pool_);
  if (s.closing) maybeFinishClose(c);
}

void UringBackend::onStaleNotif(uint32_t slot, uint32_t gen) {
  for (size_t i = 0; i < zcOrphans_.size(); ++i) {
    ZcOrphan& o = zcOrphans_[i];
    if (o.slot != slot || o.gen != gen) continue;
    if (--o.pending == 0) {
      if (o.held) o.held->release(pool_);
      zcOrphans_[i] = std::move(zcOrphans_.back());
      zcOrphans_.pop_back();
    }
    return;
  }
}

void UringBackend::opDone(ConnIo& s) {
  --s.pending;
  --inflight_;
}

void UringBackend::unlist(Connection& c, ConnIo& s) {
  if (s.inReady) {
    s.inReady = false;
    eraseOne(ready_, &c);
  }
  if (s.inWaiting) {
    s.inWaiting = false;
    s.wantRecv = s.wantSend = false;
    eraseOne(waiting_, &c);
  }
}

void UringBackend::waitFor(Connection& c, ConnIo& s, bool recv, bool send) {
  s.wantRecv = s.wantRecv || recv;
  s.wantSend = s.wantSend || send;
  if (!s.inWaiting) {
    s.inWaiting = true;
    waiting_.push_back(&c);
  }
}

void UringBackend::processWaiting() {
  if (waiting_.empty() || !haveRoom()) return;
  std::vector<Connection*> list;
  list.swap(waiting_);
  for (Connection* cp : list) {
    if (cp->closed) continue;
    ConnIo& s = io(*cp);
    if (!s.inWaiting) continue;
    s.inWaiting = false;
    bool recv = s.wantRecv, send = s.wantSend;
    s.wantRecv = s.wantSend = false;
    if (recv) armRecv(*cp);
    if (send) startSend(*cp);
  }
}

// ---------------------------------------------------------------- reading

void UringBackend::armRecv(Connection& c) {
  ConnIo& s = io(c);
  if (c.closed || s.closing || s.recvArmed || s.recvDone || s.stopped) return;
  io_uring_sqe* q = haveRoom() ? sqe() : nullptr;
  if (!q) {
    waitFor(c, s, true, false);
    return;
  }
  io_uring_prep_recv_multishot(q, c.fd, nullptr, 0, 0);
  q->flags |= IOSQE_BUFFER_SELECT;
  q->buf_group = bufs_.groupId();
  target(q, c, s);
  q->user_data = connOp(c.slot, s.gen, kRecv);
  s.recvArmed = true;
  s.recvCancelled = false;
  ++s.pending;
  ++inflight_;
}

void UringBackend::stopRecv(Connection& c, ConnIo& s) {
  s.stopped = true;
  if (!s.recvArmed || s.recvCancelled) return;
  // Completions already under way still arrive: they go to the stash.
  if (io_uring_sqe* q = sqe()) {
    io_uring_prep_cancel64(q, connOp(c.slot, s.gen, kRecv), 0);
    q->user_data = kNone;
    ++inflight_;
    s.recvCancelled = true;
  }
}

void UringBackend::resumeRead(Connection& c) {
  if (c.closed) return;
  ConnIo& s = io(c);
  if (s.closing || s.inReady) return;
  if (!s.stopped && (s.recvArmed || s.recvDone || s.inWaiting)) return;
  s.inReady = true;
  ready_.push_back(&c);
  noteOutsideWork();
}

void UringBackend::processReady() {
  if (ready_.empty()) return;
  std::vector<Connection*> list;
  list.swap(ready_);
  for (Connection* cp : list) {
    Connection& c = *cp;
    if (c.closed) continue;
    ConnIo& s = io(c);
    if (!s.inReady) continue;
    s.inReady = false;
    s.stopped = false;
    if (s.stash && !s.stash->empty()) {
      // What arrived after onData said stop, in order, before anything newer.
      auto bytes = std::move(s.stash);
      delivered_ = true;
      bool more = handler_->onData(c, bytes->data(), bytes->size());
      if (c.closed) continue;
      if (!more) {
        stopRecv(c, s);
        continue;
      }
    }
    if (s.eofPending) {
      s.eofPending = false;
      handler_->onPeerEnd(c);
      if (c.closed) continue;
    }
    armRecv(c);
  }
}

void UringBackend::onRecvCqe(Connection& c, const io_uring_cqe& cqe) {
  ConnIo& s = io(c);
  const bool final = !(cqe.flags & IORING_CQE_F_MORE);
  const int res = cqe.res;
  const int bid =
      (cqe.flags & IORING_CQE_F_BUFFER) ? static_cast<int>(cqe.flags >> IORING_CQE_BUFFER_SHIFT)
                                        : -1;
  if (final) {
    s.recvArmed = false;
    s.recvCancelled = false;
    opDone(s);
  }
  if (s.closing) {
    if (bid >= 0) bufs_.recycle(static_cast<uint32_t>(bid));
    if (final) maybeFinishClose(c);
    return;
  }
  if (res > 0 && bid >= 0) {
    const uint8_t* data = bufs_.data(static_cast<uint32_t>(bid));
    if (s.stopped) {
      if (!s.stash) s.stash = std::make_unique<std::vector<uint8_t>>();
      s.stash->insert(s.stash->end(), data, data + res);
      bufs_.recycle(static_cast<uint32_t>(bid));
    } else {
      delivered_ = true;
      bool more = handler_->onData(c, data, static_cast<size_t>(res));
      bufs_.recycle(static_cast<uint32_t>(bid));  // the reactor copied what it keeps
      if (c.closed) return;
      if (!more) stopRecv(c, s);
    }
  } else if (res == 0) {
    s.recvDone = true;
    if (s.stopped) {
      s.eofPending = true;  // after the stash, on resume
    } else {
      handler_->onPeerEnd(c);
      if (c.closed) return;
    }
  } else if (res == -ENOBUFS) {
    // The buffer ring ran dry: not an error. The bytes wait in the socket;
    // the recv is re-armed once this batch's buffers are back in the ring.
    if (bid >= 0) bufs_.recycle(static_cast<uint32_t>(bid));
    bufs_.ranDry();  // more of the buffers go in at the end of the run (buffer_ring.h)
    if (final && !s.stopped) waitFor(c, s, true, false);
    return;
  } else if (res == -ECANCELED || res == -EINTR || res == -EAGAIN) {
    // our own stop, or transient: re-armed below if still wanted
  } else {
    if (bid >= 0) bufs_.recycle(static_cast<uint32_t>(bid));
    s.recvDone = true;
    handler_->onIoError(c, res < 0 ? -res : EIO);
    return;
  }
  if (final) armRecv(c);
}

// ---------------------------------------------------------------- writing

void UringBackend::flush(Connection& c) { startSend(c); }

void UringBackend::shutdownWrite(Connection& c) {
  // The reactor calls this with an empty queue, so no send is in flight.
  ::shutdown(c.fd, SHUT_WR);
}

void UringBackend::startSend(Connection& c) {
  ConnIo& s = io(c);
  if (c.closed || s.closing || s.sendInFlight || c.wire().empty()) return;
  io_uring_sqe* q = haveRoom() ? sqe() : nullptr;
  if (!q) {
    waitFor(c, s, false, true);
    return;
  }
  SendState* st = takeSendState();
  OutputQueue& out = c.wire();  // TLS records, or the plain queue
  int n = out.gather(st->iov, kMaxIov);
  // Zero-copy pays off for large sends only (pinning pages and the extra
  // notification cost more than copying a few KiB). One at a time: while a
  // notification is pending, the queue holds what it lets go of, and a new
  // zero-copy send would keep that hold alive indefinitely under streaming.
  const bool zc = options_.zeroCopyThreshold > 0 && !s.zcRefused && s.zcPending == 0 &&
                  out.size() >= options_.zeroCopyThreshold;
  std::memset(&st->msg, 0, sizeof st->msg);
  st->msg.msg_iov = st->iov;
  st->msg.msg_iovlen = static_cast<size_t>(n);
  // One buffer: a plain send skips the msghdr and iovec import. MSG_NOSIGNAL:
  // never SIGPIPE.
  if (zc) {
    out.beginHold();
    ++s.zcPending;
    if (n == 1) {
      io_uring_prep_send_zc(q, c.fd, st->iov[0].iov_base, st->iov[0].iov_len, MSG_NOSIGNAL, 0);
    } else {
      io_uring_prep_sendmsg_zc(q, c.fd, &st->msg, MSG_NOSIGNAL);
    }
  } else if (n == 1) {
    io_uring_prep_send(q, c.fd, st->iov[0].iov_base, st->iov[0].iov_len, MSG_NOSIGNAL);
  } else {
    io_uring_prep_sendmsg(q, c.fd, &st->msg, MSG_NOSIGNAL);
  }
  target(q, c, s);
  q->user_data = connOp(c.slot, s.gen, zc ? kSendZc : kSend);
  s.send = st;
  s.sendInFlight = true;
  ++s.pending;
  ++inflight_;
}

void UringBackend::cancelWrite(Connection& c) {
  ConnIo& s = io(c);
  if (!s.sendInFlight || s.sendCancelled || s.closing) return;
  io_uring_sqe* q = sqe();
  if (!q) return;  // tried again at the end of the next pass
  // (Only sends that borrow are cancelled, and those never go zero-copy.)
  io_uring_prep_cancel64(q, connOp(c.slot, s.gen, kSend), 0);
  q->user_data = kNone;
  ++inflight_;
  s.sendCancelled = true;
}

void UringBackend::onSendCqe(Connection& c, const io_uring_cqe& cqe) {
  ConnIo& s = io(c);
  s.sendInFlight = false;
  s.sendCancelled = false;
  size_t offered = 0;
  if (s.send) {
    for (size_t i = 0; i < s.send->msg.msg_iovlen; ++i) offered += s.send->iov[i].iov_len;
    giveSendState(s.send);
    s.send = nullptr;
  }
  const bool zc = (cqe.user_data & kMask) == kSendZc;
  if (!zc || !(cqe.flags & IORING_CQE_F_MORE)) {
    opDone(s);
    // A zero-copy send without F_MORE gets no notification: it is over.
    if (zc && --s.zcPending == 0) c.wire().endHold(pool_);
  }
  if (s.closing) {
    maybeFinishClose(c);
    return;
  }
  const int res = cqe.res;
  if (zc && res == -EOPNOTSUPP) {
    // This socket cannot send zero-copy (a Unix socket): copy from now on.
    s.zcRefused = true;
    startSend(c);
    return;
  }
  if (res > 0) {
    // Consumes the queue's head.
    handler_->onWritten(c, static_cast<size_t>(res), static_cast<size_t>(res) >= offered);
    if (c.closed) return;
    startSend(c);  // the rest of a short send, or what was queued meanwhile
  } else if (res == -EINTR || res == -EAGAIN) {
    startSend(c);
  } else if (res == -ECANCELED) {
    // cancelWrite(): nothing was sent; the reactor takes back what it lent
    // (onWritten with 0 bytes), then the queue goes out from its own memory.
    handler_->onWritten(c, 0, false);
    if (c.closed) return;
    startSend(c);
  } else {
    handler_->onIoError(c, res < 0 ? -res : EPIPE);
  }
}

UringBackend::SendState* UringBackend::takeSendState() {
  if (freeSends_.empty()) return new SendState();
  SendState* s = freeSends_.back();
  freeSends_.pop_back();
  return s;
}

void UringBackend::giveSendState(SendState* s) {
  if (freeSends_.size() < 256) {
    freeSends_.push_back(s);
  } else {
    delete s;
  }
}

}  // namespace ringnet
