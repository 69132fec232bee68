#include "uring_backend.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "user_data.h"

namespace ringnet {

namespace {
constexpr unsigned kCqesPerRun = 4096;   // then let the reactor do its pass
constexpr int kRoundsPerRun = 4;         // submit-and-reap rounds in one run()
constexpr uint32_t kHeadroom = 1024;     // CQEs kept free for accept bursts and cancels
constexpr long kAcceptBackoffNs = 20 * 1000 * 1000;

unsigned roundUpPow2(uint64_t v) {
  unsigned p = 1;
  while (p < v && p < (1u << 30)) p <<= 1;
  return p;
}
}  // namespace

std::unique_ptr<IoBackend> makeIoUringBackend(const UringOptions& options, ChunkPool& pool) {
  return std::make_unique<UringBackend>(options, pool);
}

UringBackend::UringBackend(const UringOptions& options, ChunkPool& pool)
    : options_(options), pool_(pool) {}

UringBackend::~UringBackend() {
  // Connections are gone already (the reactor frees them first); only an
  // accepted fd that was never reaped would leak: close those.
  if (started_) {
    unsigned head, n = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring_.get(), head, cqe) {
      if ((cqe->user_data & uring_tag::kMask) == uring_tag::kAccept && cqe->res >= 0)
        ::close(cqe->res);
      ++n;
    }
    io_uring_cq_advance(ring_.get(), n);
  }
  for (size_t i = deferredHead_; i < deferred_.size(); ++i) {
    if ((deferred_[i].user_data & uring_tag::kMask) == uring_tag::kAccept && deferred_[i].res >= 0)
      ::close(deferred_[i].res);
  }
  // Tear the ring down before freeing anything the kernel may still point at
  // (iovecs, provided buffers, the wake-up read's buffer).
  ring_.exit();
  bufs_.release();
  for (ZcOrphan& o : zcOrphans_) {
    if (o.held) o.held->release(pool_);
  }
  for (ConnIo& s : conns_) {
    if (s.send) giveSendState(s.send);
  }
  for (SendState* s : freeSends_) delete s;
  if (wakeFd_ >= 0) ::close(wakeFd_);
  if (notifyFd_ >= 0) ::close(notifyFd_);
}

bool UringBackend::init(IoHandler* handler, std::string* err) {
  handler_ = handler;
  wakeFd_ = eventfd(0, EFD_CLOEXEC);  // blocking: io_uring polls it, never EAGAIN
  notifyFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd_ < 0 || notifyFd_ < 0) {
    *err = std::string("eventfd failed: ") + std::strerror(errno);
    return false;
  }
  // The CQ holds every final completion of every op in flight (a recv, a send
  // and a cancel per connection) plus one CQE per provided buffer (multishot
  // recv posts one per buffer it fills) plus headroom; the kernel's cap is 64k.
  uint64_t want = uint64_t{options_.maxConnections} * 3 + options_.bufferCount + kHeadroom;
  unsigned cq = std::min(roundUpPow2(want), 65536u);
  cq = std::max(cq, roundUpPow2(options_.entries) * 2);
  if (!ring_.init(options_.entries, cq, options_.sqpollIdleMs, err)) return false;
  uint32_t reserved = options_.bufferCount + kHeadroom;
  opBudget_ = ring_.cqEntries() > reserved + 64 ? ring_.cqEntries() - reserved : 64;
  if (!bufs_.init(ring_.get(), 0, options_.bufferCount, options_.bufferSize, err)) return false;
  if (options_.zeroCopyThreshold > 0 && !zeroCopySupported()) {
    *err = "ioUring.zeroCopyThreshold needs IORING_OP_SEND_ZC and IORING_OP_SENDMSG_ZC (Linux 6.1+); "
           "this kernel lacks them: leave zeroCopyThreshold at 0";
    return false;
  }
  return true;
}

bool UringBackend::zeroCopySupported() {
  io_uring_probe* probe = io_uring_get_probe_ring(ring_.get());
  if (!probe) return false;
  bool ok = io_uring_opcode_supported(probe, IORING_OP_SEND_ZC) &&
            io_uring_opcode_supported(probe, IORING_OP_SENDMSG_ZC);
  io_uring_free_probe(probe);
  return ok;
}

