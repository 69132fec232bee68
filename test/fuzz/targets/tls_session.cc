// Fuzz target: the server's TLS read path (native/core/tls/tls_session.cc) as
// the reactor drives it: ciphertext spans of any size into setInput, then
// handshake() until established and read() until it wants more, the records
// it writes collected from `cipher`. Input: u8 mode, u32 rng seed, bytes.
//   mode even: the bytes are the client's whole stream (ClientHello parsing,
//              garbage, truncation), cut at random points.
//   mode odd:  an honest client's handshake flights go through the session
//              first (each cut at random points), then one application
//              record, then the fuzz bytes follow as raw records on the same
//              connection (post-handshake records, alerts, KeyUpdate,
//              renegotiation attempts, forgeries).
// Checks: no memory error (ASan/UBSan); a failed session stays failed and
// returns nothing more; plaintext never exceeds the ciphertext fed; in odd
// mode the server answers each client flight with exactly the bytes it did
// when the flights were recorded, the handshake completes and the first
// record decrypts intact.
//
// Speed (docs/fuzz-speed.md): OpenSSL's randomness is a seeded generator here,
// restarted for every session, so the server's handshake is the same bytes on
// every input; the client's flights are then recorded once, at startup, from
// a real OpenSSL client, and replayed: no client SSL, key share or signature
// check per input (the server's own handshake, its key exchange and signature
// included, still runs in full). A finding replays exactly, too.
// RAND_set_rand_method is deprecated in OpenSSL 3 but still honoured by
// RAND_bytes_ex / RAND_priv_bytes_ex (key generation, nonces, randoms).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
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

// ---- OpenSSL's randomness, seeded -------------------------------------------
// Two streams: the server's (restarted with a fixed seed for every session, so
// its randoms, key shares and signature nonces repeat) and the recording
// client's. splitmix64: fast, and any bytes will do for a fuzz run.
struct RandStream {
  uint64_t state = 0;
  void fill(unsigned char* out, int n) {
    for (int i = 0; i < n;) {
      uint64_t z = (state += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      for (int k = 0; k < 8 && i < n; ++k, ++i) out[i] = static_cast<unsigned char>(z >> (8 * k));
    }
  }
};
RandStream serverRand, clientRand;
RandStream* currentRand = &serverRand;  // whose turn it is (all calls are synchronous)
constexpr uint64_t kServerSeed = 0x5eed5e55;

void useSeededRandomness() {
  static RAND_METHOD method = {
      nullptr,                                                              // seed
      [](unsigned char* buf, int num) { currentRand->fill(buf, num); return 1; },  // bytes
      nullptr,                                                              // cleanup
      nullptr,                                                              // add
      [](unsigned char* buf, int num) { currentRand->fill(buf, num); return 1; },  // pseudorand
      [] { return 1; },                                                     // status
  };
  FUZZ_CHECK(RAND_set_rand_method(&method) == 1);
}

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

// A new session whose randomness starts where every other one's did.
std::unique_ptr<Server> freshServer() {
  serverRand.state = kServerSeed;
  currentRand = &serverRand;
  auto srv = std::make_unique<Server>();
  FUZZ_CHECK(srv->s != nullptr);
  return srv;
}

// An honest client's side of the connection, recorded once from a real
// OpenSSL client (TLS_client_method defaults: TLS 1.3, X25519, SNI) over
// memory BIOs against a session with the seeded randomness.
struct Recording {
  struct Step {
    std::string flight;  // client -> server
    std::string answer;  // what the session wrote back (compared while handshaking)
    bool established;    // the session had finished the handshake after it
  };
  std::vector<Step> steps;
  std::string firstRecord;  // one application record after the handshake
};
constexpr char kHello[] = "first record";

Recording record() {
  Recording rec;
  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, nullptr);
  SSL* client = SSL_new(cctx);
  BIO* toServer = BIO_new(BIO_s_mem());
  BIO* fromServer = BIO_new(BIO_s_mem());
  SSL_set_bio(client, fromServer, toServer);
  SSL_set_connect_state(client);
  SSL_set_tlsext_host_name(client, "fuzz");
  clientRand.state = 0xc11e47;
  std::unique_ptr<Server> srv = freshServer();
  const auto clientOutput = [&] {
    char* p = nullptr;
    const long n = BIO_get_mem_data(toServer, &p);
    std::string out(p, static_cast<size_t>(n));
    (void)BIO_reset(toServer);
    return out;
  };
  for (int round = 0; round < 20 && !(srv->s->established() && SSL_is_init_finished(client)); ++round) {
    currentRand = &clientRand;
    SSL_do_handshake(client);
    Recording::Step step;
    step.flight = clientOutput();
    currentRand = &serverRand;
    srv->feed(reinterpret_cast<const uint8_t*>(step.flight.data()), step.flight.size());
    step.answer = srv->drain();
    step.established = srv->s->established();
    FUZZ_CHECK(!srv->closed);
    BIO_write(fromServer, step.answer.data(), static_cast<int>(step.answer.size()));
    rec.steps.push_back(std::move(step));
  }
  FUZZ_CHECK(srv->s->established() && SSL_is_init_finished(client));
  currentRand = &clientRand;
  FUZZ_CHECK(SSL_write(client, kHello, sizeof kHello - 1) == static_cast<int>(sizeof kHello - 1));
  rec.firstRecord = clientOutput();
  currentRand = &serverRand;
  SSL_free(client);
  SSL_CTX_free(cctx);
  ERR_clear_error();
  return rec;
}

const Recording& recording() {
  static const Recording rec = [] {
    useSeededRandomness();
    serverContext();  // made before any session: its key must not use up the sessions' randomness
    return record();
  }();
  return rec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Recording& rec = recording();
  FuzzInput in(data, size);
  const bool twoParty = (in.u8() & 1) != 0;
  Rng rng(in.u32());
  const std::string bytes = in.rest();
  std::unique_ptr<Server> srv = freshServer();
  if (!twoParty) {
    feedCut(*srv, bytes, rng);
    srv->drain();
    srv->s->closeNotify();
    ERR_clear_error();
    return 0;
  }
  // The honest client gets through whatever the cuts, and the session, its
  // randomness being the recording's, answers with the recorded bytes.
  for (const Recording::Step& step : rec.steps) {
    feedCut(*srv, step.flight, rng);
    FUZZ_CHECK(!srv->closed);
    FUZZ_CHECK(srv->s->established() == step.established);
    const std::string answer = srv->drain();
    if (!step.established) FUZZ_CHECK(answer == step.answer);
  }
  FUZZ_CHECK(srv->s->established());
  std::string stream = rec.firstRecord;
  stream += bytes;  // then whatever the fuzzer sends as records
  feedCut(*srv, stream, rng);
  FUZZ_CHECK(srv->plain.compare(0, sizeof kHello - 1, kHello) == 0);
  // Answers (KeyUpdate, alerts) and our own records still encrypt.
  if (!srv->closed) srv->s->write(reinterpret_cast<const uint8_t*>("reply"), 5);
  srv->drain();
  ERR_clear_error();
  return 0;
}
