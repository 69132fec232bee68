// Fuzz target: a connection's outbound queue (native/core/output_queue.cc).
// The input is a program of operations on two queues sharing one chunk pool
// (as a reactor's connections do); a plain byte string models each queue.
// After every operation size() matches the model; on every gather operation
// and at the end, gather() yields the model's bytes in order, in non-empty
// iovecs, no more than asked for. Content checks are not run after every
// operation to keep one input cheap.
// LeakSanitizer (on by default under libFuzzer) checks that clear() and the
// pool give back every chunk.
// Borrowed chunks (appendBorrowed: bytes lent by the reactor from a batch
// arena) are lent from a Lender that counts what it got back: every borrowed
// chunk is returned exactly once (consumed, cleared or detached), and after
// detachBorrowed() the lender scribbles over its memory, so a queue that still
// pointed into it would gather the wrong bytes.
#include <sys/uio.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "core/chunk_pool.h"
#include "core/output_queue.h"
#include "support/arrival_buffer.h"  // ASAN_(UN)POISON_MEMORY_REGION
#include "support/check.h"
#include "support/fuzz_input.h"

using namespace ringnet;
using namespace ringnet::fuzz;

#ifndef ASAN_POISON_MEMORY_REGION  // a build without ASan
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

namespace {

// Keeps one input fast: 256 KiB is 16 chunks or several dedicated buffers
// per queue, every path of the queue; copying up to 1 MiB per input (the old
// limit) was most of the target's time.
constexpr size_t kMaxQueued = 256 * 1024;
constexpr int kMaxOps = 256;

// Appended bytes are windows of a fixed pseudo-random table at a running
// offset, so consecutive appends differ and a reordered, lost or repeated byte
// shows (the table's period, 1 MiB, is above the queue's limit). The model keeps
// (offset, length) windows, not copies: one input stays cheap even with
// hundreds of 64 KiB appends.
constexpr size_t kPeriod = 1 << 20;

const uint8_t* table() {
  static const std::string t = [] {
    std::string bytes(kPeriod + 256 * 1024, '\0');
    Rng rng(12345);
    for (char& c : bytes) c = static_cast<char>(rng.next() >> 24);
    return bytes;
  }();
  return reinterpret_cast<const uint8_t*>(t.data());
}

struct Window {
  size_t offset;  // into table()
  size_t length;
};

Window fresh(uint32_t& counter, size_t n) {
  const Window w{counter % kPeriod, n};
  counter += static_cast<uint32_t>(n) + 1;  // +1: equal-sized appends start at different bytes
  return w;
}

struct Model {
  OutputQueue q;
  std::deque<Window> windows;  // unsent bytes, oldest first
  size_t total = 0;
  size_t size() const { return total; }
  void add(Window w) {
    if (w.length == 0) return;
    windows.push_back(w);
    total += w.length;
  }
  void drop(size_t n) {
    total -= n;
    while (n > 0) {
      Window& w = windows.front();
      const size_t k = n < w.length ? n : w.length;
      w.offset += k;
      w.length -= k;
      n -= k;
      if (w.length == 0) windows.pop_front();
    }
  }
  // Do the n bytes at p equal the model's bytes from `at`?
  bool matches(size_t at, const uint8_t* p, size_t n) const {
    for (const Window& w : windows) {
      if (n == 0) break;
      if (at >= w.length) {
        at -= w.length;
        continue;
      }
      const size_t k = std::min(n, w.length - at);
      if (std::memcmp(table() + w.offset + at, p, k) != 0) return false;
      p += k;
      n -= k;
      at = 0;
    }
    return n == 0;
  }
};

size_t payloadSize(FuzzInput& in) {
  const uint8_t shape = in.u8();
  const uint16_t n = in.u16();
  switch (shape % 4) {
    case 0: return n % 64;                                     // small frames share a chunk
    case 1: return n % (ChunkPool::kChunkSize + 64);           // around one chunk
    case 2: return ChunkPool::kChunkSize * 4 - 8 + n % 16;     // the dedicated-buffer threshold
    default: return n % ChunkPool::kChunkSize + ChunkPool::kChunkSize * 4;  // dedicated buffers
  }
}

// Memory the queues borrow from, in a few "arenas", and the count of chunks
// lent and returned per arena. The arenas' memory is kept for the whole run
// (allocating 768 KiB per arena per input was most of the target's time:
// mmap, page faults, munmap); what this input has not lent is poisoned, so a
// queue reading past the bytes it borrowed is still an ASan report.
struct Lender : BorrowOwner {
  static constexpr uint32_t kArenas = 3;
  static constexpr size_t kArenaSize = 2 * kMaxQueued + 256 * 1024;
  ~Lender() {
    for (uint32_t a = 0; a < kArenas; a++) ASAN_POISON_MEMORY_REGION(arena(a), used[a]);
  }
  static uint8_t* arena(uint32_t a) {
    static uint8_t* const kept = [] {
      auto* p = new uint8_t[kArenas * kArenaSize];  // kept to the end of the run
      ASAN_POISON_MEMORY_REGION(p, kArenas * kArenaSize);
      return p;
    }();
    return kept + a * kArenaSize;
  }
  // Appends n bytes to arena a (never moves: queued chunks point into it).
  const uint8_t* lend(uint32_t a, const uint8_t* src, size_t n) {
    FUZZ_CHECK(used[a] + n <= kArenaSize);
    uint8_t* p = arena(a) + used[a];
    ASAN_UNPOISON_MEMORY_REGION(p, n);
    std::memcpy(p, src, n);
    used[a] += n;
    ++lent[a];
    return p;
  }
  // The lender reuses its memory: scribbled over. Lending only ever appends
  // (at used[a]), so the bytes below an earlier scribble's end are still
  // scribbled: only what was lent since is written (rewriting up to 768 KiB
  // on every detach was a few percent of the time).
  void scribble() {
    for (uint32_t a = 0; a < kArenas; a++) {
      std::memset(arena(a) + scribbled[a], 0x5a, used[a] - scribbled[a]);
      scribbled[a] = used[a];
    }
  }
  size_t used[kArenas] = {};
  size_t scribbled[kArenas] = {};  // [0, scribbled) already scribbled over
  uint32_t lent[kArenas] = {};
  uint32_t returned[kArenas] = {};
  void returnBorrowed(uint32_t tag) override {
    FUZZ_CHECK(tag < kArenas);
    ++returned[tag];
    FUZZ_CHECK(returned[tag] <= lent[tag]);
  }
  bool allBack() const {
    for (uint32_t a = 0; a < kArenas; a++) {
      if (lent[a] != returned[a]) return false;
    }
    return true;
  }
};

void verify(const Model& m, int maxIov) {
  FUZZ_CHECK(m.q.size() == m.size());
  FUZZ_CHECK(m.q.empty() == (m.size() == 0));
  static thread_local std::vector<iovec> iov;
  iov.resize(static_cast<size_t>(maxIov));
  const int n = m.q.gather(iov.data(), maxIov);
  FUZZ_CHECK(n >= 0 && n <= maxIov);
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    FUZZ_CHECK(iov[i].iov_len > 0);
    FUZZ_CHECK(total + iov[i].iov_len <= m.size());
    FUZZ_CHECK(m.matches(total, static_cast<const uint8_t*>(iov[i].iov_base), iov[i].iov_len));
    total += iov[i].iov_len;
  }
  if (n < maxIov) FUZZ_CHECK(total == m.size());  // room left: everything was gathered
}

