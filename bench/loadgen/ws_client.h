// The client side of WebSocket (RFC 6455) that the lab's generators need: the upgrade
// handshake (request, 101 check with Sec-WebSocket-Accept) over many connections at once, masked
// client frames, and the header of the unmasked frames a server sends. Shared by bench/loadgen
// (--protocol ws) and bench/broadcast/client.cc (--protocol ws).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wsclient {

enum Opcode : uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

// A 16-byte random key, base64 (24 characters).
std::string makeKey();
// base64(SHA-1(key + RFC 6455's GUID)): what the server's Sec-WebSocket-Accept must be. SHA-1
// is libcrypto's, so the server's own implementation is checked against an independent one.
std::string acceptFor(const std::string& key);
// GET `path` with the upgrade headers.
std::string request(const std::string& host, const std::string& path, const std::string& key);

// Checks a complete response head (up to and including the blank line): "HTTP/1.1 101", an
// `Upgrade: websocket` header and `Sec-WebSocket-Accept: <accept>`. Returns "" or what is wrong.
std::string checkResponse(const char* head, size_t len, const std::string& accept);

// Appends one client frame (FIN set) with `payload` XORed with `mask` (RFC 6455 5.3: every
// client frame is masked, with a fresh mask each).
void appendFrame(std::string& out, uint8_t opcode, const uint8_t* payload, size_t len, uint32_t mask);

struct FrameHeader {
  bool fin = false;
  uint8_t opcode = 0;
  uint64_t length = 0;
  size_t headerSize = 0;
};
// Parses the header of a server frame at p[0..len). Returns 1 (complete header in *h), 0 (need
// more bytes) or -1 (*why says why: RSV bits, a mask on a server frame, a 64-bit length with the
// top bit set).
int parseServerHeader(const uint8_t* p, size_t len, FrameHeader* h, const char** why);

// xorshift64*: masks and keys need not be cryptographic for a load generator, but distinct.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed ? seed : 0x9E3779B97F4A7C15ull) {}
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
};
uint64_t randomSeed();  // getrandom(), for Rng

struct UpgradeResult {
  std::vector<bool> ok;                // per fd: upgraded (the others are closed and set to -1)
  std::vector<std::string> leftover;   // per fd: bytes that followed the 101 in the same read
  uint64_t failed = 0;
  std::string firstError;
};
// Sends the upgrade request on every (connected, non-blocking) fd and waits for every 101,
// `timeoutSec` at most without progress. Failed connections are closed and their fd set to -1.
UpgradeResult upgradeAll(std::vector<int>& fds, const std::string& host, const std::string& path, double timeoutSec);

}  // namespace wsclient
