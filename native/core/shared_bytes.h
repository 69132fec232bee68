// Immutable bytes shared by many output queues on many reactor threads: a
// broadcast frame is encoded once and every member's queue references it
// (an atomic reference count) instead of holding a copy.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

namespace ringnet {

class SharedBytes {
 public:
  // One reference, owned by the caller; nullptr when out of memory.
  static SharedBytes* create(size_t size) {
    void* mem = std::malloc(sizeof(SharedBytes) + size);
    if (mem == nullptr) return nullptr;
    return new (mem) SharedBytes(size);
  }
  void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      this->~SharedBytes();
      std::free(this);
    }
  }
  uint8_t* data() { return reinterpret_cast<uint8_t*>(this + 1); }
  size_t size() const { return size_; }

 private:
  explicit SharedBytes(size_t size) : size_(size) {}
  std::atomic<uint32_t> refs_{1};
  size_t size_;
};

// A counted reference (move-only).
class SharedRef {
 public:
  SharedRef() = default;
  explicit SharedRef(SharedBytes* adopted) : p_(adopted) {}
  SharedRef(const SharedRef& o) : p_(o.p_) {
    if (p_) p_->retain();
  }
  SharedRef(SharedRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  SharedRef& operator=(SharedRef o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~SharedRef() {
    if (p_) p_->release();
  }
  SharedBytes* get() const { return p_; }

 private:
  SharedBytes* p_ = nullptr;
};

}  // namespace ringnet