int UringBackend::pollFd() const {
  polled_.store(true, std::memory_order_release);  // only an inline reactor asks
  return notifyFd_;
}

bool UringBackend::start() {
  std::string err;
  if (!ring_.enableOnThisThread(&err)) return false;
  if (polled_.load(std::memory_order_relaxed)) {
    int r = io_uring_register_eventfd(ring_.get(), notifyFd_);
    (void)r;  // without it an inline reactor would only run on wake-ups and timers
  }
  // Registered from the thread that submits (SINGLE_ISSUER): a sparse table
  // with a slot per connection this reactor may hold.
  files_.init(ring_.get(), options_.maxConnections);
  if (const char* v = std::getenv("RINGNET_IO_URING_SYNC_CANCEL"); v && std::strcmp(v, "0") == 0) {
    syncCancel_ = false;
  }
  started_ = true;
  armWake();
  for (auto& l : listeners_) {
    if (!l->removed) armAccept(*l);
  }
  return true;
}

io_uring_sqe* UringBackend::sqe() {
  io_uring_sqe* s = ring_.sqe();
  if (s) noteOutsideWork();
  return s;
}

void UringBackend::noteOutsideWork() {
  // An inline reactor only runs when its poll fd is readable: work queued
  // outside run() (flushes after a batch, resumes, closes) must make it so.
  if (inRun_ || notified_ || followUp_ || !polled_.load(std::memory_order_relaxed)) return;
  notified_ = true;
  uint64_t one = 1;
  ssize_t r = ::write(notifyFd_, &one, sizeof one);
  (void)r;
}

void UringBackend::drainNotify() {
  uint64_t v;
  ssize_t r = ::read(notifyFd_, &v, sizeof v);
  (void)r;
}

// ---------------------------------------------------------------- loop

bool UringBackend::run(int timeoutMs) {
  if (!started_ && !start()) return false;
  const bool inlineMode = polled_.load(std::memory_order_relaxed);
  inRun_ = true;
  notified_ = false;
  followUp_ = false;
  delivered_ = false;
  if (inlineMode) {
    // While runs follow each other the poll fd is not needed: mute the CQ
    // eventfd (a store to the CQ ring's flags, no syscall) until a run ends
    // with nothing left to do; drain it only after such a quiet period.
    if (!muted_) {
      io_uring_cq_eventfd_toggle(ring_.get(), false);
      muted_ = true;
      drainNotify();
    }
    if (wakeFlag_.exchange(false, std::memory_order_acq_rel)) handler_->onWake();
  }
  if (!wakeArmed_) armWake();  // only if an earlier attempt found no SQE
  processReady();
  processWaiting();
  bool immediate = !ready_.empty() || completionsReady();
  ring_.submitAndWait(immediate ? 0 : timeoutMs);
  unsigned handled = 0;
  for (int round = 0; round < kRoundsPerRun; ++round) {
    unsigned n = reap(kCqesPerRun - handled);
    handled += n;
    bufs_.settle();  // before re-arming recvs that found the ring empty
    processWaiting();
    processReady();
    if (handled >= kCqesPerRun) break;
    // Re-arms and follow-up sends queued while dispatching: submit them now,
    // and take whatever they complete inline. The kernel may also have kept
    // deferred completions back (one enter runs at most 20): collect them
    // while that made progress.
    if (ring_.sqReady() == 0 && (n == 0 || !ring_.taskWorkPending())) break;
    ring_.submitAndPoll();
  }
  bool more = !ready_.empty() || (!waiting_.empty() && haveRoom()) || completionsReady();
  if (inlineMode) {
    // What the handlers will send in reply to the data just delivered: run
    // again right after the reactor's pass instead of a round trip through
    // the poll fd.
    more = more || ring_.sqReady() > 0 || delivered_;
    if (!more) {
      io_uring_cq_eventfd_toggle(ring_.get(), true);
      muted_ = false;
      // Completions queued while muted were not signalled. The kernel sets
      // IORING_SQ_TASKRUN when it queues work on an empty list, then reads
      // the mute bit; we store the bit, then read the flag (a full fence
      // between, like the kernel's atomic op). The flag can also be left over
      // from work already run, so when set, collect rather than trust it.
      __atomic_thread_fence(__ATOMIC_SEQ_CST);
      for (int i = 0; i < 2 && ring_.taskWorkPending(); ++i) {
        ring_.submitAndPoll();
        const unsigned got = reap(kCqesPerRun);
        bufs_.settle();
        if (got > 0 || ring_.sqReady() > 0 || !ready_.empty()) {
          more = true;
          break;
        }
      }
    }
  }
  // Threaded: queued SQEs go with the next wait, and a wait never sleeps
  // while the kernel holds deferred completions.
  inRun_ = false;
  followUp_ = more;
  return more;
}

