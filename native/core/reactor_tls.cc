// The reactor's TLS layer: between the bytes a backend receives and the
// decoder, and between the output queue and what the backend sends. Same for
// epoll and io_uring: a backend only ever sees Connection::wire() (the
// records) and reports what the kernel took.
//
//   input:  onData(ciphertext span) -> TlsSession reads it in place (BIO over
//           the span) -> plaintext, one record at a time, -> plainInput()
//   output: conn.out (plaintext, as queued by JS and protocols) -> SSL_write,
//           at most kCipherAhead ahead of the kernel -> tls->cipher -> backend
//   kTLS:   once OpenSSL handed TX keys over (tls/ktls_handover.h) and the
//           records it encrypted itself have drained, TLS_TX is set and
//           Connection::tlsOut cleared: the backends send conn.out as plain
//           TCP, the kernel encrypts; non-data records go with sendmsg here.
#include <sys/uio.h>

#include <cerrno>

#include "reactor.h"
#include "tls/tls_context.h"
#include "tls/tls_session.h"

namespace ringnet {

using namespace wire;

namespace {
// Records encrypted but not yet taken by the kernel. Beyond this, bytes wait
// as plaintext in conn.out, where maxOutbound and the high-water mark see them.
constexpr size_t kCipherAhead = 64 * 1024;
// The largest plaintext of one TLS record.
constexpr size_t kRecordPlain = 16 * 1024;
}  // namespace

bool Reactor::tlsEstablished(const Connection& c) { return c.tls && c.tls->established(); }

void Reactor::tlsAccept(Connection& c, TlsSession* session) {
  c.tls = session;
  c.tlsOut = &session->cipher;
  ++handshaking_;
  if (tlsPlain_.empty()) tlsPlain_.resize(kRecordPlain);
  if (config_.tlsHandshakeTimeoutMs != 0) {
    timeouts_.arm(c, coarseMs() + config_.tlsHandshakeTimeoutMs, kCloseTlsHandshakeTimeout);
  }
}

bool Reactor::tlsInput(Connection& c, const uint8_t* data, size_t len) {
  TlsSession& t = *c.tls;
  // After a failure or the peer's close_notify, nothing more is read.
  if (t.failed() || t.peerClosed()) return !c.closed;
  t.setInput(data, len);
  if (!t.established()) {
    TlsSession::Status st = t.handshake();
    if (!t.cipher.empty()) markDirty(c);  // the server's flight (or an alert)
    if (st == TlsSession::Status::kFailed) {
      tlsFail(c, kCloseTlsHandshakeFailed);
      return false;
    }
    if (st == TlsSession::Status::kNeedMore) return true;
    tlsHandshakeDone(c);
    if (c.closed) return false;
  }
  if (t.ktlsFatal()) {  // e.g. the peer asked for a KeyUpdate the kernel cannot follow
    closeNow(c, kCloseKtlsFailed, t.ktlsError(), false);
    return false;
  }
  // Decrypt the whole span even when the decoder is blocked or paused: the
  // span belongs to the backend; plaintext the decoder cannot take now waits
  // in the tail like plain input does.
  for (;;) {
    size_t n = 0;
    TlsSession::Status st = t.read(tlsPlain_.data(), tlsPlain_.size(), &n);
    if (st == TlsSession::Status::kData) {
      plainInput(c, tlsPlain_.data(), n);
      if (c.closed) return false;
      continue;
    }
    if (!t.cipher.empty() || t.ktlsHasRecords()) markDirty(c);  // a KeyUpdate answer, an alert
    if (t.ktlsFatal()) {
      closeNow(c, kCloseKtlsFailed, t.ktlsError(), false);
      return false;
    }
    if (st == TlsSession::Status::kFailed) {
      tlsFail(c, kCloseTlsError);
      return false;
    }
    if (st == TlsSession::Status::kPeerClosed) {
      onPeerEnd(c);  // close_notify: the TLS end of stream
      return false;
    }
    break;  // kNeedMore
  }
  return !c.blocked && !c.paused;
}

void Reactor::tlsHandshakeDone(Connection& c) {
  TlsSession& t = *c.tls;
  timeouts_.clear(c);
  --handshaking_;
  WorkerStats::add(stats_.tlsHandshakes, 1);
  batch_.open(c.slot, c.gen, t.peerText() + "|" + t.info());
  t.afterHandshake();
  protocol_->onOpen(*this, c);
}

void Reactor::tlsFail(Connection& c, int32_t reason) {
  c.closeErrno = c.tls->error();
  if (c.tls->ktlsRefused()) {
    // tls.ktls 'require' and the kernel did not take TX: nothing more is sent.
    closeNow(c, kCloseKtlsFailed, c.closeErrno, false);
    return;
  }
  if (c.tls->cipher.empty()) {
    closeNow(c, reason, c.closeErrno, false);
    return;
  }
  // OpenSSL queued an alert: it leaves first, then FIN.
  closeGracefully(c, reason);
  markDirty(c);
}

void Reactor::tlsEncrypt(Connection& c) {
  TlsSession& t = *c.tls;
  if (t.ktlsTxTaken()) {
    // OpenSSL encrypts nothing more: conn.out goes out plain once the kernel has TX.
    if (t.ktlsTxPending()) tlsKernelSwitch(c);
    if (!c.closed) tlsKernelRecords(c);
    return;
  }
  if (!t.established() || t.failed() || t.closeNotifySent()) return;
  size_t moved = 0;
  while (!c.out.empty() && t.cipher.size() < kCipherAhead) {
    iovec iov;
    c.out.gather(&iov, 1);
    size_t n = iov.iov_len < kRecordPlain ? iov.iov_len : kRecordPlain;
    if (!t.write(static_cast<const uint8_t*>(iov.iov_base), n)) {
      tlsFail(c, kCloseTlsError);
      return;
    }
    c.out.consume(pool_, n);
    moved += n;
  }
  if (moved == 0) return;
  // Plaintext handed to TLS counts as written (send()'s high-water mark):
  // what waits beyond it is bounded by kCipherAhead.
  c.bytesOut += moved;
  WorkerStats::add(stats_.bytesOut, moved);
  setWritten(c);
}

void Reactor::tlsWritten(Connection& c, size_t n) {
  TlsSession& t = *c.tls;
  t.cipher.consume(pool_, n);
  c.lastOutMs = coarseMs();
  if (t.ktlsTxPending()) {
    tlsKernelSwitch(c);
    return;
  }
  tlsEncrypt(c);
  if (c.closed) return;
  if (c.outputEmpty()) afterOutputDrained(c);
}

void Reactor::tlsKernelSwitch(Connection& c) {
  TlsSession& t = *c.tls;
  // Once the last record OpenSSL encrypted itself is in the kernel, the kernel
  // takes over. Not while an io_uring zero-copy send of records may still be
  // read by the kernel (their chunks are held by the records' queue): the
  // next flush retries.
  if (!t.cipher.empty() || t.cipher.holding()) return;
  if (!t.ktlsFinishTx()) {
    closeNow(c, kCloseKtlsFailed, t.ktlsError(), false);
    return;
  }
  c.tlsOut = nullptr;  // the backends send conn.out from now on (plain send)
  WorkerStats::add(stats_.ktlsTx, 1);
  markDirty(c);
}

void Reactor::tlsKernelRecords(Connection& c) {
  TlsSession& t = *c.tls;
  // Non-data records (a ticket, close_notify) after the plaintext queued
  // before them; nothing of conn.out is in flight once it is empty.
  if (!t.ktlsTxOn() || !t.ktlsHasRecords() || !c.out.empty()) return;
  if (!t.ktlsSendRecords()) {
    closeNow(c, kCloseKtlsFailed, t.ktlsError(), false);
    return;
  }
  if (!t.ktlsHasRecords() && c.outputEmpty()) afterOutputDrained(c);
}

bool Reactor::tlsCloseNotify(Connection& c) {
  if (c.writeShut || !c.tls->closeNotify()) return false;
  markDirty(c);
  return true;
}

bool Reactor::tlsPeerEnd(Connection& c) {
  TlsSession& t = *c.tls;
  if (!t.established()) {
    // The client gave up mid-handshake.
    closeNow(c, kClosePeer, 0, false);
    return true;
  }
  if (!t.peerClosed()) t.abrupt = true;  // TCP FIN without close_notify: reported at close
  return false;
}

void Reactor::tlsClosed(Connection& c) {
  TlsSession& t = *c.tls;
  t.cipher.clear(pool_);
  if (!t.established()) {
    // Never opened to JS: reported as a failed handshake, with its reason.
    --handshaking_;
    WorkerStats::add(stats_.tlsHandshakeFailures, 1);
    batch_.text(kEvTlsClientError, c.slot, c.closeErrno, t.peerText(), c.closeReason);
    return;
  }
  int32_t reason = c.closeReason;
  if (t.abrupt && (reason == kCloseLocal || reason == kClosePeer)) reason = kCloseTlsAbrupt;
  batch_.control(kEvClose, c.slot, c.gen, c.closeErrno, reason);
}

}  // namespace ringnet
