// One connection's state, owned by exactly one reactor thread for its life.
// Kept small: 10,000 idle connections must cost little memory.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "codec/codec.h"
#include "output_queue.h"
#include "read_tail.h"

namespace ringnet {

struct Room;
class TlsSession;
// One room the connection is in, and its index in the room's member list (rooms.h).
struct RoomMembership {
  Room* room;
  uint32_t index;
};

// Per-connection state a protocol allocates when it needs more than
// protoFlags (WebSocket: a fragmented message being assembled). Null for
// most connections.
struct ProtocolState {
  virtual ~ProtocolState() = default;
};

// The rooms a connection is in (rooms.h): one pointer, and no allocation
// until the first join (most connections join none).
class RoomList {
 public:
  size_t size() const { return v_ ? v_->size() : 0; }
  bool empty() const { return size() == 0; }
  RoomMembership& operator[](size_t i) { return (*v_)[i]; }
  RoomMembership& back() { return v_->back(); }
  void push_back(const RoomMembership& m) {
    if (!v_) v_ = std::make_unique<std::vector<RoomMembership>>();
    v_->push_back(m);
  }
  void pop_back() { v_->pop_back(); }
  RoomMembership* begin() { return v_ ? v_->data() : nullptr; }
  RoomMembership* end() { return v_ ? v_->data() + v_->size() : nullptr; }
  const RoomMembership* begin() const { return v_ ? v_->data() : nullptr; }
  const RoomMembership* end() const { return v_ ? v_->data() + v_->size() : nullptr; }
  void release() { v_.reset(); }  // a closed connection keeps no memory

 private:
  std::unique_ptr<std::vector<RoomMembership>> v_;
};

// Field order and widths keep this at 168 bytes (176 with malloc's header; was 280):
// 10,000 idle connections must cost little memory (README, "Idle memory").
// Rare state lives behind pointers that stay null for most connections.
struct Connection {
  int fd = -1;
  uint32_t slot = 0;       // index in the reactor's table
  int32_t gen = 0;         // bumped on every reuse of the slot; stale commands are ignored
  uint32_t tailNeeded = 0; // bytes the partial frame at the tail's start needs in all (0 = unknown)

  DecoderState decoder;
  ReadTail tail;           // undecoded input (partial frame)
  OutputQueue out;         // queued output

  uint64_t bytesOut = 0;   // written to the kernel (mirrored to JS for send()'s return value)
  uint64_t closeDeadlineMs = 0;  // lingering close: give up waiting for the peer's FIN
  uint64_t lastInMs = 0;         // coarse clock of the last bytes received (timeouts.h)
  uint64_t lastOutMs = 0;        // coarse clock of the last bytes written
  uint64_t deadlineMs = 0;       // protocol deadline (header / auth timeout); 0 = none
  uint64_t nativeOut = 0;        // bytes queued natively (protocol replies, broadcasts), not by JS
  RoomList rooms;                // rooms.h; empty (no allocation) for most connections
  TlsSession* tls = nullptr;     // TLS servers only (tls/tls_session.h); owned by the reactor
  OutputQueue* tlsOut = nullptr; // tls->cipher: the records the kernel gets instead of `out`

  // What the backend sends: the output queue, or its TLS records.
  OutputQueue& wire() { return tlsOut != nullptr ? *tlsOut : out; }
  // Nothing left to send at all (plaintext waiting for encryption included).
  bool outputEmpty() const { return out.empty() && (tlsOut == nullptr || tlsOut->empty()); }
  std::unique_ptr<ProtocolState> protoState;  // protocol.h; usually null

  uint32_t borrowPass = 0;       // reactor pass (low 32 bits) in which it began borrowing arena bytes
  uint32_t protoFlags = 0;       // protocol-defined per-connection state (protocol.h)
  int32_t closeErrno = 0;        // errno, TLS error or protocol detail reported with the close
  // wire::CloseReason values (< 64): two bytes each.
  int16_t deadlineReason = 0;    // the reason when the deadline passes
  int16_t closeReason = 0;       // once closing
  // Protocol-defined coarse time in seconds (WebSocket: when maxLifetime ends).
  uint32_t protoClockSec = 0;

  // Readiness and lifecycle flags (bits: 18 of them in 3 bytes).
  bool readable : 1;     // the kernel may have bytes for us (edge-triggered bookkeeping)
  bool writable : 1;     // the kernel accepted our last write in full
  bool paused : 1;       // conn.pause()
  bool blocked : 1;      // no room in the batch to JS: frames wait in the tail
  bool inReadyList : 1;  // queued for another read pass (budget or resume)
  bool inFlushList : 1;  // output waiting for a flush at the end of the pass
  bool inBorrowers : 1;  // listed in the reactor's borrowers_ (arena bytes queued by reference)
  bool hupSeen : 1;      // the backend saw the peer's FIN/HUP signalled
  bool peerEnded : 1;    // FIN received
  bool endQueued : 1;    // conn.end(): shutdown(SHUT_WR) once flushed
  bool writeShut : 1;    // SHUT_WR done
  bool closeQueued : 1;  // conn.close(): close once flushed
  bool lingering : 1;    // closed for writing, draining input until the peer's FIN
  bool wantDrain : 1;    // emit drain when the output queue empties
  bool ioPending : 1;    // a backend operation holds the fd (io_uring); closing waits for it
  bool proxyPending : 1; // PROXY listener: header not in yet; JS has not seen the connection
  bool closed : 1;
  bool sealed : 1;       // the protocol sent its last message (WebSocket close): sends are dropped

  Connection()
      : readable(false), writable(true), paused(false), blocked(false), inReadyList(false),
        inFlushList(false), inBorrowers(false), hupSeen(false), peerEnded(false), endQueued(false),
        writeShut(false), closeQueued(false), lingering(false), wantDrain(false), ioPending(false),
        proxyPending(false), closed(false), sealed(false) {}
};
// A field added here costs 8 bytes per idle connection (one malloc size class
// up): README's "Idle memory" table counts them.
static_assert(sizeof(Connection) <= 168, "Connection grew past 168 bytes (176 with malloc's header)");

}  // namespace ringnet
