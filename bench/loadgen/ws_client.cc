// WebSocket client pieces for the lab's generators (see ws_client.h).
#include "ws_client.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace wsclient {

namespace {

constexpr size_t kMaxHead = 8192;  // a 101 is a few hundred bytes; beyond this the server is wrong

std::string base64(const unsigned char* p, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]), p, int(n));
  out.resize(size_t(len));
  return out;
}

bool iequals(const char* a, size_t alen, const char* b) {
  size_t blen = std::strlen(b);
  if (alen != blen) return false;
  for (size_t i = 0; i < alen; ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

double monoSec() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

}  // namespace

uint64_t randomSeed() {
  uint64_t s = 0;
  if (getrandom(&s, sizeof(s), 0) != sizeof(s)) s = uint64_t(monoSec() * 1e9);
  return s;
}

std::string makeKey() {
  static thread_local Rng rng(randomSeed());
  unsigned char raw[16];
  uint64_t a = rng.next(), b = rng.next();
  std::memcpy(raw, &a, 8);
  std::memcpy(raw + 8, &b, 8);
  return base64(raw, sizeof(raw));
}

std::string acceptFor(const std::string& key) {
  std::string in = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  return base64(digest, sizeof(digest));
}

std::string request(const std::string& host, const std::string& path, const std::string& key) {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
         "\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

std::string checkResponse(const char* head, size_t len, const std::string& accept) {
  static const char kStatus[] = "HTTP/1.1 101";
  if (len < sizeof(kStatus) - 1 || std::memcmp(head, kStatus, sizeof(kStatus) - 1) != 0) {
    const char* eol = static_cast<const char*>(std::memchr(head, '\r', len));
    return "upgrade refused: " + std::string(head, eol ? size_t(eol - head) : (len < 80 ? len : 80));
  }
  bool upgrade = false, accepted = false;
  const char* p = static_cast<const char*>(std::memchr(head, '\n', len)) + 1;
  const char* end = head + len;
  while (p < end) {
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
    if (!eol) break;
    const char* lineEnd = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
    const char* colon = static_cast<const char*>(std::memchr(p, ':', size_t(lineEnd - p)));
    if (colon) {
      const char* v = colon + 1;
      while (v < lineEnd && (*v == ' ' || *v == '\t')) ++v;
      const char* ve = lineEnd;
      while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) --ve;
      size_t nlen = size_t(colon - p), vlen = size_t(ve - v);
      if (iequals(p, nlen, "upgrade") && iequals(v, vlen, "websocket")) upgrade = true;
      if (iequals(p, nlen, "sec-websocket-accept")) {
        if (vlen != accept.size() || std::memcmp(v, accept.data(), vlen) != 0) return "wrong Sec-WebSocket-Accept: " + std::string(v, vlen);
        accepted = true;
      }
    }
    p = eol + 1;
  }
  if (!upgrade) return "101 without Upgrade: websocket";
  if (!accepted) return "101 without Sec-WebSocket-Accept";
  return "";
}

void appendFrame(std::string& out, uint8_t opcode, const uint8_t* payload, size_t len, uint32_t mask) {
  unsigned char h[14];
  size_t n = 0;
  h[n++] = uint8_t(0x80 | opcode);
  if (len < 126) {
    h[n++] = uint8_t(0x80 | len);
  } else if (len <= 0xFFFF) {
    h[n++] = 0x80 | 126;
    h[n++] = uint8_t(len >> 8);
    h[n++] = uint8_t(len);
  } else {
    h[n++] = 0x80 | 127;
    for (int s = 56; s >= 0; s -= 8) h[n++] = uint8_t(uint64_t(len) >> s);
  }
  unsigned char m[4] = {uint8_t(mask >> 24), uint8_t(mask >> 16), uint8_t(mask >> 8), uint8_t(mask)};
  std::memcpy(h + n, m, 4);
  n += 4;
  out.append(reinterpret_cast<char*>(h), n);
  size_t at = out.size();
  out.resize(at + len);
  char* dst = &out[at];
  // Eight bytes at a time (the mask repeated twice), then the rest: the generator must not be
  // the bottleneck at 4 KiB.
  uint64_t m8;
  unsigned char mm[8] = {m[0], m[1], m[2], m[3], m[0], m[1], m[2], m[3]};
  std::memcpy(&m8, mm, 8);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, payload + i, 8);
    w ^= m8;
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < len; ++i) dst[i] = char(payload[i] ^ m[i & 3]);
}

