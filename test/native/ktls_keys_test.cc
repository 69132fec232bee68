// The kernel TLS hand-over without a kernel that has TLS (this project's CI
// kernel has no CONFIG_TLS): a real OpenSSL client handshakes over loopback
// TCP with a server TlsSession that tries kTLS ('require', so the attempt is
// made whatever the probe says). Checks, per TLS version and AEAD:
//  - OpenSSL offers the BIO the keys (BIO_CTRL_SET_KTLS), and what it offers
//    (key, salt / iv, record sequence, version, cipher) equals the traffic
//    keys derived independently from the client's key log: HKDF-Expand-Label
//    of the traffic secrets (TLS 1.3), the PRF key block of the master secret
//    (TLS 1.2); TLS 1.2 also offers RX, refused (reason recorded);
//  - where the kernel lacks the TLS ULP, the hand-over fails with ENOENT and
//    'require' refuses the connection; where it has it, TX is taken and the
//    server's plaintext sent with send() after the switch reaches the client
//    decrypted (kernel encryption, checked by OpenSSL);
//  - 'auto' where the probe finds no ULP: no attempt, userspace serves both ways.
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <linux/tls.h>

#include <cstdio>

#include "core/tls/ktls.h"
#include "core/tls/ktls_handover.h"

#include "check.h"
#include "tls_harness.h"

using namespace ringnet;
using namespace ringnet::test;

namespace {

std::vector<KtlsKeys> offers;

std::vector<uint8_t> kdf(const char* name, const char* digest, const std::vector<uint8_t>& secret,
                         const std::vector<uint8_t>& infoOrSeed, size_t len, bool expandOnly) {
  EVP_KDF* k = EVP_KDF_fetch(nullptr, name, nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(k);
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[5];
  int n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0);
  if (expandOnly) {
    params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()), secret.size());
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(infoOrSeed.data()), infoOrSeed.size());
  } else {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<uint8_t*>(secret.data()), secret.size());
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, const_cast<uint8_t*>(infoOrSeed.data()), infoOrSeed.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  std::vector<uint8_t> out(len);
  if (EVP_KDF_derive(ctx, out.data(), len, params) != 1) out.clear();
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(k);
  return out;
}

// RFC 8446 7.1: HKDF-Expand-Label(secret, label, "", len).
std::vector<uint8_t> expandLabel(const char* digest, const std::vector<uint8_t>& secret, const std::string& label, size_t len) {
  std::string full = "tls13 " + label;
  std::vector<uint8_t> info = {static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len), static_cast<uint8_t>(full.size())};
  info.insert(info.end(), full.begin(), full.end());
  info.push_back(0);  // empty context
  return kdf("HKDF", digest, secret, info, len, true);
}

std::vector<uint8_t> slice(const std::vector<uint8_t>& v, size_t from, size_t n) {
  if (from + n > v.size()) return {};
  return std::vector<uint8_t>(v.begin() + static_cast<long>(from), v.begin() + static_cast<long>(from + n));
}

struct Suite {
  const char* label;
  int version;
  const char* ciphers;
  uint16_t cipherType;
  const char* digest;
  size_t keyLen;
  size_t fixedIv;  // TLS 1.2: the implicit part of the nonce in the key block (4 GCM, 12 ChaCha)
};

