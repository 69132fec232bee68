// A sub reactor: owns its connections for life, decodes their frames into
// batches for JS, applies JS's commands, and closes connections cleanly. All
// I/O goes through an IoBackend, so this file is the same for epoll and
// io_uring.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "batch_sink.h"
#include "chunk_pool.h"
#include "codec/codec.h"
#include "connection.h"
#include "event_batch.h"
#include "inbox.h"
#include "io_backend.h"
#include "memory_trim.h"
#include "protocol.h"
#include "rooms.h"
#include "server_config.h"
#include "server_counters.h"
#include "timeouts.h"
#include "worker_stats.h"

namespace ringnet {

class Reactor : public IoHandler, private ConnectionControl, private BorrowOwner {
 public:
  Reactor(int index, const ServerConfig& config, std::vector<ArenaMemory> arenas,
          double* writtenCounters, ServerCounters* shared, BatchSink* sink);
  ~Reactor() override;

  // Creates the backend; false with *err when it cannot run here.
  bool init(std::string* err);
  IoBackend& backend() { return *backend_; }
  int index() const { return index_; }

  // Listening sockets this reactor accepts from (before it starts).
  bool addListener(int fd, bool exclusive, std::string* err);
  // Inline mode: the reactor runs on the JS thread (set before it starts).
  void setInline(bool on) { inline_ = on; }
  bool isInline() const { return inline_; }

  // Threaded mode: runs the loop on a thread of its own until the worker is done.
  void startThread();
  void join();
  // Inline mode: one pass driven by the JS thread's event loop. Returns true
  // when more work is ready without waiting for the poll fd.
  bool runOnce();
  bool done() const { return done_.load(std::memory_order_acquire); }
  // How long the loop may sleep: -1 = until woken.
  int nextTimeoutMs() const;

  // Thread-safe entry points (JS thread, acceptor thread).
  // refs: the log holds commands pointing into a batch arena (wire::kCmdSendRef).
  void submitCommands(const uint8_t* data, size_t len, bool refs = false);
  void adoptFd(int fd);
  void requestClose(uint32_t timeoutMs);
  void releaseArena(uint32_t arena);
  void reportAcceptError(int err);
  // The main reactor (dispatch mode) failed an accept: counted on this worker.
  void countAcceptError();
  // A broadcast for this worker's members (rooms.h); false when
  // maxPendingBroadcasts are already waiting.
  bool submitBroadcast(Broadcast b);
  bool broadcastQueueFull() { return inbox_.pendingBroadcasts() >= config_.rooms.maxPendingBroadcasts; }
  // Hard stop for teardown (process or worker_thread exit): no more events.
  void stop();
  // Once the loop has ended for good: closes the backend (epoll fd, or the
  // ring with its SQPOLL thread and buffers) and frees what is left.
  void releaseIo();

  // Socket options from the JS thread: the fd is looked up under a lock that
  // the reactor also takes before closing it, so it is never a reused fd.
  int withFd(uint32_t slot, int32_t gen, int (*fn)(int fd, void* ctx), void* ctx);

  EventBatch& batch() { return batch_; }
  // Whether JS may send frames of the batch being delivered by reference.
  // Not for an inline worker's batch published mid-read (an arena filled
  // while decoding): its commands wait in the inbox, and holding the arena
  // for them would stall the read that goes on; those frames are copied.
  bool commandsMayReferenceArena() const { return !inline_ || applyDirect_; }
  const WorkerStats& stats() const { return stats_; }
  // Bytes of command logs copied into this worker's inbox (threaded workers).
  uint64_t inboxCopiedBytes() const { return inbox_.copiedBytes(); }

  // IoHandler
  void onAccepted(int fd) override;
  void onAcceptError(int err) override;
  bool onData(Connection& c, const uint8_t* data, size_t len) override;
  void onPeerEnd(Connection& c) override;
  void onWritten(Connection& c, size_t n, bool whole) override;
  void onIoError(Connection& c, int err) override;
  void onClosed(Connection& c) override;
  void onWake() override { inboxPending_ = true; }

 private:
  // Takes a connection that accept() returned (here or on the main reactor):
  // refused over maxConnections, else registered and opened to JS.
  void admit(int fd);
  void loop();
  bool pass(int timeoutMs);
  void afterPass();
  void processInbox();
  void applyCommands(const uint8_t* data, size_t len);
  void applyCommand(int32_t op, Connection& c, const uint8_t* payload, size_t len);
  bool publish();  // true when a batch went to JS
  void flushDirty();
  void wakeFromJs();
  void wakeBackend();
  void resumeReading(Connection& c);
  void checkDeadlines();

  // ConnectionControl (what the protocol may do).
  void reply(Connection& c, const uint8_t* data, size_t len) override;
  void armDeadline(Connection& c, uint32_t ms, int32_t reason) override {
    timeouts_.arm(c, coarseMs() + ms, reason);
  }
  void clearDeadline(Connection& c) override { timeouts_.clear(c); }
  void closeAfterFlush(Connection& c, int32_t reason, int32_t detail) override;
  void pauseInput(Connection& c) override { c.paused = true; }
  void resumeInput(Connection& c) override;
  void expire(Connection& c, int32_t reason);

  // PROXY protocol listeners: the header before the connection is announced.
  bool proxyInput(Connection& c, const uint8_t* data, size_t len);
  void announceOpen(Connection& c, const proxy::Header* header);