int parseServerHeader(const uint8_t* p, size_t len, FrameHeader* h, const char** why) {
  if (len < 2) return 0;
  if (p[0] & 0x70) {
    *why = "server frame with RSV bits set";
    return -1;
  }
  if (p[1] & 0x80) {
    *why = "server frame is masked";
    return -1;
  }
  h->fin = (p[0] & 0x80) != 0;
  h->opcode = p[0] & 0x0F;
  uint64_t l = p[1] & 0x7F;
  size_t hs = 2;
  if (l == 126) {
    if (len < 4) return 0;
    l = (uint64_t(p[2]) << 8) | p[3];
    hs = 4;
  } else if (l == 127) {
    if (len < 10) return 0;
    if (p[2] & 0x80) {
      *why = "server frame length has the top bit set";
      return -1;
    }
    l = 0;
    for (int i = 2; i < 10; ++i) l = (l << 8) | p[i];
    hs = 10;
  }
  h->length = l;
  h->headerSize = hs;
  return 1;
}

UpgradeResult upgradeAll(std::vector<int>& fds, const std::string& host, const std::string& path, double timeoutSec) {
  UpgradeResult r;
  r.ok.assign(fds.size(), false);
  r.leftover.assign(fds.size(), std::string());
  std::vector<std::string> heads(fds.size());
  std::vector<std::string> accepts(fds.size());
  int ep = epoll_create1(EPOLL_CLOEXEC);
  size_t pending = 0;
  auto failOne = [&](size_t i, const std::string& why) {
    if (fds[i] < 0) return;
    epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], nullptr);
    close(fds[i]);
    fds[i] = -1;
    ++r.failed;
    if (r.firstError.empty()) r.firstError = why;
  };
  for (size_t i = 0; i < fds.size(); ++i) {
    if (fds[i] < 0) continue;
    std::string key = makeKey();
    accepts[i] = acceptFor(key);
    std::string req = request(host, path, key);
    // A fresh socket's send buffer takes a ~150-byte request whole.
    ssize_t n = send(fds[i], req.data(), req.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n != ssize_t(req.size())) {
      failOne(i, std::string("sending the upgrade request: ") + (n < 0 ? std::strerror(errno) : "short write"));
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0) {
      failOne(i, std::string("epoll_ctl: ") + std::strerror(errno));
      continue;
    }
    ++pending;
  }
  std::vector<epoll_event> evs(1024);
  char buf[4096];
  double lastProgress = monoSec();
  while (pending > 0) {
    int n = epoll_wait(ep, evs.data(), int(evs.size()), 100);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) lastProgress = monoSec();
    for (int e = 0; e < n; ++e) {
      size_t i = size_t(evs[size_t(e)].data.u64);
      if (fds[i] < 0 || r.ok[i]) continue;
      ssize_t got = read(fds[i], buf, sizeof(buf));
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got <= 0) {
        failOne(i, got == 0 ? "server closed the connection during the upgrade" : std::string("read: ") + std::strerror(errno));
        --pending;
        continue;
      }
      std::string& h = heads[i];
      h.append(buf, size_t(got));
      size_t end = h.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (h.size() > kMaxHead) {
          failOne(i, "upgrade response head over 8 KiB");
          --pending;
        }
        continue;
      }
      std::string why = checkResponse(h.data(), end + 4, accepts[i]);
      --pending;
      if (!why.empty()) {
        failOne(i, why);
        continue;
      }
      epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], nullptr);
      r.ok[i] = true;
      r.leftover[i] = h.substr(end + 4);
    }
    if (monoSec() - lastProgress > timeoutSec) {
      for (size_t i = 0; i < fds.size(); ++i)
        if (fds[i] >= 0 && !r.ok[i]) failOne(i, "no 101 within the upgrade timeout");
      break;
    }
  }
  close(ep);
  return r;
}

}  // namespace wsclient