const Suite kSuites[] = {
    {"TLS 1.3 AES-128-GCM", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", TLS_CIPHER_AES_GCM_128, "SHA256", 16, 0},
    {"TLS 1.3 AES-256-GCM", TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", TLS_CIPHER_AES_GCM_256, "SHA384", 32, 0},
    {"TLS 1.3 ChaCha20-Poly1305", TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256", TLS_CIPHER_CHACHA20_POLY1305, "SHA256", 32, 0},
    {"TLS 1.2 AES-128-GCM", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", TLS_CIPHER_AES_GCM_128, "SHA256", 16, 4},
    {"TLS 1.2 AES-256-GCM", TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", TLS_CIPHER_AES_GCM_256, "SHA384", 32, 4},
    {"TLS 1.2 ChaCha20-Poly1305", TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", TLS_CIPHER_CHACHA20_POLY1305, "SHA256", 32, 12},
};

// The expected {key, 12-byte nonce base} of one direction, from the key log.
struct Expected {
  std::vector<uint8_t> key, iv;
};

Expected tls13Keys(const Suite& s, const ClientEnd& c, bool server) {
  std::vector<uint8_t> secret = c.secret(server ? "SERVER_TRAFFIC_SECRET_0" : "CLIENT_TRAFFIC_SECRET_0");
  return {expandLabel(s.digest, secret, "key", s.keyLen), expandLabel(s.digest, secret, "iv", 12)};
}

Expected tls12Keys(const Suite& s, const ClientEnd& c, bool server) {
  // RFC 5246 6.3: key_block = PRF(master, "key expansion", server_random + client_random);
  // AEAD suites have no MAC keys: client key, server key, client IV, server IV.
  std::vector<uint8_t> master = c.secret("CLIENT_RANDOM");
  std::string label = "key expansion";
  std::vector<uint8_t> seed(label.begin(), label.end());
  uint8_t r[32];
  SSL_get_server_random(c.ssl, r, sizeof r);
  seed.insert(seed.end(), r, r + 32);
  SSL_get_client_random(c.ssl, r, sizeof r);
  seed.insert(seed.end(), r, r + 32);
  const size_t total = 2 * s.keyLen + 2 * s.fixedIv;
  std::vector<uint8_t> block = kdf("TLS1-PRF", s.digest, master, seed, total, false);
  return {slice(block, server ? s.keyLen : 0, s.keyLen), slice(block, 2 * s.keyLen + (server ? s.fixedIv : 0), s.fixedIv)};
}

void checkOffer(const Suite& s, const KtlsKeys& k, const Expected& e) {
  CHECK(k.version == (s.version == TLS1_3_VERSION ? TLS_1_3_VERSION : TLS_1_2_VERSION));
  CHECK(k.cipherType == s.cipherType);
  CHECK(!e.key.empty() && k.key == e.key);
  CHECK(k.recSeq == std::vector<uint8_t>(8, 0));  // the first record under these keys
  if (s.cipherType == TLS_CIPHER_CHACHA20_POLY1305) {
    // ChaCha20: the whole 12-byte nonce base is the iv, no salt.
    CHECK(k.salt.empty());
    CHECK(k.iv == e.iv);
  } else if (s.version == TLS1_3_VERSION) {
    // AES-GCM, TLS 1.3: salt = the first 4 bytes of the nonce base, iv = the other 8.
    CHECK(k.salt == slice(e.iv, 0, 4));
    CHECK(k.iv == slice(e.iv, 4, 8));
  } else {
    // AES-GCM, TLS 1.2: salt = the implicit IV; iv = the explicit nonce OpenSSL chose.
    CHECK(k.salt == e.iv);
    CHECK(k.iv.size() == 8);
  }
}

// 'require' on every suite: the offer's keys, then what the kernel said.
void requireCase(const Suite& s, const Pem& pem, bool kernelHasTls) {
  currentCase = s.label;
  TlsConfig config;
  config.identity = {pem.key, pem.cert, ""};
  config.ktls = KtlsMode::kRequire;
  std::string err;
  auto ctx = TlsContext::create(config, &err);
  CHECK(ctx != nullptr);
  if (!ctx) return;
  CHECK(ctx->tryKtls());
  int cfd = -1, sfd = -1;
  CHECK(socketPair(&cfd, &sfd));
  ServerEnd server;
  server.fd = sfd;
  server.session = TlsSession::create(ctx, server.pool, "test", sfd);
  ClientEnd client(s.version, s.ciphers);
  client.attach(cfd);
  offers.clear();
  bool done = handshake(client, server);

  const KtlsKeys* tx = nullptr;
  const KtlsKeys* rx = nullptr;
  for (const KtlsKeys& k : offers) (k.tx ? tx : rx) = &k;
  CHECK(tx != nullptr);
  const bool tls13 = s.version == TLS1_3_VERSION;
  if (tx) checkOffer(s, *tx, tls13 ? tls13Keys(s, client, true) : tls12Keys(s, client, true));
  // OpenSSL 3.0 offers RX for TLS 1.2 only; ours refuses it.
  CHECK((rx != nullptr) == !tls13);
  if (rx) checkOffer(s, *rx, tls12Keys(s, client, false));
  const std::string why = server.session->ktlsReason();
  CHECK(why.find(tls13 ? "rx: OpenSSL 3.0 has no TLS 1.3 receive offload" : "rx: records read ahead") != std::string::npos);

  if (!kernelHasTls) {
    // No TLS ULP: TCP_ULP answers ENOENT, OpenSSL keeps encrypting, and
    // 'require' refuses the connection once the handshake is done.
    CHECK(!done);
    CHECK(server.failed);
    CHECK(server.session->ktlsRefused());
    CHECK(server.session->error() == ENOENT);
    CHECK(!server.session->ktlsTxTaken());
    CHECK(why.find("tx: TCP_ULP tls: ") == 0);
    return;
  }
  // The kernel has TLS: TX is taken; once OpenSSL's own records were out,
  // TLS_TX (ServerEnd::flush, as the reactor), then the typed records (the
  // ticket in TLS 1.3, the Finished in TLS 1.2) and plaintext by send().
  CHECK(done);
  CHECK(server.flush());
  CHECK(server.session->ktlsTxOn());
  CHECK(!server.session->ktlsHasRecords());
  const char msg[] = "encrypted by the kernel";
  CHECK(::send(sfd, msg, sizeof msg, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof msg));
  char got[64] = {};
  int n = -1;
  for (int i = 0; i < 100 && n <= 0; ++i) {
    pollfd p{cfd, POLLIN, 0};
    ::poll(&p, 1, 20);
    n = SSL_read(client.ssl, got, sizeof got);
  }
  CHECK(n == static_cast<int>(sizeof msg) && std::memcmp(got, msg, sizeof msg) == 0);
}

// 'auto' where the probe finds no ULP: nothing is tried, userspace both ways.
void autoCase(const Pem& pem) {
  currentCase = "auto without the TLS ULP";
  TlsConfig config;
  config.identity = {pem.key, pem.cert, ""};
  config.ktls = KtlsMode::kAuto;
  std::string err;
  auto ctx = TlsContext::create(config, &err);
  CHECK(!ctx->tryKtls());
  CHECK(ctx->ktlsOffReason().find("no TLS upper-layer protocol") != std::string::npos);
  int cfd = -1, sfd = -1;
  CHECK(socketPair(&cfd, &sfd));
  ServerEnd server;
  server.fd = sfd;
  server.session = TlsSession::create(ctx, server.pool, "test", sfd);
  ClientEnd client(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
  client.attach(cfd);
  offers.clear();
  CHECK(handshake(client, server));
  CHECK(offers.empty());
  std::string info = server.session->info();
  CHECK(info.find("|0|0|") != std::string::npos);
  CHECK(info.find("no TLS upper-layer protocol") != std::string::npos);
  CHECK(SSL_write(client.ssl, "ping", 4) == 4);
  for (int i = 0; i < 50 && server.received.size() < 4; ++i) {
    pollfd p{sfd, POLLIN, 0};
    ::poll(&p, 1, 20);
    server.pump();
  }
  CHECK(server.received == "ping");
  CHECK(server.session->write(reinterpret_cast<const uint8_t*>("pong"), 4));
  CHECK(server.flush());
  char got[8] = {};
  int n = -1;
  for (int i = 0; i < 50 && n <= 0; ++i) {
    pollfd p{cfd, POLLIN, 0};
    ::poll(&p, 1, 20);
    n = SSL_read(client.ssl, got, sizeof got);
  }
  CHECK(n == 4 && std::memcmp(got, "pong", 4) == 0);
}

}  // namespace

int main() {
  setKtlsKeysObserver([](const KtlsKeys& k) { offers.push_back(k); });
  std::string why;
  const bool kernelHasTls = kernelTlsAvailable(&why);
  std::printf("kernel TLS: %s\n", kernelHasTls ? "available" : why.c_str());
  Pem pem = makeCertificate();
  for (const Suite& s : kSuites) requireCase(s, pem, kernelHasTls);
  if (!kernelHasTls) autoCase(pem);
  currentCase.clear();
  return checkSummary();
}
