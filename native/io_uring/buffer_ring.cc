#include "buffer_ring.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ringnet {

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
  for (uint32_t i = 0; i < count; ++i) {
    io_uring_buf_ring_add(ring_, base_ + static_cast<size_t>(i) * size, size,
                          static_cast<unsigned short>(i), mask_, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(ring_, static_cast<int>(count));
  return true;
}

void BufferRing::recycle(uint32_t bid) {
  io_uring_buf_ring_add(ring_, base_ + static_cast<size_t>(bid) * size_, size_,
                        static_cast<unsigned short>(bid), mask_, 0);
  io_uring_buf_ring_advance(ring_, 1);
}

void BufferRing::release() {
  if (map_) munmap(map_, baseBytes_);
  if (ring_) munmap(ring_, ringBytes_);
  map_ = base_ = nullptr;
  ring_ = nullptr;
  baseBytes_ = ringBytes_ = 0;
}

}  // namespace ringnet
