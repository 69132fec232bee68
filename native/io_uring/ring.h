// One io_uring instance: setup with the best flags this kernel accepts, the
// thread hand-over that SINGLE_ISSUER/DEFER_TASKRUN require, and submission
// helpers. Owns nothing but the ring.
#pragma once

#include <cstdint>
#include <string>

#include "uring_compat.h"

namespace ringnet {

class Ring {
 public:
  Ring() = default;
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // Creates the ring with `entries` SQEs and a CQ of `cqEntries`. Tries, in
  // order: SINGLE_ISSUER|DEFER_TASKRUN (created disabled, enabled by the
  // thread that will submit: see enableOnThisThread), COOP_TASKRUN, plain.
  // sqpollIdleMs > 0 asks for SQPOLL instead (a kernel thread consumes the SQ,
  // so submitting costs no syscall while it is awake); no fallback then: the
  // caller asked for it by name, and silently running without it would
  // mislead a comparison.
  bool init(unsigned entries, unsigned cqEntries, unsigned sqpollIdleMs, std::string* err);
  // Tears the ring down (the kernel cancels whatever is in flight).
  void exit();

  // Called once on the thread that will submit and wait (the reactor's loop
  // thread, or the JS thread for an inline reactor): enables a ring created
  // disabled, registers the ring fd, caps io-wq workers.
  bool enableOnThisThread(std::string* err);

  // A free SQE; submits what is queued to make room when the SQ is full.
  io_uring_sqe* sqe();
  // Submits queued SQEs and runs completions the kernel queued as task work,
  // without waiting. With DEFER_TASKRUN one call runs at most 20 of them
  // (Linux 6.13+) and keeps IORING_SQ_TASKRUN set while more are left.
  int submitAndPoll();
  // Submits and waits for at least one CQE up to timeoutMs (-1 = forever).
  int submitAndWait(int timeoutMs);
  // Submits without waiting (no-op when nothing is queued).
  int submit();
  unsigned sqReady() const { return io_uring_sq_ready(&ring_); }
  unsigned cqReady() const { return io_uring_cq_ready(&ring_); }
  // The kernel has completions queued as task work (TASKRUN_FLAG rings). A
  // hint: it can stay set after the work ran, so never spin on it alone.
  bool taskWorkPending() const {
    return (IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_TASKRUN) != 0;
  }

  io_uring* get() { return &ring_; }
  unsigned cqEntries() const { return cqEntries_; }
  unsigned flags() const { return flags_; }
  // "single-issuer+defer-taskrun", "coop-taskrun", "sqpoll" or "plain" (for reports).
  const char* mode() const { return mode_; }

 private:
  io_uring ring_{};
  bool live_ = false;
  unsigned flags_ = 0;
  unsigned cqEntries_ = 0;
  const char* mode_ = "none";
};

}  // namespace ringnet
