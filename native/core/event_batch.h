// Events for JS, written by one reactor into arenas whose memory the JS side
// already holds (ArrayBuffers created once), so a whole pass's worth of frames
// from all connections crosses into JS in one call with no object per frame.
//
// An arena is filled by the reactor, handed to JS, and handed back when the
// handlers return. When every arena is with JS, frames wait (the reactor stops
// reading: TCP flow control pushes back on the peers) while control events
// (open, drain, end, close) go to a small overflow list so none is ever lost.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wire.h"

namespace ringnet {

struct ArenaMemory {
  uint8_t* data = nullptr;
  uint32_t dataCapacity = 0;
  int32_t* records = nullptr;
  uint32_t recordCapacity = 0;
};

struct PublishedBatch {
  uint32_t arena = 0;
  uint32_t records = 0;
  uint32_t dataUsed = 0;
};

class EventBatch {
 public:
  explicit EventBatch(std::vector<ArenaMemory> arenas);

  // Appends a frame's payload; false when there is no room now (the caller
  // keeps the bytes and retries after an arena comes back).
  // maskKey: the payload is WebSocket-masked with it, unmasked while copied.
  bool frame(uint32_t slot, int32_t gen, const uint8_t* payload, size_t length, int32_t aux = 0,
             const uint8_t* maskKey = nullptr);
  // Control events are never refused.
  void control(int32_t type, uint32_t slot, int32_t gen, int32_t offset = 0, int32_t aux = 0);
  void open(uint32_t slot, int32_t gen, const std::string& addressText);
  // A control event carrying text (offset/length point at it), never refused.
  void text(int32_t type, uint32_t slot, int32_t gen, const std::string& text, int32_t aux);

  // Ends the current arena if it holds anything: the caller hands it to JS.
  bool publish(PublishedBatch* out);
  // JS is done with an arena (called on the reactor's thread, after the
  // commands JS submitted with it: they may point into its bytes). It is
  // reused once no output queue borrows from it either.
  void release(uint32_t arena);
  // Bytes [offset, offset + length) of an arena JS holds, for a command that
  // sends them back by reference; nullptr when out of range or not with JS.
  const uint8_t* bytesWithJs(uint32_t arena, uint32_t offset, uint32_t length) const;
  // Output queues referencing an arena's bytes (appendBorrowed) keep it from
  // being reused until they let go.
  void pin(uint32_t arena) { ++pins_[arena]; }
  void unpin(uint32_t arena);
  // True when frames can be accepted again (after a release).
  bool canAcceptFrames();

  // Frames longer than this travel as big frames (below).
  size_t bigFrameBytes() const { return arenas_.empty() ? 0 : arenas_[0].dataCapacity / 2; }
  // Frames too big for an arena travel as separate buffers, read by the JS
  // thread while the arena is with JS.
  std::vector<std::vector<uint8_t>>& bigFrames(uint32_t arena) { return big_[arena]; }

  // Nothing left to hand to JS (a control event may wait in the overflow list
  // while every arena is with JS).
  bool idle() const { return overflow_.empty() && (current_ < 0 || records_ == 0); }

 private:
  // kLent: JS is done, output queues still reference its bytes (pins_ > 0).
  enum : int { kFree = 0, kFilling = 1, kWithJs = 2, kLent = 3 };
  struct Pending {
    int32_t rec[wire::kEventInts];
    std::string text;
  };
  bool acquire();
  bool place(const int32_t* rec, const uint8_t* bytes, size_t length, const uint8_t* maskKey = nullptr);
  void drainOverflow();

  std::vector<ArenaMemory> arenas_;
  std::unique_ptr<std::atomic<int>[]> state_;
  std::vector<std::vector<std::vector<uint8_t>>> big_;
  int current_ = -1;
  uint32_t next_ = 0;  // where the round-robin search for a free arena starts
  uint32_t records_ = 0;
  uint32_t dataUsed_ = 0;
  std::vector<Pending> overflow_;
  std::vector<uint32_t> pins_;  // per arena: borrowed output chunks (reactor thread only)
};

}  // namespace ringnet
