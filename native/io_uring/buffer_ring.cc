#include "buffer_ring.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ringnet {

namespace {
constexpr size_t kHotBytes = 1 << 20;   // the starting target: about what stays in L2
constexpr uint32_t kShrinkAfter = 4096;  // recycles without ENOBUFS before shrinking
}  // namespace

BufferRing::~BufferRing() { release(); }

bool BufferRing::init(io_uring* ring, uint16_t groupId, uint32_t count, uint32_t size,
                      std::string* err) {
  if (count == 0 || count > 32768 || (count & (count - 1)) != 0 || size == 0) {
    *err = "io_uring buffer ring: count must be a power of two <= 32768 and size > 0";
    return false;
  }
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  ringBytes_ = (count * sizeof(io_uring_buf) + page - 1) / page * page;
  void* r = mmap(nullptr, ringBytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) {
    *err = std::string("io_uring buffer ring: mmap failed: ") + std::strerror(errno);
    ringBytes_ = 0;
    return false;
  }
  ring_ = static_cast<io_uring_buf_ring*>(r);
  // One page more than the buffers: they start kSkew bytes into the first.
  baseBytes_ = static_cast<size_t>(count) * size + page;
  void* b = mmap(nullptr, baseBytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (b == MAP_FAILED) {
    *err = std::string("io_uring buffers: mmap failed: ") + std::strerror(errno);
    baseBytes_ = 0;
    release();
    return false;
  }
  map_ = static_cast<uint8_t*>(b);
  base_ = map_ + (kSkew % page);
  count_ = count;
  size_ = size;
  group_ = groupId;
  mask_ = io_uring_buf_ring_mask(count);

  io_uring_buf_ring_init(ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(ring_);
  reg.ring_entries = count;
  reg.bgid = groupId;
  int rc = io_uring_register_buf_ring(ring, &reg, 0);
  if (rc != 0) {
    *err = std::string("io_uring_register_buf_ring failed: ") + std::strerror(-rc);
    release();
    return false;
  }
  floor_ = static_cast<uint32_t>(std::min<size_t>(count, std::max<size_t>(8, kHotBytes / size)));
  // Adaptive publishing is opt-in (RINGNET_IO_URING_ADAPTIVE_BUFFERS=1): memory first
  // touched as a burst grows the ring reads as RSS growth in the middle of a steady load
  // (the fault soak failed on it once in CI); every buffer published is the default.
  if (const char* v = std::getenv("RINGNET_IO_URING_ADAPTIVE_BUFFERS"); !(v && std::strcmp(v, "1") == 0)) {
    floor_ = count;
  }
  target_ = floor_;
  spare_.reserve(count);
  for (uint32_t i = count; i-- > 0;) spare_.push_back(static_cast<uint16_t>(i));  // bid 0 on top
  inRing_ = 0;
  sinceDry_ = 0;
  refill();
  return true;
}

void BufferRing::refill() {
  int n = 0;
  while (inRing_ < target_ && !spare_.empty()) {
    const uint16_t bid = spare_.back();
    spare_.pop_back();
    io_uring_buf_ring_add(ring_, base_ + static_cast<size_t>(bid) * size_, size_, bid, mask_, n++);
    ++inRing_;
  }
  if (n > 0) io_uring_buf_ring_advance(ring_, n);
}

void BufferRing::recycle(uint32_t bid) {
  if (bid >= count_) return;  // never named by the kernel
  if (inRing_ > 0) --inRing_;  // the kernel took it from the ring
  spare_.push_back(static_cast<uint16_t>(bid));
  if (++sinceDry_ >= kShrinkAfter && target_ > floor_) {
    target_ = std::max(floor_, target_ - target_ / 4);
    sinceDry_ = 0;
  }
  refill();
}

void BufferRing::settle() {
  // Once per reap: its ENOBUFS completions all tell of the same shortage
  // (the kernel ran those recvs before any buffer came back).
  if (!dry_) return;
  dry_ = false;
  sinceDry_ = 0;
  target_ = std::min(count_, target_ * 2);
  refill();
}

void BufferRing::release() {
  if (map_) munmap(map_, baseBytes_);
  if (ring_) munmap(ring_, ringBytes_);
  map_ = base_ = nullptr;
  ring_ = nullptr;
  baseBytes_ = ringBytes_ = 0;
  spare_.clear();
  inRing_ = 0;
}

}  // namespace ringnet
