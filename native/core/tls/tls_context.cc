#include "tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509err.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "ktls.h"

namespace ringnet {

std::string takeTlsErrors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

int passphraseCallback(char* buf, int size, int, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  if (pass == nullptr || pass->empty()) return -1;  // encrypted key, no passphrase: fail
  int n = std::min(size, static_cast<int>(pass->size()));
  std::memcpy(buf, pass->data(), static_cast<size_t>(n));
  return n;
}

bool fail(std::string* err, const std::string& what) {
  std::string detail = takeTlsErrors();
  *err = detail.empty() ? what : what + " (" + detail + ")";
  return false;
}

// Certificate chain and key from PEM text into ctx.
bool useIdentity(SSL_CTX* ctx, const TlsIdentity& id, const std::string& label, std::string* err) {
  BioPtr certBio = memBio(id.cert);
  X509* leaf = certBio ? PEM_read_bio_X509_AUX(certBio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (leaf == nullptr) return fail(err, label + "cert: no PEM certificate found");
  int ok = SSL_CTX_use_certificate(ctx, leaf);
  X509_free(leaf);
  if (ok != 1) return fail(err, label + "cert: rejected");
  // The rest of the PEM is the chain, in order.
  while (X509* extra = PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      return fail(err, label + "cert: chain certificate rejected");
    }
  }
  ERR_clear_error();  // the loop ends on "no start line"

  BioPtr keyBio = memBio(id.key);
  EVP_PKEY* key = keyBio ? PEM_read_bio_PrivateKey(keyBio.get(), nullptr, passphraseCallback,
                                                   const_cast<std::string*>(&id.passphrase))
                         : nullptr;
  if (key == nullptr) {
    return fail(err, label + (id.passphrase.empty() ? "key: no usable PEM private key (encrypted keys need passphrase)"
                                                    : "key: no usable PEM private key (wrong passphrase?)"));
  }
  ok = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (ok != 1) {
    bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    return fail(err, label + (mismatch ? "key does not match the certificate" : "key: rejected"));
  }
  if (SSL_CTX_check_private_key(ctx) != 1) return fail(err, label + "key does not match the certificate");
  return true;
}

bool addCa(SSL_CTX* ctx, const std::string& pem, std::string* err) {
  if (pem.empty()) return true;
  BioPtr bio = memBio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int n = 0;
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, c);
    X509_free(c);
    ++n;
  }
  ERR_clear_error();
  if (n == 0) return fail(err, "tls.ca: no PEM certificate found");
  return true;
}

// Splits Node-style `ciphers` into TLS 1.2 cipher list and TLS 1.3 suites.
bool applyCiphers(SSL_CTX* ctx, const std::string& ciphers, std::string* err) {
  if (ciphers.empty()) return true;
  std::string v12, v13;
  size_t pos = 0;
  while (pos <= ciphers.size()) {
    size_t end = ciphers.find(':', pos);
    if (end == std::string::npos) end = ciphers.size();
    std::string name = ciphers.substr(pos, end - pos);
    if (!name.empty()) {
      std::string& to = name.rfind("TLS_", 0) == 0 ? v13 : v12;
      if (!to.empty()) to += ':';
      to += name;
    }
    pos = end + 1;
  }
  if (!v12.empty() && SSL_CTX_set_cipher_list(ctx, v12.c_str()) != 1) {
    return fail(err, "tls.ciphers: no usable TLS 1.2 cipher in '" + v12 + "'");
  }
  if (!v13.empty() && SSL_CTX_set_ciphersuites(ctx, v13.c_str()) != 1) {
    return fail(err, "tls.ciphers: no usable TLS 1.3 suite in '" + v13 + "'");
  }
  return true;
}

