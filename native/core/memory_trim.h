// Gives back to the kernel the free pages a burst leaves in malloc's arenas.
// A burst of opens (threaded workers: each upgrade request parked in its
// connection's read tail while the batch to JS is full) or of closes frees
// many small blocks; glibc keeps their pages (each thread has its own arena,
// and only the top of a heap is trimmed on free), so an idle server held
// ~750 B per connection of memory no connection used (README, "Idle memory
// per connection"). The reactor notes what it freed in bulk; once it has no
// work left and enough was freed since the last trim, malloc_trim(0) returns
// the free pages (madvise) — at most once per interval, so a steady load
// never pays it per pass. RINGNET_MEMORY_TRIM=0 turns it off (to measure
// what it saves).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringnet {

class MemoryTrim {
 public:
  MemoryTrim();

  // What is freed before a trim is worth its cost, and the least time between two.
  static constexpr size_t kTrimAfterBytes = 256 * 1024;
  static constexpr uint64_t kMinIntervalMs = 1000;

  // Bytes freed (or about to be: a parked tail) in bulk.
  void note(size_t bytes) {
    if (enabled_) pending_ += bytes;
  }

  // The reactor has no work left: trims when due. Returns true when it trimmed.
  bool onIdle(uint64_t nowMs);

  // ms until a pending trim may run (0: now), -1 when none is pending: the
  // loop's sleep is cut short so that the last burst's pages go back too.
  int64_t dueInMs(uint64_t nowMs) const;

  uint64_t trims() const { return trims_; }
  uint64_t trimNs() const { return trimNs_; }

 private:
  bool enabled_ = true;
  size_t pending_ = 0;
  uint64_t lastMs_ = 0;
  uint64_t trims_ = 0;
  uint64_t trimNs_ = 0;
};

}  // namespace ringnet
