// Where an idle TLS connection's memory goes. Every allocation OpenSSL makes
// goes through CRYPTO_set_mem_functions (installed before OpenSSL allocates
// anything), counted per side (server / client: both are in this process)
// and, for the server, per allocation site (OpenSSL's file:line). N
// connections (real OpenSSL clients over loopback TCP) are held at once; per
// phase: the server SSL made (TlsSession::create), the handshake done (with
// its ticket), then idle (afterHandshake, one request and reply, record
// buffers released). Prints bytes per connection per phase and the sites an
// idle connection still holds (README: "TLS memory"); checks that the record
// buffers go back when idle and that an idle connection stays under the
// bound measured here (a regression check, not the 4 KiB target).
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

#include "check.h"
#include "tls_harness.h"

using namespace ringnet;
using namespace ringnet::test;

namespace {

// Before each block OpenSSL gets: its size, side and where it was asked for.
struct alignas(16) Header {
  size_t size;
  const char* file;
  int line;
  bool server;
};

struct Count {
  long long bytes = 0;
  long long blocks = 0;
};
Count serverLive, clientLive;
std::map<std::pair<std::string, int>, Count> serverSites;  // filled only while `tracking`
bool tracking = false;

void account(const Header* h, int sign) {
  Count& c = h->server ? serverLive : clientLive;
  c.bytes += sign * static_cast<long long>(h->size);
  c.blocks += sign;
  if (h->server && tracking) {
    Count& s = serverSites[{h->file ? h->file : "?", h->line}];
    s.bytes += sign * static_cast<long long>(h->size);
    s.blocks += sign;
  }
}

// Single-threaded test: no lock (the map itself allocates through malloc, not OpenSSL).
void* countedMalloc(size_t n, const char* file, int line) {
  auto* h = static_cast<Header*>(std::malloc(sizeof(Header) + n));
  if (h == nullptr) return nullptr;
  *h = Header{n, file, line, inServer};
  account(h, 1);
  return h + 1;
}

void countedFree(void* p, const char*, int) {
  if (p == nullptr) return;
  Header* h = static_cast<Header*>(p) - 1;
  account(h, -1);
  std::free(h);
}

void* countedRealloc(void* p, size_t n, const char* file, int line) {
  if (p == nullptr) return countedMalloc(n, file, line);
  if (n == 0) {
    countedFree(p, file, line);
    return nullptr;
  }
  Header* old = static_cast<Header*>(p) - 1;
  const Header was = *old;
  account(&was, -1);
  auto* h = static_cast<Header*>(std::realloc(old, sizeof(Header) + n));
  if (h == nullptr) {
    account(&was, 1);
    return nullptr;
  }
  *h = Header{n, file, line, was.server};  // a block stays on the side that made it
  account(h, 1);
  return h + 1;
}

struct Phases {
  double created = 0, handshaken = 0, idle = 0, idleBlocks = 0;
};

using SiteRow = std::pair<std::pair<std::string, int>, Count>;

// Bytes per connection on the server side, phase by phase, and the sites an
// idle connection holds (every server allocation from SSL_new on still live).
Phases measure(const char* label, int version, const char* ciphers, bool tickets, const Pem& pem, int n,
               bool quiet = false) {
  currentCase = label;
  TlsConfig config;
  config.identity = {pem.key, pem.cert, ""};
  config.sessionTickets = tickets;
  config.ktls = KtlsMode::kOff;
  std::string err;
  std::shared_ptr<const TlsContext> ctx;
  {
    ServerSide side;
    ctx = TlsContext::create(config, &err);
  }
  CHECK(ctx != nullptr);
  std::vector<std::unique_ptr<ServerEnd>> servers;
  std::vector<std::unique_ptr<ClientEnd>> clients;
  const Count base = serverLive;
  serverSites.clear();
  tracking = true;
  for (int i = 0; i < n; ++i) {
    int cfd = -1, sfd = -1;
    CHECK(socketPair(&cfd, &sfd));
    clients.emplace_back(new ClientEnd(version, ciphers));
    clients.back()->attach(cfd);
    servers.emplace_back(new ServerEnd());
    servers.back()->fd = sfd;
    ServerSide side;
    servers.back()->session = TlsSession::create(ctx, servers.back()->pool, "127.0.0.1|50000", sfd);
  }
  Phases p;
  p.created = static_cast<double>(serverLive.bytes - base.bytes) / n;
  bool ok = true;
  for (int i = 0; i < n; ++i) ok = handshake(*clients[i], *servers[i]) && ok;
  CHECK(ok);
  p.handshaken = static_cast<double>(serverLive.bytes - base.bytes) / n;

  // The reactor's after-handshake work, then one request and reply each.
  for (int i = 0; i < n; ++i) {
    ServerEnd& s = *servers[i];
    {
      ServerSide side;
      s.session->info();  // what the open event carries
      s.session->afterHandshake();
    }
    CHECK(SSL_write(clients[i]->ssl, "ping", 4) == 4);
    for (int k = 0; k < 100 && s.received.size() < 4; ++k) {
      pollfd pf{s.fd, POLLIN, 0};
      ::poll(&pf, 1, 20);
      s.pump();
    }
    CHECK(s.received == "ping");
    {
      ServerSide side;
      CHECK(s.session->write(reinterpret_cast<const uint8_t*>("pong"), 4));
    }
    CHECK(s.flush());
    char got[8];
    int r = -1;
    for (int k = 0; k < 100 && r <= 0; ++k) {
      pollfd pf{clients[i]->fd, POLLIN, 0};
      ::poll(&pf, 1, 20);
      r = SSL_read(clients[i]->ssl, got, sizeof got);
    }
    CHECK(r == 4);
  }
  p.idle = static_cast<double>(serverLive.bytes - base.bytes) / n;
  p.idleBlocks = static_cast<double>(serverLive.blocks - base.blocks) / n;
  tracking = false;

  if (!quiet) {
    std::printf("%s%s: server bytes per connection: SSL made %.0f, handshake done %.0f, idle %.0f (%.1f blocks)\n",
                label, tickets ? "" : " (no tickets)", p.created, p.handshaken, p.idle, p.idleBlocks);
  }
  std::vector<SiteRow> rows(serverSites.begin(), serverSites.end());
  std::sort(rows.begin(), rows.end(), [](const SiteRow& a, const SiteRow& b) { return a.second.bytes > b.second.bytes; });
  long long recordBuffers = 0;
  for (const SiteRow& r : rows) {
    if (r.second.bytes <= 0) continue;
    if (r.first.first.find("ssl3_buffer.c") != std::string::npos) recordBuffers += r.second.bytes;
    if (quiet) continue;
    std::printf("  %7.0f B  %5.1f blocks  %s:%d\n", static_cast<double>(r.second.bytes) / n,
                static_cast<double>(r.second.blocks) / n, r.first.first.c_str(), r.first.second);
  }
  // SSL_MODE_RELEASE_BUFFERS: no record buffer (~16.7 KiB read, ~16.6 KiB write) stays when idle.
  CHECK(recordBuffers == 0);
  CHECK(p.idle <= p.handshaken);
  clients.clear();
  {
    ServerSide side;
    servers.clear();
  }
  // Closed connections leave nothing behind (the warm-up run in main() takes
  // the process's first-use state: provider caches, name maps).
  const double left = static_cast<double>(serverLive.bytes - base.bytes) / n;
  if (!quiet) std::printf("  after close: %.0f B per connection left\n", left);
  if (!quiet) CHECK(left < 16);  // at most the thread's error-queue state, made once
  return p;
}

}  // namespace

int main() {
  CHECK(CRYPTO_set_mem_functions(countedMalloc, countedRealloc, countedFree) == 1);
  Pem pem = makeCertificate();
  const int n = 20;
  std::printf("sizeof(TlsSession) %zu B (ours, plus its OutputQueue chunks while records wait)\n", sizeof(TlsSession));
  measure("warm-up", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", true, pem, 2, true);
  Phases t13 = measure("TLS 1.3 AES-128-GCM", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", true, pem, n);
  measure("TLS 1.3 AES-128-GCM", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", false, pem, n);
  Phases t12 = measure("TLS 1.2 ECDHE-ECDSA-AES128-GCM", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", true, pem, n);
  currentCase = "bounds";
  // Measured on Debian 12's OpenSSL 3.0 (README): a regression shows here first.
  CHECK(t13.idle < 15000);
  CHECK(t12.idle < 15000);
  currentCase.clear();
  return checkSummary();
}