SSL_CTX* newCtx(const TlsConfig& config, std::string* err) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    fail(err, "tls: SSL_CTX_new failed");
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, config.minVersion);
  // No renegotiation (client- or server-initiated), no compression (CRIME),
  // the server's cipher order. Idle connections give their record buffers
  // back (SSL_MODE_RELEASE_BUFFERS): tens of KiB each otherwise.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  // Resumption by tickets only: a stateful session cache would be one more
  // unbounded-looking table (OpenSSL's default holds 20,480 sessions).
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (!config.sessionTickets) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
  } else {
    SSL_CTX_set_num_tickets(ctx, 1);
  }
  if (!applyCiphers(ctx, config.ciphers, err) || !addCa(ctx, config.ca, err)) {
    SSL_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

std::shared_ptr<const TlsContext> TlsContext::create(const TlsConfig& config, std::string* err) {
  ERR_clear_error();
  std::shared_ptr<TlsContext> t(new TlsContext());
  t->main_ = newCtx(config, err);
  if (t->main_ == nullptr || !useIdentity(t->main_, config.identity, "tls.", err)) return nullptr;
  for (const TlsSniEntry& e : config.sni) {
    SSL_CTX* ctx = newCtx(config, err);
    if (ctx == nullptr) return nullptr;
    t->hosts_.push_back(Host{lower(e.host), ctx});
    if (!useIdentity(ctx, e.identity, "tls.sni['" + e.host + "'].", err)) return nullptr;
  }
  for (const std::string& p : config.alpn) {
    if (p.empty() || p.size() > 255) {
      *err = "tls.alpn: protocol names are 1 to 255 bytes";
      return nullptr;
    }
    t->alpn_.push_back(static_cast<unsigned char>(p.size()));
    t->alpn_.insert(t->alpn_.end(), p.begin(), p.end());
  }
  t->ktlsMode_ = config.ktls;
  if (config.ktls == KtlsMode::kOff) {
    t->ktlsOffReason_ = "tls.ktls is 'off'";
  } else if (config.ktls == KtlsMode::kRequire || kernelTlsAvailable(&t->ktlsOffReason_)) {
    t->tryKtls_ = true;
  }
  // The callbacks live on the default context: OpenSSL runs them on the
  // context the connection started with, before SNI switches it.
  SSL_CTX_set_tlsext_servername_callback(t->main_, onServerName);
  SSL_CTX_set_tlsext_servername_arg(t->main_, t.get());
  if (!t->alpn_.empty()) {
    SSL_CTX_set_alpn_select_cb(t->main_, onAlpn, t.get());
    for (Host& h : t->hosts_) SSL_CTX_set_alpn_select_cb(h.ctx, onAlpn, t.get());
  }
  return t;
}

TlsContext::~TlsContext() {
  // SSLs still open hold their own references to these contexts.
  for (Host& h : hosts_) SSL_CTX_free(h.ctx);
  if (main_) SSL_CTX_free(main_);
}

SSL* TlsContext::newSession() const {
  SSL* ssl = SSL_new(main_);
  // OpenSSL then offers each direction's keys to the BIO (ktls_handover.h).
  if (ssl != nullptr && tryKtls_) SSL_set_options(ssl, SSL_OP_ENABLE_KTLS);
  return ssl;
}

SSL_CTX* TlsContext::forHost(const std::string& host) const {
  for (const Host& h : hosts_) {
    if (h.name == host) return h.ctx;
  }
  size_t dot = host.find('.');
  if (dot != std::string::npos) {
    std::string wild = "*" + host.substr(dot);
    for (const Host& h : hosts_) {
      if (h.name == wild) return h.ctx;
    }
  }
  return nullptr;
}

int TlsContext::onServerName(SSL* ssl, int*, void* arg) {
  const auto* self = static_cast<const TlsContext*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr || self->hosts_.empty()) return SSL_TLSEXT_ERR_OK;
  if (SSL_CTX* ctx = self->forHost(lower(name))) SSL_set_SSL_CTX(ssl, ctx);
  return SSL_TLSEXT_ERR_OK;  // unknown names get the default certificate
}

int TlsContext::onAlpn(SSL*, const unsigned char** out, unsigned char* outLen,
                       const unsigned char* in, unsigned int inLen, void* arg) {
  const auto* self = static_cast<const TlsContext*>(arg);
  unsigned char* chosen = nullptr;
  // Server preference order: the first of ours the client offers.
  if (SSL_select_next_proto(&chosen, outLen, self->alpn_.data(),
                            static_cast<unsigned int>(self->alpn_.size()), in,
                            inLen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // no overlap: continue without ALPN
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace ringnet
