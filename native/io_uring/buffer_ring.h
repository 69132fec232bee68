// A provided-buffer ring (IORING_REGISTER_PBUF_RING, Linux 5.19): `count`
// buffers of `size` bytes that the kernel picks from for multishot recv. One
// per reactor; a buffer goes back as soon as its bytes have been handed to the
// reactor. liburing 2.3 has no io_uring_setup_buf_ring, so the page-aligned
// ring and the buffers are mmap'd here.
//
// Only some of the buffers are in the ring at a time (adaptive): the kernel
// takes them in ring order, so with all `count` published every recv wrote
// into the buffer used longest ago, out of cache (8 MiB cycled per reactor),
// and the reactor's copy out of it cost twice epoll's per byte (profile,
// issue 12). Returned buffers go on a stack and the ring is topped up from
// its top (the most recently used) to `target` entries: from 1 MiB worth,
// doubled whenever a recv finds the ring empty (ENOBUFS), shrunk by a quarter
// after a long run without. Opt-in: RINGNET_IO_URING_ADAPTIVE_BUFFERS=1; by
// default all of them are published (tests run both).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "uring_compat.h"

namespace ringnet {

class BufferRing {
 public:
  BufferRing() = default;
  ~BufferRing();
  BufferRing(const BufferRing&) = delete;
  BufferRing& operator=(const BufferRing&) = delete;

  // count: a power of two <= 32768; size: bytes per buffer.
  bool init(io_uring* ring, uint16_t groupId, uint32_t count, uint32_t size, std::string* err);
  // Frees the memory. The ring must be gone (or the group unregistered) first.
  void release();

  uint16_t groupId() const { return group_; }
  uint32_t bufferSize() const { return size_; }
  uint32_t count() const { return count_; }
  const uint8_t* data(uint32_t bid) const { return base_ + static_cast<size_t>(bid) * size_; }
  // Buffer `bid`, which the kernel took (a CQE named it), is free again.
  void recycle(uint32_t bid);
  // A recv found no buffer (ENOBUFS): settle() publishes more.
  void ranDry() { dry_ = true; }
  void settle();
  // Buffers in the ring now, and taken by the kernel but not yet recycled.
  uint32_t published() const { return inRing_; }
  uint32_t held() const { return count_ - inRing_ - static_cast<uint32_t>(spare_.size()); }

 private:
  // Where the buffers start within a page. The reactor copies frames from
  // them into the batch arenas, whose bytes start 16 bytes into a page
  // (malloc'd ArrayBuffers). With page-aligned buffers, a frame's destination
  // and source sat less than 512 bytes apart modulo 4 KiB most of the time
  // (4 KiB frames after a 4-byte header, one per 4 KiB of arena), and glibc's
  // memmove then takes its source-aligned `rep movsb`, which on this CPU cost
  // about 2.5x per byte (profile, issue 12). Half a page away keeps the two
  // apart whatever the arena's page offset is within those 16 bytes.
  static constexpr size_t kSkew = 2048;
  io_uring_buf_ring* ring_ = nullptr;
  uint8_t* map_ = nullptr;  // the mapping (base_ is kSkew into it)
  size_t ringBytes_ = 0;
  uint8_t* base_ = nullptr;
  size_t baseBytes_ = 0;
  uint32_t count_ = 0;
  uint32_t size_ = 0;
  uint16_t group_ = 0;
  int mask_ = 0;
  void refill();
  std::vector<uint16_t> spare_;  // not in the ring; the most recently used last
  uint32_t inRing_ = 0;          // published, not yet taken by the kernel
  uint32_t target_ = 0;          // how many to keep published
  uint32_t floor_ = 0;           // target_ never goes below this
  uint32_t sinceDry_ = 0;        // recycles since the ring last ran dry
  bool dry_ = false;             // ranDry() since the last settle()
};

}  // namespace ringnet
