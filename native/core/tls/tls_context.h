// A server's TLS identity: one OpenSSL SSL_CTX for the default certificate and
// one per SNI host name, with ALPN, versions, ciphers and session tickets set.
// Immutable once built; a reload (server.setSecureContext) builds a new one
// and swaps it in through TlsContextSlot, so handshakes in progress keep the
// context they started with and new ones get the new certificates.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tls_config.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace ringnet {

class TlsContext {
 public:
  // Null with *err set when the material is unusable (bad PEM, key that does
  // not match the certificate, wrong passphrase, unknown cipher, ...).
  static std::shared_ptr<const TlsContext> create(const TlsConfig& config, std::string* err);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A server-side SSL for one connection (null when OpenSSL is out of memory),
  // with SSL_OP_ENABLE_KTLS when kernel TLS is tried.
  SSL* newSession() const;

  // tls.ktls: 'auto' tries the kernel where it has the TLS ULP (probed once
  // per context), 'require' always (the JS layer refused it at createServer
  // when the probe failed); 'off' never. ktlsOffReason(): why not tried.
  bool tryKtls() const { return tryKtls_; }
  bool ktlsRequired() const { return ktlsMode_ == KtlsMode::kRequire; }
  const std::string& ktlsOffReason() const { return ktlsOffReason_; }

 private:
  TlsContext() = default;
  static int onServerName(SSL* ssl, int* alert, void* arg);
  static int onAlpn(SSL* ssl, const unsigned char** out, unsigned char* outLen,
                    const unsigned char* in, unsigned int inLen, void* arg);
  SSL_CTX* forHost(const std::string& host) const;

  SSL_CTX* main_ = nullptr;
  struct Host {
    std::string name;  // lower case; "*.x" matches one label
    SSL_CTX* ctx;
  };
  std::vector<Host> hosts_;
  std::vector<unsigned char> alpn_;  // wire format: length-prefixed names
  KtlsMode ktlsMode_ = KtlsMode::kAuto;
  bool tryKtls_ = false;
  std::string ktlsOffReason_;
};

// The context new connections get; swapped by a reload (any thread).
class TlsContextSlot {
 public:
  std::shared_ptr<const TlsContext> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }
  void set(std::shared_ptr<const TlsContext> ctx) {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::move(ctx);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const TlsContext> current_;
};

// OpenSSL's queued errors as one line ("lib: reason"), and the queue cleared.
std::string takeTlsErrors();

}  // namespace ringnet