unsigned UringBackend::reap(unsigned max) {
  // io_uring_peek_batch_cqe would enter the kernel whenever the CQ is empty
  // and task work is flagged: walk the CQ ring in user space instead. CQEs
  // are copied out and the CQ advanced before any is dispatched: a handler
  // may run a round between frames whose completeWrites() takes CQEs off the
  // CQ itself (what it leaves waits in deferred_, dispatched first here).
  constexpr unsigned kBatch = 64;
  unsigned total = 0;
  while (total < max) {
    if (deferredHead_ < deferred_.size()) {
      const io_uring_cqe cqe = deferred_[deferredHead_++];
      if (deferredHead_ == deferred_.size()) {
        deferred_.clear();
        deferredHead_ = 0;
      }
      dispatch(cqe);
      ++total;
      continue;
    }
    io_uring_cqe batch[kBatch];
    unsigned n = 0;
    unsigned head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring_.get(), head, cqe) {
      batch[n] = *cqe;
      if (++n == kBatch || n == max - total) break;
    }
    if (n == 0) break;
    io_uring_cq_advance(ring_.get(), n);
    for (unsigned i = 0; i < n; ++i) dispatch(batch[i]);
    total += n;
  }
  return total;
}

void UringBackend::completeWrites() {
  if (!started_ || ring_.sqReady() == 0) return;
  // A send to a socket with room completes inside the submit (no task work,
  // so without GETEVENTS nothing else is run): its CQE is in the CQ when
  // submit returns.
  ring_.submit();
  io_uring_cqe sends[64];
  unsigned nSends = 0, n = 0;
  unsigned head;
  io_uring_cqe* cqe;
  io_uring_for_each_cqe(ring_.get(), head, cqe) {
    if ((cqe->user_data & uring_tag::kMask) == uring_tag::kSend && nSends < 64) {
      sends[nSends++] = *cqe;
    } else {
      deferred_.push_back(*cqe);
    }
    ++n;
  }
  if (n == 0) return;
  io_uring_cq_advance(ring_.get(), n);
  // Only sends: a recv dispatched here would decode inside the reactor's
  // flush. The rest keeps its order for the next reap; an inline reactor
  // that was about to sleep must run again for it.
  if (deferredHead_ < deferred_.size()) noteOutsideWork();
  for (unsigned i = 0; i < nSends; ++i) dispatch(sends[i]);
}

void UringBackend::dispatch(const io_uring_cqe& cqe) {
  using namespace uring_tag;
  switch (cqe.user_data & kMask) {
    case kRecv:
    case kSend:
    case kSendZc:
      dispatchConn(cqe);
      return;
    case kAccept:
      onAcceptCqe(*pointer<Listener>(cqe.user_data), cqe);
      return;
    case kTimer:
      --inflight_;
      onTimerCqe(*pointer<Listener>(cqe.user_data));
      return;
    case kWake:
      onWakeCqe(cqe);
      return;
    default:  // a cancel's own completion
      --inflight_;
      return;
  }
}

// ---------------------------------------------------------------- wake-up

void UringBackend::wake() {
  uint64_t one = 1;
  int fd = wakeFd_;
  if (polled_.load(std::memory_order_acquire)) {
    wakeFlag_.store(true, std::memory_order_release);
    fd = notifyFd_;
  }
  ssize_t r = ::write(fd, &one, sizeof one);
  (void)r;
}

