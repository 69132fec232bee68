// One connection's TLS state: an OpenSSL SSL whose BIO reads ciphertext
// straight from the span the backend received into (epoll's read buffer or an
// io_uring provided buffer: no copy into a memory BIO first) and writes
// records into `cipher`, the queue the backend sends from. Backend-agnostic:
// the reactor feeds it what onData brings and flushes what it produces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "../chunk_pool.h"
#include "../output_queue.h"
#include "ktls_handover.h"
#include "tls_context.h"

typedef struct bio_st BIO;
typedef struct bio_method_st BIO_METHOD;

namespace ringnet {

class TlsSession {
 public:
  // Null when OpenSSL cannot allocate the SSL. fd: the connection's socket,
  // for the kernel TLS hand-over when the context tries it (ktls_handover.h;
  // -1: none, a hand-over then fails and userspace goes on).
  static TlsSession* create(std::shared_ptr<const TlsContext> ctx, ChunkPool& pool,
                            std::string peerText, int fd = -1);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  enum class Status : uint8_t {
    kNeedMore,     // the input is used up; wait for more bytes
    kEstablished,  // the handshake just finished (application data may follow)
    kData,         // read(): bytes were returned
    kPeerClosed,   // close_notify received
    kFailed,       // protocol error: error() has OpenSSL's code, an alert may be in cipher
                   // (ktlsRefused(): tls.ktls 'require' and no kernel TX; error() has errno)
  };

  // Ciphertext for the calls below; valid until the caller's onData returns.
  // The whole span is always consumed: a partial record stays inside OpenSSL.
  void setInput(const uint8_t* data, size_t len) {
    in_ = data;
    inLen_ = len;
  }
  Status handshake();
  // Plaintext into buf; *n set with kData.
  Status read(uint8_t* buf, size_t cap, size_t* n);
  // Encrypts len plaintext bytes (one or more records) into cipher.
  bool write(const uint8_t* data, size_t len);
  // Queues close_notify once; false when already sent or not possible.
  bool closeNotify();

  bool established() const { return established_; }
  bool failed() const { return failed_; }
  bool peerClosed() const { return peerClosed_; }
  bool closeNotifySent() const { return closeNotifySent_; }
  // OpenSSL's packed error code of the failure (0: none, e.g. a plain EOF).
  int32_t error() const { return error_; }
  // "protocol|cipher|alpn|servername|resumed|ktlsTx|ktlsRx|ktlsReason" (src/tls.ts parses it).
  std::string info() const;
  // The peer's address text, kept until the handshake ends (for the failure report).
  const std::string& peerText() const { return peerText_; }
  // Drops what only the handshake needed.
  void afterHandshake();

  // Kernel TLS (ktls_handover.h). TX taken: OpenSSL no longer encrypts, the
  // reactor sends plaintext once the kernel has it (ktlsTxOn()).
  bool ktlsTxTaken() const { return ktls_ && ktls_->txTaken(); }
  bool ktlsTxPending() const { return ktls_ && ktls_->txPending(); }
  bool ktlsTxOn() const { return ktls_ && ktls_->txOn(); }
  bool ktlsFatal() const { return ktls_ && ktls_->fatal(); }
  bool ktlsRefused() const { return ktlsRefused_; }
  int ktlsError() const { return ktls_ ? ktls_->error() : 0; }
  // The queue drained: TLS_TX. False: the connection must close (ktlsError()).
  bool ktlsFinishTx() { return ktls_->finishTx(); }
  bool ktlsHasRecords() const { return ktls_ && ktls_->hasRecords(); }
  bool ktlsSendRecords() { return ktls_->sendRecords(); }
  // Why TX / RX stay in userspace ("" when both are the kernel's).
  std::string ktlsReason() const;

  OutputQueue cipher;  // records waiting for the kernel
  bool abrupt = false;  // the peer's FIN came without close_notify

 private:
  TlsSession(SSL* ssl, std::shared_ptr<const TlsContext> ctx, ChunkPool& pool,
             std::string peerText);
  Status failWith(int sslError);
  static int bioRead(BIO* b, char* out, int len);
  static int bioWrite(BIO* b, const char* data, int len);
  static long bioCtrl(BIO* b, int cmd, long num, void* ptr);
  static BIO_METHOD* bioMethod();

  SSL* ssl_;
  std::shared_ptr<const TlsContext> ctx_;  // held until the handshake ends (SNI/ALPN callbacks)
  ChunkPool& pool_;
  std::string peerText_;
  const uint8_t* in_ = nullptr;
  size_t inLen_ = 0;
  std::unique_ptr<KtlsHandover> ktls_;  // only while the kernel is tried or has TX
  int32_t error_ = 0;
  bool ktlsRequired_ = false;  // tls.ktls 'require'
  bool ktlsRefused_ = false;
  bool established_ = false;
  bool failed_ = false;
  bool peerClosed_ = false;
  bool closeNotifySent_ = false;
};

}  // namespace ringnet
