// The WebSocket side of the generator (--protocol ws): once upgraded (ws_client.cc, before the
// workers start), every message is one binary frame, masked with a fresh mask (RFC 6455 5.3),
// whose payload is the connection's pattern; the server must echo it as one binary message
// (unmasked, possibly fragmented) with the same bytes. Pings are answered with pongs; a close
// frame, a text message or a malformed frame fails the connection.
#include <cstdio>
#include <cstring>

#include "worker.h"

void Worker::queueWs(uint8_t opcode, const uint8_t* payload, size_t len) {
  wsclient::appendFrame(obuf_, opcode, payload, len, uint32_t(rng_.next() >> 16));
}

void Worker::parseWs(Conn& c, const char* p, size_t len, size_t* consumed) {
  const int phase = sh_.phase.load(std::memory_order_relaxed);
  const uint64_t now = nowNs();
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  size_t off = 0;
  while (off < len) {
    wsclient::FrameHeader h;
    const char* why = nullptr;
    int rc = wsclient::parseServerHeader(u + off, len - off, &h, &why);
    if (rc < 0) {
      ++mismatches;
      fail(c, why, 0);
      return;
    }
    if (rc == 0) break;
    const bool control = h.opcode >= wsclient::kClose;
    // A data frame longer than what was sent can never match: fail before buffering it.
    if (control ? h.length > 125 : h.length + c.message.size() > sh_.payload) {
      ++mismatches;
      fail(c, control ? "control frame over 125 bytes" : "echoed message longer than the message sent", 0);
      return;
    }
    if (len - off - h.headerSize < h.length) break;
    const char* body = p + off + h.headerSize;
    const size_t blen = size_t(h.length);
    off += h.headerSize + blen;
    switch (h.opcode) {
      case wsclient::kPing:
        queueWs(wsclient::kPong, reinterpret_cast<const uint8_t*>(body), blen);
        continue;
      case wsclient::kPong:
        continue;
      case wsclient::kClose: {
        char msg[96];
        unsigned code = blen >= 2 ? (unsigned(uint8_t(body[0])) << 8) | uint8_t(body[1]) : 1005;
        std::snprintf(msg, sizeof(msg), "server sent a close frame (code %u)", code);
        ++mismatches;
        fail(c, msg, 0);
        return;
      }
      case wsclient::kBinary:
      case wsclient::kContinuation: {
        if ((h.opcode == wsclient::kBinary) == c.fragmented) {  // fragmented: a message is open
          ++mismatches;
          fail(c, c.fragmented ? "new message inside a fragmented one" : "continuation without a message", 0);
          return;
        }
        if (!h.fin || c.fragmented) {  // fragmented: gather (rare; servers echo a message in one frame)
          c.message.append(body, blen);
          c.fragmented = !h.fin;
          if (!h.fin) continue;
          std::string whole;
          whole.swap(c.message);
          if (!completeEcho(c, whole.data(), whole.size(), phase, now)) return;
          continue;
        }
        if (!completeEcho(c, body, blen, phase, now)) return;
        continue;
      }
      default:
        ++mismatches;
        fail(c, h.opcode == wsclient::kText ? "server sent a text message" : "server frame with a reserved opcode", 0);
        return;
    }
  }
  *consumed = off;
}
