// user_data of every SQE this backend submits, the operation in the 3 low
// bits. Connection ops carry the connection's slot and a generation, never a
// pointer: a completion that arrives after its connection was closed (and
// freed, and the slot reused) is recognised as stale and dropped. Listener
// ops carry the Listener's address (listeners live as long as the backend).
#pragma once

#include <cstdint>

namespace ringnet {
namespace uring_tag {

constexpr uint64_t kNone = 0;    // cancels: the CQE only settles the in-flight count
constexpr uint64_t kRecv = 1;    // slot | generation
constexpr uint64_t kSend = 2;    // slot | generation
constexpr uint64_t kAccept = 3;  // Listener*
constexpr uint64_t kTimer = 4;   // Listener* (accept back-off)
constexpr uint64_t kWake = 5;    // no pointer
constexpr uint64_t kSendZc = 6;  // slot | generation; a result CQE, then a notification
constexpr uint64_t kMask = 7;

inline uint64_t make(const void* p, uint64_t tag) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)) | tag;
}
constexpr uint32_t kGenMask = 0x1fffffff;  // 29 bits

inline uint64_t connOp(uint32_t slot, uint32_t gen, uint64_t tag) {
  return (static_cast<uint64_t>(slot) << 32) | (static_cast<uint64_t>(gen & kGenMask) << 3) | tag;
}
inline uint32_t slotOf(uint64_t ud) { return static_cast<uint32_t>(ud >> 32); }
inline uint32_t genOf(uint64_t ud) { return static_cast<uint32_t>(ud >> 3) & kGenMask; }

template <typename T>
inline T* pointer(uint64_t ud) {
  return reinterpret_cast<T*>(static_cast<uintptr_t>(ud & ~kMask));
}

}  // namespace uring_tag
}  // namespace ringnet
