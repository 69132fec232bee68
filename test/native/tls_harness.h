// What the native TLS tests share: a throwaway EC P-256 certificate made with
// OpenSSL's API, a connected loopback TCP pair, and a real OpenSSL client on
// one end driven against a server TlsSession on the other (the test pumps
// the socket into the session and the session's records into the socket, as
// the reactor does).
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/chunk_pool.h"
#include "core/tls/tls_context.h"
#include "core/tls/tls_session.h"

namespace ringnet::test {

struct Pem {
  std::string key, cert;
};

inline std::string bioText(BIO* b) {
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  return std::string(p, static_cast<size_t>(n));
}

// A self-signed certificate for "localhost" (ECDSA, so both TLS 1.2 ECDSA
// suites and TLS 1.3 work with it).
inline Pem makeCertificate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_sign(x, key, EVP_sha256());
  BIO* kb = BIO_new(BIO_s_mem());
  BIO* cb = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(cb, x);
  Pem out{bioText(kb), bioText(cb)};
  BIO_free(kb);
  BIO_free(cb);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

// A connected TCP pair over 127.0.0.1, both ends non-blocking: {client, server}.
inline bool socketPair(int* client, int* server) {
  int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (l < 0 || ::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l, 1) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (l >= 0) ::close(l);
    return false;
  }
  *client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(*client, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(l);
    ::close(*client);
    return false;
  }
  *server = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  ::close(l);
  ::fcntl(*client, F_SETFL, ::fcntl(*client, F_GETFL) | O_NONBLOCK);
  return *server >= 0;
}

// True while the server side runs (ServerEnd's calls, or a ServerSide scope):
// lets tls_memory_test count the server's allocations apart from the client's.
inline bool inServer = false;
struct ServerSide {
  bool was = inServer;
  ServerSide() { inServer = true; }
  ~ServerSide() { inServer = was; }
};

// One server session on a real socket, fed the way the reactor feeds it.
struct ServerEnd {
  ChunkPool pool;
  TlsSession* session = nullptr;
  int fd = -1;
  std::vector<uint8_t> in = std::vector<uint8_t>(64 * 1024);
  std::vector<uint8_t> plain = std::vector<uint8_t>(16 * 1024);
  std::string received;  // decrypted application data
  bool failed = false;

  ~ServerEnd() {
    ServerSide side;
    delete session;
    if (fd >= 0) ::close(fd);
  }
  // Sends queued records; true when the queue is empty. As the reactor
  // (reactor_tls.cc): once OpenSSL's own records are out, a kTLS TX it
  // handed over is switched on and the non-data records it wrote since go
  // out typed.
  bool flush() {
    ServerSide side;
    while (!session->cipher.empty()) {
      iovec iov[16];
      int n = session->cipher.gather(iov, 16);
      ssize_t w = ::writev(fd, iov, n);
      if (w < 0) return false;
      session->cipher.consume(pool, static_cast<size_t>(w));
    }
    if (session->ktlsTxPending() && !session->ktlsFinishTx()) return false;
    if (session->ktlsTxOn() && session->ktlsHasRecords() && !session->ktlsSendRecords()) return false;
    return true;
  }
  // Reads what the socket has into the session (handshake, then data).
  void pump() {
    ServerSide side;
    if (failed) return;
    for (;;) {
      ssize_t r = ::recv(fd, in.data(), in.size(), 0);
      if (r <= 0) break;
      session->setInput(in.data(), static_cast<size_t>(r));
      if (!session->established()) {
        TlsSession::Status st = session->handshake();
        if (st == TlsSession::Status::kFailed) {
          failed = true;
          return;
        }
        if (st == TlsSession::Status::kNeedMore) continue;
      }
      for (;;) {
        size_t n = 0;
        TlsSession::Status st = session->read(plain.data(), plain.size(), &n);
        if (st != TlsSession::Status::kData) break;
        received.append(reinterpret_cast<char*>(plain.data()), n);
      }
    }
    flush();
  }
};

// A real OpenSSL client over the other end of the pair.
struct ClientEnd {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;
  std::string keylog;  // NSS key log lines (SSLKEYLOGFILE format)

  ClientEnd(int version, const char* ciphers) {
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
    if (version == TLS1_3_VERSION) {
      SSL_CTX_set_ciphersuites(ctx, ciphers);
    } else {
      SSL_CTX_set_cipher_list(ctx, ciphers);
    }
    SSL_CTX_set_keylog_callback(ctx, [](const SSL* s, const char* line) {
      auto* self = static_cast<ClientEnd*>(SSL_get_app_data(s));
      self->keylog += line;
      self->keylog += '\n';
    });
    ssl = SSL_new(ctx);
    SSL_set_app_data(ssl, this);
  }
  ~ClientEnd() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }
  void attach(int f) {
    fd = f;
    SSL_set_fd(ssl, f);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set_connect_state(ssl);
  }
  // A keylog secret by label ("SERVER_TRAFFIC_SECRET_0", "CLIENT_RANDOM"), as bytes.
  std::vector<uint8_t> secret(const std::string& label) const {
    size_t at = keylog.find(label + " ");
    if (at == std::string::npos) return {};
    size_t sp = keylog.find(' ', at + label.size() + 1);
    size_t end = keylog.find('\n', sp);
    std::string hex = keylog.substr(sp + 1, end - sp - 1);
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
  }
};

// Runs the handshake to its end on both sides (or a failure); true when both finished.
inline bool handshake(ClientEnd& client, ServerEnd& server, int rounds = 200) {
  bool clientDone = false;
  for (int i = 0; i < rounds && !server.failed; ++i) {
    if (!clientDone) {
      ERR_clear_error();  // SSL_get_error reads the thread's whole error queue
      int r = SSL_do_handshake(client.ssl);
      if (r == 1) clientDone = true;
      else if (SSL_get_error(client.ssl, r) != SSL_ERROR_WANT_READ) {
        char text[256];
        ERR_error_string_n(ERR_peek_last_error(), text, sizeof text);
        std::fprintf(stderr, "tls_harness: client handshake failed: %s\n", text);
        return false;
      }
    }
    pollfd p[2] = {{client.fd, POLLIN, 0}, {server.fd, POLLIN, 0}};
    ::poll(p, 2, 20);
    server.pump();
    if (clientDone && server.session->established()) {
      // Let a ticket reach the client and the client's last flight the server.
      char b;
      SSL_peek(client.ssl, &b, 0);
      server.pump();
      return true;
    }
  }
  return false;
}

}  // namespace ringnet::test
