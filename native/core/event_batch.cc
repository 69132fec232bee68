#include "event_batch.h"

#include <cstring>

#include "codec/ws_mask.h"

namespace ringnet {

using namespace wire;

EventBatch::EventBatch(std::vector<ArenaMemory> arenas)
    : arenas_(std::move(arenas)),
      state_(new std::atomic<int>[arenas_.size()]),
      big_(arenas_.size()),
      pins_(arenas_.size(), 0) {
  for (size_t i = 0; i < arenas_.size(); ++i) state_[i].store(kFree);
  acquire();
}

bool EventBatch::acquire() {
  if (current_ >= 0) return true;
  // Round-robin from the last one used, skipping arenas still with JS or lent
  // to output queues (an io_uring send in flight): JS sees batches in the
  // order they were published whatever their arena (the bridge's queue is
  // FIFO; an inline worker delivers at once).
  const size_t n = arenas_.size();
  size_t pick = n;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (next_ + k) % n;
    if (state_[i].load(std::memory_order_acquire) == kFree) {
      pick = i;
      break;
    }
  }
  if (pick == n) return false;
  current_ = static_cast<int>(pick);
  next_ = static_cast<uint32_t>((pick + 1) % n);
  state_[current_].store(kFilling, std::memory_order_relaxed);
  records_ = 0;
  dataUsed_ = 0;
  big_[current_].clear();
  drainOverflow();
  return true;
}

bool EventBatch::place(const int32_t* rec, const uint8_t* bytes, size_t length, const uint8_t* maskKey) {
  if (current_ < 0) return false;
  ArenaMemory& a = arenas_[current_];
  if (records_ >= a.recordCapacity || length > a.dataCapacity - dataUsed_) return false;
  int32_t* r = a.records + static_cast<size_t>(records_) * kEventInts;
  std::memcpy(r, rec, sizeof(int32_t) * kEventInts);
  if (bytes) {
    if (maskKey != nullptr) {
      ws::unmask(a.data + dataUsed_, bytes, length, maskKey, 0);
    } else {
      std::memcpy(a.data + dataUsed_, bytes, length);
    }
    r[kOffset] = static_cast<int32_t>(dataUsed_);
    r[kLength] = static_cast<int32_t>(length);
    // Keep every payload 8-byte aligned so JS can view it as any typed array.
    dataUsed_ += static_cast<uint32_t>((length + 7) & ~size_t{7});
    if (dataUsed_ > a.dataCapacity) dataUsed_ = a.dataCapacity;
  }
  ++records_;
  return true;
}

void EventBatch::drainOverflow() {
  size_t done = 0;
  for (; done < overflow_.size(); ++done) {
    Pending& p = overflow_[done];
    const auto* text = reinterpret_cast<const uint8_t*>(p.text.data());
    if (!place(p.rec, p.text.empty() ? nullptr : text, p.text.size())) break;
  }
  overflow_.erase(overflow_.begin(), overflow_.begin() + static_cast<std::ptrdiff_t>(done));
}

bool EventBatch::frame(uint32_t slot, int32_t gen, const uint8_t* payload, size_t length, int32_t aux,
                       const uint8_t* maskKey) {
  if (!overflow_.empty() || (current_ < 0 && !acquire())) return false;
  int32_t rec[kEventInts] = {kEvFrame, static_cast<int32_t>(slot), gen, 0, 0, aux};
  ArenaMemory& a = arenas_[current_];
  if (length > a.dataCapacity / 2) {
    // Big frame: its own buffer, so one large frame never starves an arena.
    if (records_ >= a.recordCapacity) return false;
    rec[kType] = kEvFrameBig;
    rec[kOffset] = static_cast<int32_t>(big_[current_].size());
    rec[kLength] = static_cast<int32_t>(length);
    std::vector<uint8_t>& big = big_[current_].emplace_back(payload, payload + length);
    if (maskKey != nullptr) ws::unmask(big.data(), big.data(), length, maskKey, 0);
    return place(rec, nullptr, 0);
  }
  if (length == 0) return place(rec, nullptr, 0);
  return place(rec, payload, length, maskKey);
}

void EventBatch::control(int32_t type, uint32_t slot, int32_t gen, int32_t offset, int32_t aux) {
  int32_t rec[kEventInts] = {type, static_cast<int32_t>(slot), gen, offset, 0, aux};
  if (overflow_.empty() && (current_ >= 0 || acquire()) && place(rec, nullptr, 0)) return;
  Pending p;
  std::memcpy(p.rec, rec, sizeof rec);
  overflow_.push_back(std::move(p));
}

void EventBatch::open(uint32_t slot, int32_t gen, const std::string& addressText) {
  text(kEvOpen, slot, gen, addressText, 0);
}

void EventBatch::text(int32_t type, uint32_t slot, int32_t gen, const std::string& addressText,
                      int32_t aux) {
  int32_t rec[kEventInts] = {type, static_cast<int32_t>(slot), gen, 0, 0, aux};
  const auto* text = reinterpret_cast<const uint8_t*>(addressText.data());
  if (overflow_.empty() && (current_ >= 0 || acquire()) &&
      place(rec, text, addressText.size())) {
    return;
  }
  Pending p;
  std::memcpy(p.rec, rec, sizeof rec);
  p.text = addressText;
  overflow_.push_back(std::move(p));
}

bool EventBatch::publish(PublishedBatch* out) {
  if (current_ < 0 && !acquire()) return false;
  if (records_ == 0) return false;
  out->arena = static_cast<uint32_t>(current_);
  out->records = records_;
  out->dataUsed = dataUsed_;
  state_[current_].store(kWithJs, std::memory_order_release);
  current_ = -1;
  acquire();
  return true;
}

void EventBatch::release(uint32_t arena) {
  if (arena >= arenas_.size()) return;
  state_[arena].store(pins_[arena] > 0 ? kLent : kFree, std::memory_order_release);
}

void EventBatch::unpin(uint32_t arena) {
  if (arena >= arenas_.size() || pins_[arena] == 0) return;
  if (--pins_[arena] == 0 && state_[arena].load(std::memory_order_relaxed) == kLent) {
    state_[arena].store(kFree, std::memory_order_release);
  }
}

const uint8_t* EventBatch::bytesWithJs(uint32_t arena, uint32_t offset, uint32_t length) const {
  if (arena >= arenas_.size() || state_[arena].load(std::memory_order_acquire) != kWithJs) return nullptr;
  const ArenaMemory& a = arenas_[arena];
  if (offset > a.dataCapacity || length > a.dataCapacity - offset) return nullptr;
  return a.data + offset;
}

bool EventBatch::canAcceptFrames() {
  if (current_ < 0 && !acquire()) return false;
  if (!overflow_.empty()) drainOverflow();
  return overflow_.empty();
}

}  // namespace ringnet
