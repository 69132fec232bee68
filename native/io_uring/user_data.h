// user_data of every SQE this backend submits: an 8-aligned pointer (a
// Connection or a Listener) with the operation in the 3 low bits.
#pragma once

#include <cstdint>

namespace ringnet {
namespace uring_tag {

constexpr uint64_t kNone = 0;    // cancels: the CQE only settles the in-flight count
constexpr uint64_t kRecv = 1;    // Connection*
constexpr uint64_t kSend = 2;    // Connection*
constexpr uint64_t kAccept = 3;  // Listener*
constexpr uint64_t kTimer = 4;   // Listener* (accept back-off)
constexpr uint64_t kWake = 5;    // no pointer
constexpr uint64_t kMask = 7;

inline uint64_t make(const void* p, uint64_t tag) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)) | tag;
}
template <typename T>
inline T* pointer(uint64_t ud) {
  return reinterpret_cast<T*>(static_cast<uintptr_t>(ud & ~kMask));
}

}  // namespace uring_tag
}  // namespace ringnet
