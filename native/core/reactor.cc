#include "reactor.h"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iterator>

#include "backend_factory.h"
#include "codec_factory.h"
#include "listener.h"
#include "socket_options.h"
#include "tls/tls_session.h"

namespace ringnet {

using namespace wire;

uint64_t monotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

Reactor::Reactor(int index, const ServerConfig& config, std::vector<ArenaMemory> arenas,
                 double* writtenCounters, ServerCounters* shared,
                 BatchSink* sink)
    : index_(index),
      config_(config),
      decoder_(makeDecoder(config.framing)),
      encoder_(makeEncoder(config.framing)),
      protocol_(makeProtocol(config)),
      batch_(std::move(arenas)),
      sink_(sink),
      written_(writtenCounters),
      shared_(shared),
      timeouts_(config),
      rooms_(config.rooms.maxRoomsPerConnection) {
  pool_.setBorrowOwner(this);
  transformsSends_ = protocol_ != nullptr && protocol_->transformsSends();
}

Reactor::~Reactor() { releaseIo(); }

void Reactor::releaseIo() {
  join();
  // The backend goes first: an io_uring ring may still point at connections'
  // output chunks until it is torn down.
  backend_.reset();
  for (Connection*& c : table_) {
    if (!c) continue;
    if (c->fd >= 0) ::close(c->fd);
    c->out.clear(pool_);
    destroy(c);
    c = nullptr;
  }
  for (Connection* z : zombies_) destroy(z);
  zombies_.clear();
}

bool Reactor::init(std::string* err) {
  if (!decoder_ || !encoder_) {
    *err = "invalid framing configuration";
    return false;
  }
  backend_ = makeBackend(config_, pool_, err);
  if (!backend_) return false;
  return backend_->init(this, err);
}

// ---------------------------------------------------------------- threads

void Reactor::startThread() {
  thread_ = std::thread([this] { loop(); });
  // A name per worker thread ("ringnet-w0", ...) so tools can tell them apart:
  // top -H, perf, and the benchmark lab's per-worker CPU (/proc/<pid>/task/*/comm).
  char name[16];
  std::snprintf(name, sizeof(name), "ringnet-w%d", index_);
  pthread_setname_np(thread_.native_handle(), name);
}

void Reactor::join() {
  if (thread_.joinable()) thread_.join();
}

void Reactor::loop() {
  bool more = false;
  while (!done() && !stop_.load(std::memory_order_acquire)) {
    more = pass(more ? 0 : nextTimeoutMs());
  }
}

bool Reactor::runOnce() {
  if (done()) return false;
  return pass(0);
}

bool Reactor::pass(int timeoutMs) {
  bool more = backend_->run(timeoutMs);
  stats_.providedBuffers.store(backend_->buffersPublished(), std::memory_order_relaxed);
  stats_.providedBuffersHeld.store(backend_->buffersHeld(), std::memory_order_relaxed);
  readResumed_ = false;
  afterPass();
  // Reading resumed during the pass (resume(), an arena came back): the
  // backend has work that no new readiness event will announce.
  more = more || readResumed_ || !dirty_.empty() || inboxPending_;
  // Nothing left to do: the pages a burst freed go back (memory_trim.h).
  if (!more && trim_.onIdle(coarseMs())) {
    WorkerStats::add(stats_.memoryTrims, 1);
    stats_.memoryTrimNs.store(trim_.trimNs(), std::memory_order_relaxed);
  }
  return more;
}

void Reactor::resumeReading(Connection& c) {
  readResumed_ = true;
  backend_->resumeRead(c);
}

void Reactor::afterPass() {
  ++passes_;
  checkDeadlines();
  // Apply commands, write, hand events to JS. Threaded workers stop there: JS
  // answers through the inbox and wakes us. An inline worker's handlers run
  // inside publish(), so it goes round again to write what they sent and to
  // publish what that caused (a close, a drain) in this same pass.
  for (int round = 0; round < 8; ++round) {
    if (inboxPending_ || (inline_ && round > 0)) processInbox();
    flushDirty();
    settleBorrowed();
    if (closing_ && table_.size() == freeSlots_.size() && !doneQueued_) {
      doneQueued_ = true;
      batch_.control(kEvWorkerDone, 0, 0);
    }
    // An inline worker's handlers run inside this publish(); their commands
    // may be applied directly (submitCommands). Not in the publish() that
    // emitFrame() makes when an arena fills: that one is mid-decode, where a
    // close could free the connection being decoded.
    applyDirect_ = inline_;
    bool published = publish();
    applyDirect_ = false;
    if (!published || !inline_) break;
  }
  // Nothing borrowed outlives the pass (the rounds may end before a flush):
  // the arenas must come back for reading to go on.
  settleBorrowed();
  if (arenaUnpinned_) {
    arenaUnpinned_ = false;
    unblockConnections();
  }
  if (doneQueued_ && batch_.idle()) done_.store(true, std::memory_order_release);
  for (Connection* z : zombies_) destroy(z);
  zombies_.clear();
}

void Reactor::destroy(Connection* c) {
  delete c->tls;  // after the backend let go of its records (onClosed ran)
  delete c;
}

void Reactor::flushDirty() {
  for (size_t i = 0; i < dirty_.size(); ++i) {
    Connection* c = dirty_[i];
    c->inFlushList = false;
    if (c->closed) continue;
    if (c->tls) tlsEncrypt(*c);  // plaintext -> records, bounded ahead of the kernel
    if (!c->closed && !c->wire().empty()) backend_->flush(*c);
  }
  dirty_.clear();
  // Queues that lend arena bytes get them back only when their writes end:
  // io_uring submits its sends here and takes the ones the kernel finished
  // at once, so the arena comes back within this round, not a pass later.
  if (!borrowers_.empty()) backend_->completeWrites();
}

int Reactor::nextTimeoutMs() const {
  uint64_t next = 0;
  for (Connection* c : lingering_) {
    if (next == 0 || c->closeDeadlineMs < next) next = c->closeDeadlineMs;
  }
  if (closing_ && (next == 0 || closeDeadlineMs_ < next)) next = closeDeadlineMs_;
  // The sweep runs on the coarse clock, which lags the precise one by a few
  // ms at most: converting through "ms from now" keeps the two apart.
  if (uint64_t sweep = timeouts_.nextSweepMs(); sweep != 0) {
    uint64_t coarseNow = coarseMs();
    uint64_t at = monotonicMs() + (sweep > coarseNow ? sweep - coarseNow : 0);
    if (next == 0 || at < next) next = at;
  }
  // A trim waiting for its interval (the burst is over: nothing else may wake us).
  if (int64_t trim = trim_.dueInMs(coarseMs()); trim >= 0) {
    uint64_t at = monotonicMs() + static_cast<uint64_t>(trim);
    if (next == 0 || at < next) next = at;
  }
  if (!blocked_.empty() || doneQueued_) {
    // Waiting for JS to hand an arena back: it wakes us, but poll now and then
    // in case the wake raced with the check.
    if (next == 0) return 50;
  }
  if (next == 0) return -1;
  uint64_t now = monotonicMs();
  return next <= now ? 0 : static_cast<int>(next - now);
}

// ---------------------------------------------------------------- inbox

void Reactor::submitCommands(const uint8_t* data, size_t len, bool refs) {
  if (applyDirect_ && !inbox_.hasWork()) {
    // Inline worker, JS thread, between decoding rounds: apply JS's log in
    // place instead of copying it into the inbox (at 4 KiB frames that copy
    // was ~9% of the server's CPU). Not when the inbox holds earlier work:
    // that goes first, and processing it here could re-enter JS.
    applyCommands(data, len);
    return;
  }
  // An inline reactor delivering a batch applies commands right after the
  // handlers return: no wake-up needed.
  if (inbox_.pushCommands(data, len, refs)) wakeFromJs();
}

void Reactor::wakeFromJs() {
  if (inline_ && delivering_) {
    // Same thread, inside publish(): the pass picks it up (a later round, or
    // the next pass when the rounds ran out) without a wake-up syscall.
    inboxPending_ = true;
  } else {
    wakeBackend();
  }
}

void Reactor::adoptFd(int fd) {
  if (inbox_.pushFd(fd)) wakeBackend();
}

void Reactor::requestClose(uint32_t timeoutMs) {
  if (inbox_.requestClose(timeoutMs)) wakeBackend();
}

void Reactor::reportAcceptError(int err) {
  if (inbox_.acceptError(err)) wakeBackend();
}

void Reactor::countAcceptError() { WorkerStats::add(stats_.acceptErrors, 1); }

bool Reactor::submitBroadcast(Broadcast b) {
  bool wake = false;
  if (!inbox_.pushBroadcast(std::move(b), config_.rooms.maxPendingBroadcasts, &wake)) return false;
  if (wake) wakeFromJs();
  return true;
}

void Reactor::stop() {
  stop_.store(true, std::memory_order_release);
  wakeBackend();
}

void Reactor::wakeBackend() {
  // After releaseIo() (server finished) there is nothing left to wake.
  if (backend_) backend_->wake();
}

void Reactor::releaseArena(uint32_t arena) {
  // Commands JS submitted with this batch may point into the arena (sends by
  // reference): it is released after them, in order through the inbox. An
  // inline worker whose inbox holds no such command (they were applied in
  // place, the usual case) releases at once: on its thread nothing can slip
  // in between.
  if (inline_ && !inbox_.hasRefs()) {
    batch_.release(arena);
    if (inbox_.arenaReturned()) wakeFromJs();
    return;
  }
  if (inbox_.pushRelease(arena)) wakeFromJs();
}

bool Reactor::addListener(int fd, bool exclusive, std::string* err) {
  if (!backend_->addListener(fd, exclusive, err)) return false;
  listeners_.push_back(fd);
  return true;
}

void Reactor::processInbox() {
  inboxPending_ = false;
  InboxContents& in = inboxScratch_;
  inbox_.take(in);
  if (in.acceptError) {
    // From the main reactor (dispatch mode), which counted it and decided it
    // opens a burst (server_counters.h): only deliver it.
    batch_.control(kEvServerError, 0, 0, in.acceptError, kErrAccept);
  }
  for (int fd : in.fds) admit(fd);  // accepted by the main reactor (dispatch)
  if (!in.commands.empty()) applyCommands(in.commands.data(), in.commands.size());
  if (in.arenaReturned || !blocked_.empty()) unblockConnections();
  if (in.closeRequested && !closing_) beginServerClose(in.closeTimeoutMs);
  in.commands.clear();
  in.fds.clear();
  in.broadcasts.clear();  // drops this worker's references to the frames
}

void Reactor::applyCommands(const uint8_t* data, size_t len) {
  size_t pos = 0;
  while (pos + kCommandHeaderBytes <= len) {
    int32_t h[4];
    std::memcpy(h, data + pos, sizeof h);
    size_t payloadLen = static_cast<size_t>(h[3]);
    const uint8_t* payload = data + pos + kCommandHeaderBytes;
    pos += kCommandHeaderBytes + ((payloadLen + 3) & ~size_t{3});
    if (pos > len) break;  // a torn log is a bug on the JS side; never read past it
    if (h[0] == kCmdReleaseArena) {
      batch_.release(static_cast<uint32_t>(h[1]));
      continue;
    }
    if (h[0] == kCmdBroadcast) {
      uint32_t index;
      std::memcpy(&index, payload, 4);
      if (payloadLen == 4 && index < inboxScratch_.broadcasts.size()) {
        applyBroadcast(inboxScratch_.broadcasts[index]);
      }
      continue;
    }
    Connection* c = lookup(static_cast<uint32_t>(h[1]), h[2]);
    if (c) applyCommand(h[0], *c, payload, payloadLen);
  }
}

void Reactor::applyCommand(int32_t op, Connection& c, const uint8_t* payload, size_t len) {
  switch (op) {
    case kCmdSend:
      if (len >= encoder_->metaLength()) {
        const size_t meta = encoder_->metaLength();
        sendFrame(c, payload, meta, payload + meta, len - meta, -1);
      }
      return;
    case kCmdSendRef:
    case kCmdWriteRef:
      sendByReference(c, op, payload, len);
      return;
    case kCmdWrite:
      if (!c.endQueued && !c.writeShut && !c.sealed) enqueue(c, payload, len);
      return;
    case kCmdEnd:
      c.endQueued = true;
      if (c.outputEmpty()) afterOutputDrained(c);
      return;
    case kCmdClose:
      closeGracefully(c, kCloseLocal);
      return;
    case kCmdDestroy:
      closeNow(c, kCloseDestroy, 0, true);
      return;
    case kCmdPause:
      c.paused = true;
      return;
    case kCmdResume:
      resumeInput(c);
      return;
    case kCmdProtocol: {
      if (len < 4) return;
      int32_t protoOp;
      std::memcpy(&protoOp, payload, 4);
      protocol_->onCommand(*this, c, protoOp, payload + 4, len - 4);
      return;
    }
    case kCmdJoin:
      // JS enforces the same limits with typed errors; these keep a bad log harmless.
      if (len > 0 && len <= config_.rooms.maxRoomNameLength) {
        rooms_.join(c, std::string(reinterpret_cast<const char*>(payload), len));
      }
      return;
    case kCmdLeave:
      if (len > 0) rooms_.leave(c, std::string(reinterpret_cast<const char*>(payload), len));
      return;
    case kCmdWantDrain:
      if (c.outputEmpty()) {
        batch_.control(kEvDrain, c.slot, c.gen);
      } else {
        c.wantDrain = true;
      }
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------- accept

void Reactor::onAccepted(int fd) {
  shared_->accepted();  // this worker's own accept() worked (reuseport / exclusive)
  admit(fd);
}

void Reactor::admit(int fd) {
  uint32_t total = shared_->connections.load(std::memory_order_relaxed);
  const bool handshakesFull = config_.tls && handshaking_ >= config_.tlsMaxHandshakes;
  if (closing_ || total >= config_.maxConnections || handshakesFull) {
    // Over a limit: refuse at once, keep serving the others.
    ::close(fd);
    WorkerStats::add(stats_.rejected, 1);
    // Once per burst server-wide; stats count every one (server_counters.h).
    if (!closing_ && shared_->firstReject()) {
      batch_.control(kEvServerError, 0, 0, 0, handshakesFull ? kErrMaxHandshakes : kErrMaxConnections);
    }
    return;
  }
  TlsSession* tls = nullptr;
  if (config_.tls) {
    std::shared_ptr<const TlsContext> ctx = config_.tls->get();
    tls = ctx ? TlsSession::create(std::move(ctx), pool_, addressText(fd), fd) : nullptr;
    if (tls == nullptr) {  // out of memory: refuse this one
      ::close(fd);
      WorkerStats::add(stats_.rejected, 1);
      return;
    }
  }
  shared_->admitted();
  shared_->connections.fetch_add(1, std::memory_order_relaxed);

  auto* c = new Connection();
  c->fd = fd;
  if (freeSlots_.empty()) {
    c->slot = static_cast<uint32_t>(table_.size());
    table_.push_back(c);
    std::lock_guard<std::mutex> lock(fdMu_);
    fds_.push_back(FdEntry{});
  } else {
    c->slot = freeSlots_.back();
    freeSlots_.pop_back();
    table_[c->slot] = c;
  }
  static std::atomic<int32_t> generation{1};
  c->gen = generation.fetch_add(1, std::memory_order_relaxed) & 0x7fffffff;
  {
    std::lock_guard<std::mutex> lock(fdMu_);
    fds_[c->slot] = FdEntry{fd, c->gen};
  }
  written_[c->slot] = 0;
  c->lastInMs = c->lastOutMs = coarseMs();

  SockOpt failed;
  int err = applySockOpts(fd, config_.connectionOptions, &failed);
  (void)err;  // options were validated up front; a kernel refusal leaves the default

  WorkerStats::add(stats_.accepted, 1);
  WorkerStats::add(stats_.connections, 1);
  if (tls != nullptr) {
    tlsAccept(*c, tls);  // JS hears of it once the handshake is done
  } else if (config_.proxy.enabled) {
    // JS meets the connection once the PROXY header names its client (reactor_proxy.cc).
    c->proxyPending = true;
    if (config_.proxy.timeoutMs != 0) armDeadline(*c, config_.proxy.timeoutMs, kCloseProxyTimeout);
  } else {
    batch_.open(c->slot, c->gen, addressText(fd));
    protocol_->onOpen(*this, *c);
  }
  if (!backend_->attach(*c)) {
    closeNow(*c, kCloseError, errno, false);
  } else if (backend_->registeredFile(*c)) {
    WorkerStats::add(stats_.fixedFiles, 1);
  }
}

std::string Reactor::addressText(int fd) {
  BoundAddress peer, local;
  peerAddress(fd, &peer);
  localAddress(fd, &local);
  return peer.family + "|" + peer.address + "|" + std::to_string(peer.port) + "|" +
         local.address + "|" + std::to_string(local.port);
}


void Reactor::onAcceptError(int err) {
  WorkerStats::add(stats_.acceptErrors, 1);
  if (shared_->firstAcceptError()) batch_.control(kEvServerError, 0, 0, err, kErrAccept);
}

// ---------------------------------------------------------------- input

bool Reactor::onData(Connection& c, const uint8_t* data, size_t len) {
  c.lastInMs = coarseMs();
  WorkerStats::add(stats_.bytesIn, len);
  if (c.lingering || c.closed) return !c.closed;  // closing: input is discarded
  if (c.proxyPending) return proxyInput(c, data, len);
  return c.tls ? tlsInput(c, data, len) : plainInput(c, data, len);
}

// Decodes new input (data may be empty: then only what waits in the tail).
bool Reactor::plainInput(Connection& c, const uint8_t* data, size_t len) {
  for (;;) {
    if (c.tail.empty()) {
      size_t used = decodeInput(c, data, len);
      if (c.closed) return false;
      if (used < len && roundBetweenFrames(c)) {  // the arena was full: go on into the next
        data += used;
        len -= used;
        continue;
      }
      if (c.closed) return false;
      if (used < len && !keepInTail(c, data + used, len - used)) return false;
      break;
    }
    // The tail holds a partial frame: give it only the bytes that complete it
    // when the decoder knows how many (length, fixed, goim), so that the frames
    // after it are decoded where they lie instead of being copied through the
    // tail (with 8 KiB io_uring buffers and 4 KiB frames that was every byte).
    size_t take = len;
    if (c.tailNeeded > c.tail.size() && c.tailNeeded - c.tail.size() < len) {
      take = c.tailNeeded - c.tail.size();
    }
    if (take != 0 && !keepInTail(c, data, take)) return false;
    data += take;
    len -= take;
    size_t used = decodeInput(c, c.tail.data(), c.tail.size());
    if (c.closed) return false;
    c.tail.consume(used);
    if (c.blocked && roundBetweenFrames(c)) continue;
    if (c.closed) return false;
    if (c.blocked || c.paused) {  // the rest waits behind what the tail still holds
      if (len > 0 && !keepInTail(c, data, len)) return false;
      break;
    }
    if (len == 0) break;
  }
  protocol_->afterInput(*this, c, c.tail.size());
  if (c.closed) return false;
  return !c.blocked && !c.paused;
}

size_t Reactor::decodeInput(Connection& c, const uint8_t* data, size_t len) {
  // An inline worker decoding a backend's input on a plain connection may stop
  // at a full arena and run a round between frames (roundBetweenFrames).
  // Only where the round's writes end within it (epoll's flush(); io_uring's
  // completeWrites(), unless sends go zero-copy): the round's sends then let
  // go of the arena at once; elsewhere the batch is published mid-decode,
  // its sends copied.
  betweenFrames_ = inline_ && c.tls == nullptr && !delivering_ && !inRound_ &&
                   backend_->flushWritesNow();
  roundWanted_ = false;
  size_t used = decodeInto(c, data, len);
  betweenFrames_ = false;
  return used;
}

// The arena filled while an inline worker decoded c's input (roundWanted_,
// set by emitFrame instead of publishing mid-decode). Here, between two of
// c's frames, the rest of the input still in the backend's read buffer, it
// runs what the end of a pass would: the batch goes to the handlers, their
// commands are applied in place (sends of its frames by reference, no copy
// into the command log or the inbox), the output is written, and what the
// kernel did not take is copied out, so the arena comes back. (A publish in
// the middle of decodeInto cannot apply commands: one could close the
// connection being decoded; there they were copied, three times per byte.)
// True when c may go on decoding its input.
bool Reactor::roundBetweenFrames(Connection& c) {
  if (!roundWanted_) return false;
  roundWanted_ = false;
  if (c.closed) return false;
  inRound_ = true;
  applyDirect_ = true;
  publish();
  applyDirect_ = false;
  // Commands that wait in the inbox (the handlers' own go behind them there),
  // and the arenas released after them.
  if (inboxPending_ || inbox_.hasWork()) processInbox();
  flushDirty();
  settleBorrowed();
  inRound_ = false;
  if (c.closed) return false;
  if (!c.blocked) return true;  // a resume applied during the round unblocked it already
  if (!batch_.canAcceptFrames()) return false;
  c.blocked = false;
  auto it = std::find(blocked_.rbegin(), blocked_.rend(), &c);
  if (it != blocked_.rend()) blocked_.erase(std::next(it).base());
  return true;
}

bool Reactor::keepInTail(Connection& c, const uint8_t* data, size_t len) {
  if (!c.tail.append(data, len)) {
    closeNow(c, kCloseError, ENOMEM, false);
    return false;
  }
  // Parked while the batch to JS is full (a burst): freed in bulk once it drains.
  if (c.blocked) trim_.note(len + kParkedTailOverhead);
  WorkerStats::add(stats_.copiedToTail, len);
  return true;
}

size_t Reactor::decodeInto(Connection& c, const uint8_t* data, size_t len) {
  size_t pos = 0;
  c.tailNeeded = 0;
  while (pos < len && !c.paused) {
    DecodeResult r = decoder_->decode(data + pos, len - pos, c.decoder);
    if (r.status == DecodeStatus::kNeedMore) {
      // What the partial frame at pos (the tail's start, once kept) needs in all.
      c.tailNeeded = r.needed <= UINT32_MAX ? static_cast<uint32_t>(r.needed) : 0;
      break;
    }
    if (r.status == DecodeStatus::kError) {
      if (protocol_->onDecodeError(*this, c, r)) {
        // The protocol answers and closes (HTTP 400...): decode nothing more;
        // a graceful close discards the rest of the input.
        c.paused = true;
        return pos;
      }
      closeNow(c, r.error == CodecError::kFrameTooLarge ? kCloseFrameTooLarge : kCloseBadFrame, 0,
               false);
      return pos;
    }
    int32_t reason = kCloseBadFrame;
    FrameVerdict verdict = protocol_->onFrame(*this, c, data + pos, r, &reason);
    if (verdict == FrameVerdict::kClose) {
      closeNow(c, reason, 0, false);
      return pos;
    }
    if (verdict == FrameVerdict::kDeliver) {
      FrameBytes out = protocol_->frameForJs(c, data + pos, r);
      if (!emitFrame(c, out)) {
        if (!c.blocked) {  // listed once: onClosed removes one entry
          c.blocked = true;
          blocked_.push_back(&c);
        }
        break;
      }
      protocol_->onDelivered(*this, c);
    }
    pos += r.consumed;
  }
  return pos;
}

bool Reactor::emitFrame(Connection& c, const FrameBytes& out) {
  const size_t len = out.length;
  if (!batch_.frame(c.slot, c.gen, out.data, len, out.kind, out.maskKey)) {
    // Decoding while JS holds a batch (a resume applied in place): never
    // re-enter JS; the connection waits in blocked_ like any other.
    if (delivering_) return false;
    // Between frames of a backend's input: the caller hands the batch to JS
    // where commands can be applied (roundBetweenFrames).
    if (betweenFrames_) {
      roundWanted_ = true;
      return false;
    }
    // The arena is full: hand it to JS now and try the next one.
    publish();
    if (!batch_.frame(c.slot, c.gen, out.data, len, out.kind, out.maskKey)) return false;
  }
  WorkerStats::add(stats_.framesIn, 1);
  // Big frames travel in a buffer of their own, copied again into a JS Buffer.
  WorkerStats::add(stats_.copiedToArena, len > batch_.bigFrameBytes() ? 2 * len : len);
  return true;
}

void Reactor::unblockConnections() {
  if (blocked_.empty() || !batch_.canAcceptFrames()) return;
  std::vector<Connection*> waiting;
  waiting.swap(blocked_);
  size_t i = 0;
  for (; i < waiting.size(); ++i) {
    Connection& c = *waiting[i];
    if (c.closed || !c.blocked) continue;
    c.blocked = false;
    if (!c.tail.empty()) {
      size_t used = decodeInto(c, c.tail.data(), c.tail.size());
      if (c.closed) continue;
      c.tail.consume(used);
    }
    if (c.blocked) break;  // out of room again: the rest keep waiting, in order
    if (!c.paused) resumeReading(c);
  }
  for (++i; i < waiting.size(); ++i) blocked_.push_back(waiting[i]);
}

void Reactor::onPeerEnd(Connection& c) {
  if (c.peerEnded || c.closed) return;
  if (c.tls && tlsPeerEnd(c)) return;
  c.peerEnded = true;
  if (c.proxyPending) {  // FIN before (the rest of) the header: it is missing
    const proxy::Error e = c.tail.empty() ? proxy::Error::kNotProxy : proxy::Error::kTruncated;
    closeNow(c, kCloseProxyError, static_cast<int>(e), false);
    return;
  }
  if (c.lingering) {
    closeNow(c, c.closeReason, c.closeErrno, false);
    return;
  }
  // The bytes of an incomplete frame the FIN cut off can never complete: say
  // how many (onEnd's `truncated`), instead of dropping them silently.
  const size_t truncated = c.tail.size();
  batch_.control(kEvEnd, c.slot, c.gen, static_cast<int32_t>(truncated > INT32_MAX ? INT32_MAX : truncated));
  if (c.writeShut && c.outputEmpty()) closeNow(c, kCloseLocal, 0, false);
}

// ---------------------------------------------------------------- output

// Payloads from this size up, sent back from a batch arena, are queued by
// reference (no copy) when the backend writes during flush(); smaller ones
// are copied into the output queue, where many share one iovec (an iovec per
// small frame costs the kernel more than the copy).
constexpr size_t kBorrowFromBytes = 1024;

// `meta` (metaLength bytes: goim's ver, op, seq; WebSocket's opcode) describes
// the frame of `payload`; `arena` >= 0: the payload is bytes of that arena (a
// send by reference).
void Reactor::sendFrame(Connection& c, const uint8_t* meta, size_t metaLen, const uint8_t* payload, size_t body,
                        int arena) {
  // After end() (or the protocol's last message, c.sealed): dropped, as JS documents.
  if (c.endQueued || c.writeShut || c.sealed || c.closed) return;
  if (metaLen != encoder_->metaLength()) return;  // a bug on the JS side: never guess the frame
  uint8_t header[64];
  size_t jsCounted = 0;  // the frame's size as JS counted it, when the protocol changed it
  if (transformsSends_) {
    const uint8_t* originalMeta = meta;
    const size_t originalBody = body;
    const uint8_t* originalPayload = payload;
    if (protocol_->transformSend(c, meta, metaLen, payload, body, &meta, &payload, &body)) {
      const int oh = encoder_->headerFor(originalMeta, originalPayload, originalBody, header);
      if (oh < 0) return;
      jsCounted = static_cast<size_t>(oh) + originalBody;
      arena = -1;  // the protocol's bytes now (compressed), not the arena's
    }
  }
  // No meta: the protocol built the whole frame (protocol.h).
  int h = meta == nullptr ? 0 : encoder_->headerFor(meta, payload, body, header);
  if (h < 0) return;  // JS validated; never write a corrupt frame
  size_t trailerLen = 0;
  const uint8_t* trailer = meta == nullptr ? nullptr : encoder_->trailer(&trailerLen);
  // Never on a TLS connection while userspace encrypts: its output queue holds
  // plaintext for the TLS session (reactor_tls.cc), which must never reach the
  // kernel as it is (after a kTLS hand-over it does: the kernel encrypts).
  if (arena >= 0 && c.tlsOut == nullptr && body >= kBorrowFromBytes && backend_->canSendBorrowed()) {
    if (c.out.size() + static_cast<size_t>(h) + body + trailerLen > config_.maxOutbound) {
      closeNow(c, kCloseBackpressure, 0, true);
      return;
    }
    c.out.append(pool_, header, static_cast<size_t>(h));
    c.out.appendBorrowed(payload, body, static_cast<uint32_t>(arena));
    batch_.pin(static_cast<uint32_t>(arena));
    c.out.append(pool_, trailer, trailerLen);
    WorkerStats::add(stats_.copiedToOutput, static_cast<uint64_t>(h) + trailerLen);
    WorkerStats::add(stats_.sentByReference, body);
    if (!c.inBorrowers) {
      c.inBorrowers = true;
      c.borrowPass = static_cast<uint32_t>(passes_);
      borrowers_.push_back(&c);
    }
    markDirty(c);
  } else {
    enqueueFrame(c, header, static_cast<size_t>(h), payload, body, trailer, trailerLen);
  }
  if (jsCounted != 0 && !c.closed) {
    // JS counts what it submitted; the bytes compression saved will never be
    // written, so they count as written now (nativeOut wraps, setWritten
    // reads the difference as signed).
    c.nativeOut -= jsCounted - (static_cast<size_t>(h) + body + trailerLen);
    setWritten(c);
  }
  WorkerStats::add(stats_.framesOut, 1);
}

// ref: uint32 arena, offset, length, then (kCmdSendRef) the frame's meta bytes
// when the framing has meta (WebSocket: the opcode; goim: ver, op, seq).
void Reactor::sendByReference(Connection& c, int32_t op, const uint8_t* ref, size_t len) {
  if (len < 12 || (op == kCmdWriteRef && len != 12)) return;
  uint32_t r[3];
  std::memcpy(r, ref, sizeof r);
  // JS only refers to the arena of the batch it is handling, which stays with
  // JS until this command has been applied (releaseArena orders after it).
  const uint8_t* bytes = batch_.bytesWithJs(r[0], r[1], r[2]);
  if (bytes == nullptr) return;  // a bug on the JS side: never read outside the arena
  if (op == kCmdSendRef) {
    // Without meta bytes (framings that have none) the payload stands in for them, as before.
    const bool withMeta = len > 12;
    sendFrame(c, withMeta ? ref + 12 : bytes, withMeta ? len - 12 : encoder_->metaLength(), bytes, r[2],
              static_cast<int>(r[0]));
  } else if (!c.endQueued && !c.writeShut && !c.sealed) {
    enqueue(c, bytes, r[2]);
  }
}

void Reactor::settleBorrowed() {
  // After a flush: bytes lent from an arena that no write points at (the
  // kernel did not take them, or they were never tried) are copied out, so an
  // arena never waits for a slow peer. A write still in flight (io_uring)
  // keeps them until its completion; one that outlived a whole pass is most
  // likely waiting for a full socket: it is cancelled (onWritten then copies).
  size_t kept = 0;
  for (Connection* c : borrowers_) {
    if (c->closed || !c->out.hasBorrowed()) {  // (a closed queue let go when cleared)
      c->inBorrowers = false;
      continue;
    }
    if (!backend_->writeInFlight(*c)) {
      c->inBorrowers = false;
      WorkerStats::add(stats_.copiedToOutput, c->out.detachBorrowed(pool_));
      continue;
    }
    // Modular: borrowPass keeps the low 32 bits of the pass count.
    if (static_cast<uint32_t>(passes_) - c->borrowPass > 1) backend_->cancelWrite(*c);
    borrowers_[kept++] = c;
  }
  borrowers_.resize(kept);
}

void Reactor::returnBorrowed(uint32_t arena) {
  batch_.unpin(arena);
  arenaUnpinned_ = true;
}

void Reactor::enqueue(Connection& c, const uint8_t* data, size_t len) {
  if (len == 0 || c.closed) return;
  if (c.out.size() + len > config_.maxOutbound) {
    closeNow(c, kCloseBackpressure, 0, true);
    return;
  }
  c.out.append(pool_, data, len);
  WorkerStats::add(stats_.copiedToOutput, len);
  markDirty(c);
}

void Reactor::enqueueFrame(Connection& c, const uint8_t* header, size_t headerLen,
                           const uint8_t* payload, size_t len, const uint8_t* trailer,
                           size_t trailerLen) {
  if (c.closed) return;
  if (c.out.size() + headerLen + len + trailerLen > config_.maxOutbound) {
    closeNow(c, kCloseBackpressure, 0, true);
    return;
  }
  c.out.appendFrame(pool_, header, headerLen, payload, len, trailer, trailerLen);
  WorkerStats::add(stats_.copiedToOutput, headerLen + len + trailerLen);
  markDirty(c);
}

void Reactor::reply(Connection& c, const uint8_t* data, size_t len) {
  if (len == 0 || c.closed) return;
  enqueue(c, data, len);
  if (c.closed) return;
  // JS computes a connection's queued bytes from the written counter: bytes
  // it never submitted must not count as its own.
  c.nativeOut += len;
  setWritten(c);
}

// ---------------------------------------------------------------- broadcast

// Below this size a member's copy costs less than a shared reference (an
// atomic count and one more iovec): small frames share a pooled chunk with
// the connection's other output.
constexpr size_t kShareFromBytes = 1024;

bool Reactor::queueBroadcast(Connection& c, SharedBytes& frame) {
  if (c.proxyPending) return true;  // not a member of anything yet
  if (c.closed || c.lingering || c.closeQueued || c.endQueued || c.writeShut || c.sealed) return true;
  const size_t n = frame.size();
  if (c.out.size() + n > config_.maxOutbound) return false;
  if (n < kShareFromBytes) {
    c.out.append(pool_, frame.data(), n);
    WorkerStats::add(stats_.copiedToOutput, n);
  } else {
    c.out.appendShared(&frame);
  }
  c.nativeOut += n;
  setWritten(c);
  markDirty(c);
  WorkerStats::add(stats_.framesOut, 1);
  return true;
}

void Reactor::applyBroadcast(const Broadcast& b) {
  SharedBytes* plain = b.frame.get();
  if (plain == nullptr) return;
  SharedBytes* compressed = b.compressed.get();
  // Each member gets the encoding it negotiated (both encoded once, on the JS thread).
  auto frameFor = [&](Connection& c) -> SharedBytes& {
    return compressed != nullptr && protocol_->takesCompressedBroadcast(c) ? *compressed : *plain;
  };
  // A slow member is closed after the fan-out: closing leaves its rooms,
  // which must not happen while the member list is being walked.
  broadcastVictims_.clear();
  if (b.all) {
    for (Connection* c : table_) {
      if (c != nullptr && !queueBroadcast(*c, frameFor(*c))) broadcastVictims_.push_back(c);
    }
  } else if (Room* room = rooms_.find(b.room)) {
    for (Connection* c : room->members) {
      if (!queueBroadcast(*c, frameFor(*c))) broadcastVictims_.push_back(c);
    }
  }
  for (Connection* c : broadcastVictims_) closeNow(*c, kCloseBackpressure, 0, true);
  broadcastVictims_.clear();
}

void Reactor::markDirty(Connection& c) {
  if (c.inFlushList) return;
  c.inFlushList = true;
  dirty_.push_back(&c);
}

void Reactor::onWritten(Connection& c, size_t n, bool whole) {
  if (c.tlsOut != nullptr) {  // records (after a kTLS hand-over: the plain queue, below)
    tlsWritten(c, n);
    return;
  }
  c.out.consume(pool_, n);
  // A short write means a full socket: lent bytes it left are copied out
  // before anything is sent again (the kernel is done with this write).
  if (!whole && c.out.hasBorrowed()) {
    WorkerStats::add(stats_.copiedToOutput, c.out.detachBorrowed(pool_));
  }
  c.bytesOut += n;
  c.lastOutMs = coarseMs();
  WorkerStats::add(stats_.bytesOut, n);
  setWritten(c);
  if (c.out.empty()) afterOutputDrained(c);
}

void Reactor::setWritten(Connection& c) {
  // Can dip below zero while native bytes (replies, broadcasts) are queued.
  double v = static_cast<double>(static_cast<int64_t>(c.bytesOut - c.nativeOut));
  __atomic_store(&written_[c.slot], &v, __ATOMIC_RELAXED);
}

void Reactor::afterOutputDrained(Connection& c) {
  if (c.closed) return;
  if (c.wantDrain) {
    c.wantDrain = false;
    batch_.control(kEvDrain, c.slot, c.gen);
  }
  if (c.closeQueued) {
    finishGracefulClose(c);
  } else if (c.endQueued && !c.writeShut) {
    if (c.tls && tlsCloseNotify(c)) return;  // FIN once close_notify is out
    c.writeShut = true;
    backend_->shutdownWrite(c);
    if (c.peerEnded) closeNow(c, kClosePeer, 0, false);
  }
}

// ---------------------------------------------------------------- closing

void Reactor::closeGracefully(Connection& c, int32_t reason) {
  if (c.closed || c.closeQueued) return;
  c.closeQueued = true;
  c.closeReason = reason;
  if (c.outputEmpty()) finishGracefulClose(c);
}

void Reactor::finishGracefulClose(Connection& c) {
  if (c.lingering || c.closed) return;
  if (c.tls && tlsCloseNotify(c)) return;  // back here once it is flushed
  if (c.peerEnded) {
    closeNow(c, c.closeReason, c.closeErrno, false);
    return;
  }
  // FIN now, then read and discard until the peer's FIN: closing with unread
  // input would send RST and could destroy responses the peer has not read.
  if (!c.writeShut) {
    c.writeShut = true;
    backend_->shutdownWrite(c);
  }
  c.lingering = true;
  c.closeDeadlineMs = monotonicMs() + config_.closeLingerMs;
  lingering_.push_back(&c);
  c.paused = false;
  c.blocked = false;  // input is discarded from now on: nothing waits for an arena
  if (!c.tail.empty()) c.tail.release();
  resumeReading(c);
}

void Reactor::resumeInput(Connection& c) {
  if (!c.paused || c.closed) return;
  c.paused = false;
  if (c.blocked) return;  // resumes when an arena comes back
  if (!c.tail.empty()) {
    // Frames decoded before the pause may be waiting in the tail.
    c.blocked = true;
    blocked_.push_back(&c);
    unblockConnections();
  } else {
    resumeReading(c);
  }
}

void Reactor::closeAfterFlush(Connection& c, int32_t reason, int32_t detail) {
  if (c.closed || c.closeQueued) return;
  c.closeErrno = detail;  // reported with the close event (closeNow keeps it)
  closeGracefully(c, reason);
}

void Reactor::closeNow(Connection& c, int32_t reason, int err, bool abortive) {
  if (c.closed) return;
  if (c.proxyPending) {
    // JS has not met it: announce it (the socket's addresses) so the close
    // it is about to get has a connection, and its reason is seen.
    c.proxyPending = false;
    announceOpen(c, nullptr);
  }
  c.closed = true;
  c.closeReason = reason;
  if (c.lingering) {
    // Off the deadline list now: the backend may report onClosed later.
    for (size_t i = 0; i < lingering_.size(); ++i) {
      if (lingering_[i] == &c) {
        lingering_[i] = lingering_.back();
        lingering_.pop_back();
        break;
      }
    }
  }
  c.closeErrno = err;
  timeouts_.clear(c);
  rooms_.leaveAll(c);
  {
    std::lock_guard<std::mutex> lock(fdMu_);
    fds_[c.slot] = FdEntry{};
  }
  backend_->close(c, abortive);
}

void Reactor::onIoError(Connection& c, int err) {
  if (c.closed) return;
  if (c.lingering) {
    closeNow(c, c.closeReason, c.closeErrno, false);
    return;
  }
  int32_t reason = err == ECONNRESET ? kCloseReset : err == EPIPE ? kClosePeer : kCloseError;
  closeNow(c, reason, err, false);
}

void Reactor::onClosed(Connection& c) {
  trim_.note(sizeof(Connection) + (c.tls ? kTlsSessionBytes : 0));
  c.out.clear(pool_);
  c.tail.release();
  if (c.tls) {
    tlsClosed(c);  // a handshake that never finished is reported as such, not as a close
  } else {
    batch_.control(kEvClose, c.slot, c.gen, c.closeErrno, c.closeReason);
  }
  table_[c.slot] = nullptr;
  freeSlots_.push_back(c.slot);
  shared_->connections.fetch_sub(1, std::memory_order_relaxed);
  WorkerStats::add(stats_.connections, static_cast<uint64_t>(-1));
  WorkerStats::add(stats_.closed, 1);
  // (closeNow already took it off lingering_.)
  for (size_t i = 0; i < blocked_.size(); ++i) {
    if (blocked_[i] == &c) {
      blocked_.erase(blocked_.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  // Lists and the backend may still point at it until the pass ends: they
  // skip closed connections, and it is freed in afterPass().
  zombies_.push_back(&c);
}

void Reactor::checkDeadlines() {
  if (uint64_t now = coarseMs(); timeouts_.due(now)) {
    timeouts_.sweep(now, table_, [this](Connection& c, int32_t reason) { expire(c, reason); });
  }
  if (lingering_.empty() && !closing_) return;
  uint64_t now = monotonicMs();
  for (size_t i = 0; i < lingering_.size();) {
    Connection* c = lingering_[i];
    if (c->closeDeadlineMs <= now) {
      closeNow(*c, c->closeReason, c->closeErrno, false);  // removes it from lingering_
    } else {
      ++i;
    }
  }
  if (closing_ && closeDeadlineMs_ <= now) {
    for (Connection* c : table_) {
      if (c && !c->closed) closeNow(*c, kCloseServerTimeout, 0, true);
    }
  }
}

void Reactor::expire(Connection& c, int32_t reason) {
  if (c.proxyPending || (c.tls && !tlsEstablished(c))) {
    // A peer that never sent its PROXY header, or mid-handshake (a slowloris,
    // or a silent client): nothing of ours to flush and no FIN to wait for.
    closeNow(c, reason, 0, false);
    return;
  }
  if (c.deadlineMs != 0 && reason == c.deadlineReason && c.deadlineMs <= coarseMs()) {
    // The protocol's own deadline: it may handle it (WebSocket: ping, then close).
    timeouts_.clear(c);
    if (protocol_->onDeadline(*this, c, reason)) return;
  }
  // Nothing queued: a graceful close (FIN, bounded linger). Output still
  // queued means the peer is not reading it: it cannot arrive in time, reset.
  if (c.outputEmpty() && !c.closeQueued) {
    protocol_->onTimeout(*this, c, reason);  // may queue a last answer, flushed before the FIN
    closeGracefully(c, reason);
  } else {
    closeNow(c, reason, c.closeQueued ? c.closeErrno : 0, true);
  }
}

void Reactor::beginServerClose(uint32_t timeoutMs) {
  closing_ = true;
  closeDeadlineMs_ = monotonicMs() + timeoutMs;
  for (int fd : listeners_) backend_->removeListener(fd);
  listeners_.clear();
  for (Connection* c : table_) {
    if (!c || c->closed || c->closeQueued) continue;
    if (c->proxyPending) {
      closeNow(*c, kCloseServerClose, 0, false);
      continue;
    }
    // A protocol that still owes answers (HTTP in-flight requests) closes the
    // connection itself once they are out.
    if (!c->lingering && protocol_->holdsOpenOnServerClose(*this, *c)) continue;
    closeGracefully(*c, kCloseServerClose);
  }
}

// ---------------------------------------------------------------- helpers

Connection* Reactor::lookup(uint32_t slot, int32_t gen) {
  if (slot >= table_.size()) return nullptr;
  Connection* c = table_[slot];
  if (!c || c->gen != gen || c->closed) return nullptr;
  return c;
}

int Reactor::withFd(uint32_t slot, int32_t gen, int (*fn)(int fd, void* ctx), void* ctx) {
  std::lock_guard<std::mutex> lock(fdMu_);
  if (slot >= fds_.size() || fds_[slot].fd < 0 || fds_[slot].gen != gen) return EBADF;
  return fn(fds_[slot].fd, ctx);
}

bool Reactor::publish() {
  PublishedBatch b;
  if (!batch_.publish(&b)) return false;
  WorkerStats::add(stats_.batches, 1);
  delivering_ = true;
  sink_->deliver(*this, b);
  delivering_ = false;
  return true;
}

}  // namespace ringnet
