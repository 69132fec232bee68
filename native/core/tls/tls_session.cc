#include "tls_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <climits>
#include <cstring>

namespace ringnet {

namespace {
// OpenSSL 3.0's internal BIO controls for kTLS (include/internal/bio.h; the
// public bio.h lists them in a comment only).
constexpr int kBioSetKtls = 72;
constexpr int kBioSetKtlsCtrlMsg = 74;
constexpr int kBioClearKtlsCtrlMsg = 75;
}  // namespace

BIO_METHOD* TlsSession::bioMethod() {
  // One method table for the process (OpenSSL copies nothing from it).
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ringnet-span");
    BIO_meth_set_read(m, bioRead);
    BIO_meth_set_write(m, bioWrite);
    BIO_meth_set_ctrl(m, bioCtrl);
    BIO_meth_set_create(m, [](BIO* b) {
      BIO_set_init(b, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

TlsSession* TlsSession::create(std::shared_ptr<const TlsContext> ctx, ChunkPool& pool,
                               std::string peerText, int fd) {
  SSL* ssl = ctx->newSession();
  if (ssl == nullptr) return nullptr;
  BIO* bio = BIO_new(bioMethod());
  if (bio == nullptr) {
    SSL_free(ssl);
    return nullptr;
  }
  const bool tryKtls = ctx->tryKtls();
  const bool required = ctx->ktlsRequired();
  auto* s = new TlsSession(ssl, std::move(ctx), pool, std::move(peerText));
  if (tryKtls) s->ktls_.reset(new KtlsHandover(fd));
  s->ktlsRequired_ = required;
  BIO_set_data(bio, s);
  SSL_set_bio(ssl, bio, bio);  // one BIO both ways: SSL owns its one reference
  SSL_set_accept_state(ssl);
  return s;
}

TlsSession::TlsSession(SSL* ssl, std::shared_ptr<const TlsContext> ctx, ChunkPool& pool,
                       std::string peerText)
    : ssl_(ssl), ctx_(std::move(ctx)), pool_(pool), peerText_(std::move(peerText)) {}

TlsSession::~TlsSession() {
  SSL_free(ssl_);
  cipher.clear(pool_);
}

int TlsSession::bioRead(BIO* b, char* out, int len) {
  auto* s = static_cast<TlsSession*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  if (s->inLen_ == 0) {
    BIO_set_retry_read(b);  // not EOF: more comes with the next onData
    return -1;
  }
  size_t n = s->inLen_ < static_cast<size_t>(len) ? s->inLen_ : static_cast<size_t>(len);
  std::memcpy(out, s->in_, n);
  s->in_ += n;
  s->inLen_ -= n;
  return static_cast<int>(n);
}

int TlsSession::bioWrite(BIO* b, const char* data, int len) {
  auto* s = static_cast<TlsSession*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  if (s->ktls_ && s->ktls_->txTaken()) {
    // Plaintext of a non-data record: the kernel encrypts it (ktls_handover.h).
    s->ktls_->write(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(len));
    return len;
  }
  // Never refuses: the reactor bounds how much plaintext it encrypts ahead
  // of the kernel (and maxOutbound bounds the plaintext queue).
  s->cipher.append(s->pool_, reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(len));
  return len;
}

long TlsSession::bioCtrl(BIO* b, int cmd, long num, void* ptr) {
  auto* s = static_cast<TlsSession*>(BIO_get_data(b));
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;  // records are queued; the reactor flushes them
    case BIO_CTRL_GET_KTLS_SEND:
      return s->ktls_ && s->ktls_->txTaken() ? 1 : 0;
    case BIO_CTRL_GET_KTLS_RECV:
      return 0;  // never (ktls_handover.h)
    case kBioSetKtls:
      return s->ktls_ ? s->ktls_->offer(ptr, num != 0, !s->cipher.empty()) : 0;
    case kBioSetKtlsCtrlMsg:
      if (s->ktls_) s->ktls_->setRecordType(static_cast<uint8_t>(num));
      return 1;
    case kBioClearKtlsCtrlMsg:
      if (s->ktls_) s->ktls_->setRecordType(0);
      return 1;
    default:
      return 0;  // not supported on this BIO
  }
}

TlsSession::Status TlsSession::failWith(int sslError) {
  unsigned long e = ERR_peek_last_error();
  error_ = static_cast<int32_t>(e & 0x7fffffff);
  if (error_ == 0 && sslError == SSL_ERROR_SYSCALL) error_ = 0;  // EOF mid-record
  ERR_clear_error();
  failed_ = true;
  return Status::kFailed;
}

TlsSession::Status TlsSession::handshake() {
  if (failed_) return Status::kFailed;
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    if (ktlsRequired_ && !ktlsTxTaken()) {
      // tls.ktls 'require': a connection the kernel does not encrypt is refused.
      ktlsRefused_ = true;
      failed_ = true;
      error_ = ktls_ ? ktls_->error() : 0;
      return Status::kFailed;
    }
    established_ = true;
    return Status::kEstablished;
  }
  int e = SSL_get_error(ssl_, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Status::kNeedMore;
  return failWith(e);
}

TlsSession::Status TlsSession::read(uint8_t* buf, size_t cap, size_t* n) {
  if (failed_) return Status::kFailed;
  if (peerClosed_) return Status::kPeerClosed;
  ERR_clear_error();
  int r = SSL_read(ssl_, buf, static_cast<int>(cap > INT_MAX ? INT_MAX : cap));
  if (r > 0) {
    *n = static_cast<size_t>(r);
    return Status::kData;
  }
  int e = SSL_get_error(ssl_, r);
  // WANT_READ also covers records with no application data (a KeyUpdate,
  // which OpenSSL answers into cipher by itself, or a NewSessionTicket).
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Status::kNeedMore;
  if (e == SSL_ERROR_ZERO_RETURN) {
    peerClosed_ = true;
    return Status::kPeerClosed;
  }
  return failWith(e);
}

bool TlsSession::write(const uint8_t* data, size_t len) {
  if (failed_ || !established_ || closeNotifySent_) return false;
  ERR_clear_error();
  while (len > 0) {
    int chunk = len > (1u << 30) ? (1 << 30) : static_cast<int>(len);
    int r = SSL_write(ssl_, data, chunk);
    if (r <= 0) {
      failWith(SSL_get_error(ssl_, r));
      return false;
    }
    data += r;
    len -= static_cast<size_t>(r);
  }
  return true;
}

bool TlsSession::closeNotify() {
  if (closeNotifySent_ || !established_ || failed_) return false;
  closeNotifySent_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // queues the alert; we do not wait for the peer's
  ERR_clear_error();
  return !cipher.empty() || ktlsHasRecords();
}

void TlsSession::afterHandshake() {
  ctx_.reset();
  std::string().swap(peerText_);
  // Every offer comes during the handshake: a hand-over that did not take
  // TX has nothing more to do (its reason was reported with the open).
  if (ktls_ && !ktls_->txTaken()) ktls_.reset();
}

std::string TlsSession::ktlsReason() const {
  if (!ktls_) return ctx_ ? ctx_->ktlsOffReason() : std::string();
  std::string why = ktls_->reason();
  if (SSL_version(ssl_) == TLS1_3_VERSION) {
    if (!why.empty()) why += "; ";
    why += "rx: OpenSSL 3.0 has no TLS 1.3 receive offload";
  }
  return why;
}

std::string TlsSession::info() const {
  auto clean = [](const char* s, size_t n) {
    std::string out(s ? s : "", s ? n : 0);
    for (char& ch : out) {
      if (ch == '|' || static_cast<unsigned char>(ch) < 0x20) ch = '?';
    }
    return out;
  };
  const char* version = SSL_get_version(ssl_);
  const char* cipherName = SSL_get_cipher_name(ssl_);
  const unsigned char* alpn = nullptr;
  unsigned int alpnLen = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpnLen);
  const char* host = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  std::string out = clean(version, version ? std::strlen(version) : 0);
  out += '|';
  out += clean(cipherName, cipherName ? std::strlen(cipherName) : 0);
  out += '|';
  out += clean(reinterpret_cast<const char*>(alpn), alpnLen);
  out += '|';
  out += clean(host, host ? std::strlen(host) : 0);
  out += SSL_session_reused(ssl_) ? "|1" : "|0";
  // kTLS: TX taken is TX on once the queue drains (or the connection closes).
  out += ktlsTxTaken() ? "|1|0|" : "|0|0|";
  const std::string why = ktlsReason();
  out += clean(why.c_str(), why.size());
  return out;
}

}  // namespace ringnet
