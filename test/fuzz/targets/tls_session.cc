// Fuzz target: the server's TLS read path (native/core/tls/tls_session.cc) as
// the reactor drives it: ciphertext spans of any size into setInput, then
// handshake() until established and read() until it wants more, the records
// it writes collected from `cipher`. Input: u8 mode, u32 rng seed, bytes.
//   mode even: the bytes are the client's whole stream (ClientHello parsing,
//              garbage, truncation), cut at random points.
//   mode odd:  a real OpenSSL client completes a handshake through the
//              session first (cut at random points both ways), sends one
//              application record, then the fuzz bytes follow as raw records
//              on the same connection (post-handshake records, alerts,
//              KeyUpdate, renegotiation attempts, forgeries).
// Checks: no memory error (ASan/UBSan); a failed session stays failed and
// returns nothing more; plaintext never exceeds the ciphertext fed; in odd
// mode the handshake completes and the first record decrypts intact.
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tls/tls_context.h"
#include "core/tls/tls_session.h"
#include "support/check.h"
#include "support/fuzz_input.h"

using namespace ringnet;
using namespace ringnet::fuzz;

namespace {

std::string pemOf(int (*write)(BIO*, void*), void* obj) {
  BIO* b = BIO_new(BIO_s_mem());
  write(b, obj);
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  std::string s(p, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

// A throwaway P-256 key and self-signed certificate, made once in-process
// (no key material committed).
std::shared_ptr<const TlsContext> serverContext() {
  static std::shared_ptr<const TlsContext> ctx = [] {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fuzz"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    TlsConfig config;
    config.identity.key = pemOf([](BIO* b, void* k) {
      return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr, nullptr);
    }, key);
    config.identity.cert = pemOf([](BIO* b, void* c) { return PEM_write_bio_X509(b, static_cast<X509*>(c)); }, cert);
    config.alpn = {"http/1.1"};
    X509_free(cert);
    EVP_PKEY_free(key);
    std::string err;
    auto made = TlsContext::create(config, &err);
    FUZZ_CHECK(made != nullptr);
    return made;
  }();
  return ctx;
}

struct Server {
  ChunkPool pool;
  std::unique_ptr<TlsSession> s{TlsSession::create(serverContext(), pool, "fuzz")};
  std::string plain;       // decrypted
  size_t fed = 0;          // ciphertext bytes fed
  bool closed = false;     // kPeerClosed or kFailed seen

  // What the reactor does with one onData span.
  void feed(const uint8_t* data, size_t len) {
    fed += len;
    s->setInput(data, len);
    if (closed) return;
    if (!s->established()) {
      TlsSession::Status st = s->handshake();
      if (st == TlsSession::Status::kFailed) {
        closed = true;
        FUZZ_CHECK(s->failed());
        return;
      }
      if (st == TlsSession::Status::kNeedMore) return;
      FUZZ_CHECK(st == TlsSession::Status::kEstablished && s->established());
    }
    uint8_t buf[16384];
    for (;;) {
      size_t n = 0;
      TlsSession::Status st = s->read(buf, sizeof buf, &n);
      if (st == TlsSession::Status::kData) {
        FUZZ_CHECK(n > 0 && n <= sizeof buf);
        plain.append(reinterpret_cast<const char*>(buf), n);
        continue;
      }
      if (st == TlsSession::Status::kFailed || st == TlsSession::Status::kPeerClosed) {
        closed = true;
        size_t m = 0;
        FUZZ_CHECK(s->read(buf, sizeof buf, &m) == st);  // sticky
      }
      break;
    }
    FUZZ_CHECK(plain.size() <= fed);
  }

  // Takes the records the session queued (what the backend would send).
  std::string drain() {
    std::string out;
    while (!s->cipher.empty()) {
      iovec iov;
      s->cipher.gather(&iov, 1);
      out.append(static_cast<const char*>(iov.iov_base), iov.iov_len);
      s->cipher.consume(pool, iov.iov_len);
    }
    return out;
  }
};

void feedCut(Server& srv, const std::string& bytes, Rng& rng) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t n = rng.between(1, bytes.size() - pos < 700 ? bytes.size() - pos : 700);
    srv.feed(reinterpret_cast<const uint8_t*>(bytes.data()) + pos, n);
    pos += n;
  }
}

// A real client over memory BIOs, handshaking with the session.
bool handshakeWithClient(Server& srv, Rng& rng, SSL** clientOut) {
  static SSL_CTX* cctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    return c;
  }();
  SSL* client = SSL_new(cctx);
  BIO* toServer = BIO_new(BIO_s_mem());
  BIO* fromServer = BIO_new(BIO_s_mem());
  SSL_set_bio(client, fromServer, toServer);
  SSL_set_connect_state(client);
  SSL_set_tlsext_host_name(client, "fuzz");
  *clientOut = client;
  for (int round = 0; round < 20; ++round) {
    int r = SSL_do_handshake(client);
    char* p = nullptr;
    long n = BIO_get_mem_data(toServer, &p);
    std::string flight(p, static_cast<size_t>(n));
    (void)BIO_reset(toServer);
    feedCut(srv, flight, rng);
    std::string back = srv.drain();
    BIO_write(fromServer, back.data(), static_cast<int>(back.size()));
    if (r == 1 && srv.s->established()) return true;
    if (srv.closed) return false;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const bool twoParty = (in.u8() & 1) != 0;
  Rng rng(in.u32());
  const std::string bytes = in.rest();
  Server srv;
  FUZZ_CHECK(srv.s != nullptr);
  if (!twoParty) {
    feedCut(srv, bytes, rng);
    srv.drain();
    srv.s->closeNotify();
    ERR_clear_error();
    return 0;
  }
  SSL* client = nullptr;
  const bool ok = handshakeWithClient(srv, rng, &client);
  FUZZ_CHECK(ok);  // an honest client always gets through
  const char hello[] = "first record";
  FUZZ_CHECK(SSL_write(client, hello, sizeof hello - 1) == static_cast<int>(sizeof hello - 1));
  BIO* toServer = SSL_get_wbio(client);
  char* p = nullptr;
  long n = BIO_get_mem_data(toServer, &p);
  std::string stream(p, static_cast<size_t>(n));
  stream += bytes;  // then whatever the fuzzer sends as records
  feedCut(srv, stream, rng);
  FUZZ_CHECK(srv.plain.compare(0, sizeof hello - 1, hello) == 0);
  // Answers (KeyUpdate, alerts) and our own records still encrypt.
  if (!srv.closed) srv.s->write(reinterpret_cast<const uint8_t*>("reply"), 5);
  srv.drain();
  SSL_free(client);
  ERR_clear_error();
  return 0;
}
