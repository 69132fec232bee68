#include "ring.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>

namespace ringnet {

namespace {
// io-wq workers per ring: network ops are driven by poll, not by workers, so
// a few cover anything the kernel decides to punt (bounded, unbounded).
constexpr unsigned kMaxBoundedWorkers = 1;
constexpr unsigned kMaxUnboundedWorkers = 2;
}  // namespace

Ring::~Ring() { exit(); }

void Ring::exit() {
  if (live_) io_uring_queue_exit(&ring_);
  live_ = false;
}

bool Ring::init(unsigned entries, unsigned cqEntries, unsigned sqpollIdleMs, std::string* err) {
  if (sqpollIdleMs > 0) {
    io_uring_params p{};
    // The kernel refuses the task-work flags with SQPOLL (no IPIs to tune:
    // the SQ thread, not ours, issues the requests).
    p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
    p.sq_thread_idle = sqpollIdleMs;
    p.cq_entries = cqEntries;
    int r = io_uring_queue_init_params(entries, &ring_, &p);
    if (r < 0) {
      *err = std::string("io_uring_setup with SQPOLL failed: ") + std::strerror(-r) +
             " (ioUring.sqpoll needs Linux 5.11+ unprivileged; drop the option to run without it)";
      return false;
    }
    live_ = true;
    flags_ = p.flags;
    cqEntries_ = p.cq_entries;
    mode_ = "sqpoll";
    return true;
  }
  struct Attempt {
    unsigned flags;
    const char* mode;
  };
  const unsigned common = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
  const Attempt attempts[] = {
      {common | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
           IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_R_DISABLED,
       "single-issuer+defer-taskrun"},
      {common | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, "coop-taskrun"},
      {common, "plain"},
      {IORING_SETUP_CQSIZE, "plain"},
  };
  // Diagnostics: RINGNET_IO_URING_RING_MODE=coop|plain skips the better
  // setups, to exercise the fallbacks on a kernel that has everything.
  size_t first = 0;
  if (const char* m = std::getenv("RINGNET_IO_URING_RING_MODE")) {
    if (std::strcmp(m, "coop") == 0) first = 1;
    if (std::strcmp(m, "plain") == 0) first = 2;
  }
  int last = 0;
  for (size_t i = first; i < std::size(attempts); ++i) {
    const Attempt& a = attempts[i];
    io_uring_params p{};
    p.flags = a.flags;
    p.cq_entries = cqEntries;
    int r = io_uring_queue_init_params(entries, &ring_, &p);
    if (r == 0) {
      live_ = true;
      flags_ = a.flags;
      cqEntries_ = p.cq_entries;
      mode_ = a.mode;
      return true;
    }
    last = -r;
    // EINVAL: this kernel does not know a flag; try the next set. Anything
    // else (EPERM, ENOMEM, EMFILE) will not be fixed by fewer flags.
    if (last != EINVAL) break;
  }
  *err = std::string("io_uring_setup failed: ") + std::strerror(last);
  return false;
}

bool Ring::enableOnThisThread(std::string* err) {
  if (flags_ & IORING_SETUP_R_DISABLED) {
    int r = io_uring_enable_rings(&ring_);
    if (r < 0) {
      *err = std::string("io_uring_enable_rings failed: ") + std::strerror(-r);
      return false;
    }
  }
  // Both are optimisations: a kernel that refuses them still works.
  io_uring_register_ring_fd(&ring_);
  unsigned workers[2] = {kMaxBoundedWorkers, kMaxUnboundedWorkers};
  io_uring_register_iowq_max_workers(&ring_, workers);
  return true;
}

io_uring_sqe* Ring::sqe() {
  io_uring_sqe* s = io_uring_get_sqe(&ring_);
  for (int tries = 0; !s && tries < 3; ++tries) {
    // SQ full: hand what is queued to the kernel and take a fresh slot.
    io_uring_submit(&ring_);
    s = io_uring_get_sqe(&ring_);
  }
  return s;  // null only if the kernel keeps refusing submissions
}

int Ring::submit() {
  if (io_uring_sq_ready(&ring_) == 0) return 0;
  return io_uring_submit(&ring_);
}

int Ring::submitAndPoll() { return io_uring_submit_and_get_events(&ring_); }

int Ring::submitAndWait(int timeoutMs) {
  if (timeoutMs == 0) return submitAndPoll();
  if (timeoutMs < 0) return io_uring_submit_and_wait(&ring_, 1);
  __kernel_timespec ts{};
  ts.tv_sec = timeoutMs / 1000;
  ts.tv_nsec = static_cast<long long>(timeoutMs % 1000) * 1000000;
  io_uring_cqe* cqe = nullptr;
  return io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
}

}  // namespace ringnet
