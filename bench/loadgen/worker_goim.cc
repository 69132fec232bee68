// The goim side of the generator (--protocol goim): packets are
//   packLen u32 | headerLen u16 | ver u16 | op u32 | seq u32 | body   (big-endian, 16-byte header)
// A connection sends op 7 (auth) and waits for op 8; then it keeps `depth` messages (op 4, seq =
// message number, body = the connection's pattern) in flight, each of which the handler answers
// with op 5, the same seq and the same body (verified byte for byte); with --heartbeat-every N
// an op 2 follows every N-th message and must come back as op 3 (ringnet answers those natively,
// so they may overtake message replies).
#include <cstring>

#include "worker.h"

namespace {

constexpr uint32_t kHeader = 16;
enum : uint32_t { kHeartbeat = 2, kHeartbeatReply = 3, kMessage = 4, kMessageReply = 5, kAuth = 7, kAuthReply = 8 };

uint32_t be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
}
uint16_t be16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint16_t((u[0] << 8) | u[1]);
}
void put32(std::string& s, uint32_t v) {
  const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  s.append(b, 4);
}

}  // namespace

void Worker::queueGoim(uint32_t op, uint32_t seq, const uint8_t* body, uint32_t len) {
  put32(obuf_, kHeader + len);
  const char hv[4] = {0, char(kHeader), 0, 1};  // headerLen 16, ver 1
  obuf_.append(hv, 4);
  put32(obuf_, op);
  put32(obuf_, seq);
  if (len) obuf_.append(reinterpret_cast<const char*>(body), len);
}

void Worker::parseGoim(Conn& c, const char* p, size_t len, size_t* consumed) {
  const int phase = sh_.phase.load(std::memory_order_relaxed);
  const uint64_t now = nowNs();
  size_t off = 0;
  while (len - off >= kHeader) {
    const char* h = p + off;
    uint32_t packLen = be32(h);
    uint32_t headerLen = be16(h + 4);
    if (headerLen < kHeader || packLen < headerLen || packLen > kHeader + sh_.payload + 64) {
      ++mismatches;
      fail(c, "goim: malformed packet from the server", 0);
      return;
    }
    if (len - off < packLen) break;
    uint32_t op = be32(h + 8), seq = be32(h + 12);
    const char* body = h + headerLen;
    uint32_t bodyLen = packLen - headerLen;
    if (op == kAuthReply && !c.authed) {
      c.authed = true;
      if (phase != kDrain) fillPipeline(c, now);  // windows mode: the next window fills it
    } else if (op == kHeartbeatReply && c.heartbeatsOut > 0) {
      --c.heartbeatsOut;
      if (counting(phase)) ++heartbeats;
    } else if (op == kMessageReply && c.authed) {
      onGoimReply(c, body, bodyLen, seq, phase, now);
      if (c.dead) return;
    } else {
      ++mismatches;
      fail(c, "goim: unexpected op from the server", 0);
      return;
    }
    off += packLen;
  }
  *consumed = off;
}

// One op 5: it must answer the oldest message in flight (its seq), with that message's body.
void Worker::onGoimReply(Conn& c, const char* body, uint32_t len, uint32_t seq, int phase, uint64_t now) {
  if (c.recv < c.sent && seq != uint32_t(c.recv)) {
    ++mismatches;
    fail(c, "goim: reply out of order", 0);
    return;
  }
  completeEcho(c, body, len, phase, now);
}