void UringBackend::armWake() {
  io_uring_sqe* s = sqe();
  if (!s) return;
  io_uring_prep_read(s, wakeFd_, &wakeBuf_, sizeof wakeBuf_, 0);
  s->user_data = uring_tag::kWake;
  wakeArmed_ = true;
  ++inflight_;
}

void UringBackend::onWakeCqe(const io_uring_cqe& cqe) {
  --inflight_;
  wakeArmed_ = false;
  if (cqe.res > 0 || cqe.res == -EINTR || cqe.res == -EAGAIN) {
    armWake();
    if (cqe.res > 0) handler_->onWake();
  }
}

// ---------------------------------------------------------------- accept

bool UringBackend::addListener(int fd, bool exclusive, std::string* err) {
  // exclusive: one listener shared by every ring. The kernel queues accept
  // waiters exclusively (like EPOLLEXCLUSIVE) and wakes the first; a
  // multishot accept never leaves the queue, so the first ring would take
  // every connection (measured: 200/0 over 2 workers). A single-shot accept
  // re-queues at the tail after each connection, so the wake-ups rotate.
  (void)err;
  auto l = std::make_unique<Listener>();
  l->fd = fd;
  l->singleShot = exclusive;
  if (started_) armAccept(*l);
  listeners_.push_back(std::move(l));
  return true;
}

void UringBackend::removeListener(int fd) {
  for (auto& l : listeners_) {
    if (l->fd != fd || l->removed) continue;
    l->removed = true;
    if (l->armed) {
      io_uring_sqe* s = sqe();
      if (s) {
        io_uring_prep_cancel64(s, uring_tag::make(l.get(), uring_tag::kAccept), 0);
        s->user_data = uring_tag::kNone;
        ++inflight_;
      }
    }
  }
}

void UringBackend::armAccept(Listener& l) {
  if (l.armed || l.removed || l.backoff) return;
  io_uring_sqe* s = sqe();
  if (!s) {
    armBackoff(l);
    return;
  }
  if (l.singleShot) {
    io_uring_prep_accept(s, l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  } else {
    io_uring_prep_multishot_accept(s, l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  }
  s->user_data = uring_tag::make(&l, uring_tag::kAccept);
  l.armed = true;
  ++inflight_;
}

void UringBackend::armBackoff(Listener& l) {
  if (l.backoff) return;
  io_uring_sqe* s = sqe();
  if (!s) return;  // the SQ is wedged: nothing sensible left to do
  l.ts.tv_sec = 0;
  l.ts.tv_nsec = kAcceptBackoffNs;
  io_uring_prep_timeout(s, &l.ts, 0, 0);
  s->user_data = uring_tag::make(&l, uring_tag::kTimer);
  l.backoff = true;
  ++inflight_;
}

void UringBackend::onTimerCqe(Listener& l) {
  l.backoff = false;
  if (!l.removed) armAccept(l);
}

void UringBackend::onAcceptCqe(Listener& l, const io_uring_cqe& cqe) {
  bool final = !(cqe.flags & IORING_CQE_F_MORE);
  if (final) {
    l.armed = false;
    --inflight_;
  }
  int res = cqe.res;
  if (res >= 0) {
    if (l.removed) {
      ::close(res);  // raced with removeListener: nobody will serve it
    } else {
      handler_->onAccepted(res);
    }
  } else if (l.removed) {
    // -ECANCELED from removeListener
  } else {
    switch (-res) {
      case EINVAL:
        // The listener was shut down (Server::close): stop quietly, like the
        // epoll accept loop.
        l.removed = true;
        break;
      case EINTR:
      case EAGAIN:
      case ECONNABORTED:
      case EPROTO:
        break;  // transient: the multishot goes on, or is re-armed below
      case EMFILE:
      case ENFILE:
        // Out of fds. The accept loop reports it, and if the kernel still
        // refuses, takes one queued connection off with its spare fd and
        // closes it. Then back off instead of spinning on the error.
        accepts_.drain(l.fd, handler_, 1);
        if (final) armBackoff(l);
        break;
      default:
        handler_->onAcceptError(-res);
        if (final) armBackoff(l);
        break;
    }
  }
  if (final && !l.removed && !l.backoff) armAccept(l);
}

}  // namespace ringnet
