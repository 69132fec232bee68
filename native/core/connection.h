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

struct Connection {
  int fd = -1;
  int family = 0;          // AF_INET, AF_INET6, AF_UNIX
  uint32_t slot = 0;       // index in the reactor's table
  int32_t gen = 0;         // bumped on every reuse of the slot; stale commands are ignored
  uint32_t tailNeeded = 0; // bytes the partial frame at the tail's start needs in all (0 = unknown)

  DecoderState decoder;
  ReadTail tail;           // undecoded input (partial frame)
  OutputQueue out;         // queued output

  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;   // written to the kernel (mirrored to JS for send()'s return value)
  uint64_t closeDeadlineMs = 0;  // lingering close: give up waiting for the peer's FIN
  uint64_t lastInMs = 0;         // coarse clock of the last bytes received (timeouts.h)
  uint64_t lastOutMs = 0;        // coarse clock of the last bytes written
  uint64_t deadlineMs = 0;       // protocol deadline (header / auth timeout); 0 = none
  int32_t deadlineReason = 0;    // wire::CloseReason when the deadline passes
  uint32_t protoFlags = 0;       // protocol-defined per-connection state (protocol.h)
  uint64_t nativeOut = 0;        // bytes queued natively (protocol replies, broadcasts), not by JS
  uint64_t borrowPass = 0;       // reactor pass in which it began borrowing arena bytes
  std::vector<RoomMembership> rooms;  // rooms.h; empty (no allocation) for most connections
  TlsSession* tls = nullptr;     // TLS servers only (tls/tls_session.h); owned by the reactor
  OutputQueue* tlsOut = nullptr; // tls->cipher: the records the kernel gets instead of `out`

  // What the backend sends: the output queue, or its TLS records.
  OutputQueue& wire() { return tlsOut != nullptr ? *tlsOut : out; }
  // Nothing left to send at all (plaintext waiting for encryption included).
  bool outputEmpty() const { return out.empty() && (tlsOut == nullptr || tlsOut->empty()); }
  std::unique_ptr<ProtocolState> protoState;  // protocol.h; usually null

  // Readiness and lifecycle flags.
  bool readable = false;     // the kernel may have bytes for us (edge-triggered bookkeeping)
  bool writable = true;      // the kernel accepted our last write in full
  bool paused = false;       // conn.pause()
  bool blocked = false;      // no room in the batch to JS: frames wait in the tail
  bool inReadyList = false;  // queued for another read pass (budget or resume)
  bool inFlushList = false;  // output waiting for a flush at the end of the pass
  bool inBorrowers = false;  // listed in the reactor's borrowers_ (arena bytes queued by reference)
  bool hupSeen = false;      // the backend saw the peer's FIN/HUP signalled
  bool peerEnded = false;    // FIN received
  bool endQueued = false;    // conn.end(): shutdown(SHUT_WR) once flushed
  bool writeShut = false;    // SHUT_WR done
  bool closeQueued = false;  // conn.close(): close once flushed
  bool lingering = false;    // closed for writing, draining input until the peer's FIN
  bool wantDrain = false;    // emit drain when the output queue empties
  bool ioPending = false;    // a backend operation holds the fd (io_uring); closing waits for it
  bool proxyPending = false; // PROXY listener: header not in yet; JS has not seen the connection
  bool closed = false;
  bool sealed = false;       // the protocol sent its last message (WebSocket close): sends are dropped
  int32_t closeReason = 0;   // wire::CloseReason once closing
  int32_t closeErrno = 0;
  // Protocol-defined coarse time in seconds (WebSocket: when maxLifetime
  // ends). Fills the struct's tail padding: no bytes added per connection.
  uint32_t protoClockSec = 0;
};

}  // namespace ringnet