// Like a writev loop whose kernel accepts `accept` bytes per call (then, after
// 64 calls, everything: a one-byte kernel would make one input take seconds).
void flush(Model& m, ChunkPool& pool, size_t accept) {
  for (int calls = 0; !m.q.empty(); calls++) {
    if (calls == 64) accept = SIZE_MAX;
    iovec iov[8];
    const int n = m.q.gather(iov, 8);
    size_t total = 0;
    for (int i = 0; i < n; i++) total += iov[i].iov_len;
    const size_t sent = total < accept ? total : accept;
    m.q.consume(pool, sent);
    m.drop(sent);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  ChunkPool pool(in.u8() % 4);  // a pool that keeps 0..3 free chunks
  Lender lender;
  pool.setBorrowOwner(&lender);
  Model queues[2];
  uint32_t counter = 0;

  for (int ops = 0; ops < kMaxOps && in.remaining() > 0; ops++) {
    const uint8_t op = in.u8();
    Model& m = queues[op >> 7];
    switch (op % 8) {
      case 6: {
        // Lend bytes: a fresh window written into one arena's memory (which
        // outlives the queues here; the reactor pins its arenas instead).
        const uint32_t a = in.u8() % Lender::kArenas;
        const Window w = fresh(counter, 1 + payloadSize(in));
        if (m.size() + w.length > kMaxQueued) break;
        if (lender.used[a] > 2 * kMaxQueued) break;
        m.q.appendBorrowed(lender.lend(a, table() + w.offset, w.length), w.length, a);
        m.add(w);
        break;
      }
      case 7: {
        m.q.detachBorrowed(pool);
        FUZZ_CHECK(!m.q.hasBorrowed());
        // The lender reuses its memory: the queue must not see it.
        bool otherBorrows = queues[0].q.hasBorrowed() || queues[1].q.hasBorrowed();
        if (!otherBorrows) lender.scribble();
        break;
      }
      case 0: {
        const Window w = fresh(counter, payloadSize(in));
        if (m.size() + w.length > kMaxQueued) break;
        m.q.append(pool, table() + w.offset, w.length);
        m.add(w);
        break;
      }
      case 1: {
        const Window h = fresh(counter, in.u8() % 16);
        const Window p = fresh(counter, payloadSize(in));
        const Window t = fresh(counter, in.u8() % 8);
        if (m.size() + h.length + p.length + t.length > kMaxQueued) break;
        m.q.appendFrame(pool, table() + h.offset, h.length, table() + p.offset, p.length, table() + t.offset,
                        t.length);
        m.add(h);
        m.add(p);
        m.add(t);
        break;
      }
      case 2:
        verify(m, 1 + in.u8() % 40);
        break;
      case 3: {
        const size_t n = m.size() == 0 ? 0 : in.u32() % (m.size() + 1);
        m.q.consume(pool, n);
        m.drop(n);
        break;
      }
      case 4:
        m.q.clear(pool);
        m.drop(m.size());
        break;
      default:
        flush(m, pool, 1 + in.u16());
        break;
    }
    FUZZ_CHECK(m.q.size() == m.size());
  }
  for (Model& m : queues) {
    verify(m, 1024);
    m.q.clear(pool);
  }
  FUZZ_CHECK(lender.allBack());
  return 0;
}