  // Decoding.
  bool plainInput(Connection& c, const uint8_t* data, size_t len);
  size_t decodeInput(Connection& c, const uint8_t* data, size_t len);
  bool roundBetweenFrames(Connection& c);
  size_t decodeInto(Connection& c, const uint8_t* data, size_t len);
  bool keepInTail(Connection& c, const uint8_t* data, size_t len);  // false: closed (ENOMEM)
  void unblockConnections();
  bool emitFrame(Connection& c, const FrameBytes& out);

  // Output.
  // arena >= 0: payload is in that batch arena (may be lent to the output
  // queue); withMeta: it starts with the framing's meta (goim's ver/op/seq).
  void sendFrame(Connection& c, const uint8_t* meta, size_t metaLen, const uint8_t* payload, size_t body, int arena);
  void sendByReference(Connection& c, int32_t op, const uint8_t* ref, size_t len);
  void settleBorrowed();
  void returnBorrowed(uint32_t arena) override;
  void enqueue(Connection& c, const uint8_t* data, size_t len);
  void enqueueFrame(Connection& c, const uint8_t* header, size_t headerLen,
                    const uint8_t* payload, size_t len, const uint8_t* trailer, size_t trailerLen);
  void markDirty(Connection& c);
  // Rooms and broadcast.
  void applyBroadcast(const Broadcast& b);
  bool queueBroadcast(Connection& c, SharedBytes& frame);  // false: over maxOutbound
  void afterOutputDrained(Connection& c);

  // Closing.
  void closeGracefully(Connection& c, int32_t reason);
  void finishGracefulClose(Connection& c);
  void closeNow(Connection& c, int32_t reason, int err, bool abortive);
  void beginServerClose(uint32_t timeoutMs);

  // TLS (reactor_tls.cc): between the socket bytes and the decoder / output queue.
  void tlsAccept(Connection& c, TlsSession* session);
  bool tlsInput(Connection& c, const uint8_t* data, size_t len);
  void tlsHandshakeDone(Connection& c);
  void tlsFail(Connection& c, int32_t reason);
  void tlsEncrypt(Connection& c);
  void tlsWritten(Connection& c, size_t n);
  void tlsKernelSwitch(Connection& c);
  void tlsKernelRecords(Connection& c);
  bool tlsCloseNotify(Connection& c);
  bool tlsPeerEnd(Connection& c);
  void tlsClosed(Connection& c);
  static bool tlsEstablished(const Connection& c);

  Connection* lookup(uint32_t slot, int32_t gen);
  static std::string addressText(int fd);
  void destroy(Connection* c);
  void setWritten(Connection& c);

  const int index_;
  const ServerConfig& config_;
  std::unique_ptr<FrameDecoder> decoder_;
  std::unique_ptr<FrameEncoder> encoder_;
  std::unique_ptr<Protocol> protocol_;
  bool transformsSends_ = false;  // protocol_->transformsSends(), asked once
  ChunkPool pool_;
  std::unique_ptr<IoBackend> backend_;
  EventBatch batch_;
  Inbox inbox_;
  BatchSink* sink_;
  double* written_;  // per-slot bytes written, read by JS (send()'s high-water mark)
  ServerCounters* shared_;  // connections and accept-report bursts, server-wide
  WorkerStats stats_;

  std::vector<Connection*> table_;
  std::vector<uint32_t> freeSlots_;
  std::mutex fdMu_;
  struct FdEntry {
    int fd = -1;
    int32_t gen = 0;
  };
  std::vector<FdEntry> fds_;  // guarded by fdMu_

  std::vector<Connection*> dirty_;     // output to flush at the end of the pass
  std::vector<Connection*> borrowers_; // output queues holding arena bytes by reference
  bool arenaUnpinned_ = false;         // an arena came free when a queue let go of it
  uint64_t passes_ = 0;                // afterPass() count (how long a borrow has lasted)
  std::vector<Connection*> blocked_;   // frames waiting for an arena
  std::vector<Connection*> lingering_; // closed for writing, waiting for the peer's FIN
  InboxContents inboxScratch_;
  std::vector<int> listeners_;
  std::vector<Connection*> zombies_;   // closed this pass, freed at its end
  bool inboxPending_ = false;
  bool readResumed_ = false;
  bool inline_ = false;
  bool delivering_ = false;
  bool applyDirect_ = false;  // submitCommands may apply in place (see afterPass)
  bool betweenFrames_ = false; // decodeInput: a full arena asks for a round (roundWanted_)
  bool roundWanted_ = false;   // ... and it did: plainInput runs roundBetweenFrames
  bool inRound_ = false;       // roundBetweenFrames is running
  bool closing_ = false;
  uint64_t closeDeadlineMs_ = 0;
  TimeoutSweep timeouts_;
  MemoryTrim trim_;  // gives a burst's freed pages back once idle (memory_trim.h)
  // What a freed block costs beyond its bytes (a tail's header and malloc's),
  // and what OpenSSL holds per connection (tls_memory_test: ~13 KB): for trim_.
  static constexpr size_t kParkedTailOverhead = 40;
  static constexpr size_t kTlsSessionBytes = 13 * 1024;
  RoomTable rooms_;
  std::vector<Connection*> broadcastVictims_;  // over maxOutbound during a fan-out
  std::vector<uint8_t> tlsPlain_;  // decrypted bytes of one record at a time (TLS servers)
  uint32_t handshaking_ = 0;       // TLS handshakes in progress (bounded: tlsMaxHandshakes)
  std::atomic<bool> done_{false};
  std::atomic<bool> stop_{false};
  bool doneQueued_ = false;
  std::thread thread_;
};

uint64_t monotonicMs();

}  // namespace ringnet
