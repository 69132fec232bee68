// PROXY protocol v1 (text) and v2 (binary) headers, as HAProxy's
// proxy-protocol.txt defines them: the first bytes a load balancer sends on a
// connection, naming the client it accepted. Plain C++ over byte spans (no
// sockets) so it can be unit-tested and fuzzed alone.
//
// Strict: anything the specification does not allow is an error, decided as
// early as the bytes prove it (a first byte that starts neither signature
// fails at once, not at the header timeout). Stateless: the caller keeps the
// bytes received so far and parses them again when more arrive; a header is
// at most 107 bytes (v1) or maxV2Length bytes (v2), so re-parsing is cheap
// and bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ringnet::proxy {

constexpr size_t kV1MaxLength = 107;  // "PROXY UNKNOWN ..." incl. CRLF (spec section 2.1)
constexpr size_t kV2HeaderLength = 16;
constexpr size_t kUnixPathLength = 108;

enum class Status : uint8_t { kNeedMore, kDone, kError };

enum class Error : uint8_t {
  kNone = 0,
  kNotProxy = 1,          // the bytes start neither signature: no PROXY header was sent
  kBadV1 = 2,             // v1 line malformed (protocol, address, port, separators)
  kBadV2 = 3,             // v2 version/command/family or address block malformed
  kBadTlv = 4,            // v2 TLVs do not exactly fill the header
  kBadChecksum = 5,       // v2 PP2_TYPE_CRC32C present and wrong
  kTooLong = 6,           // v1 without CRLF in 107 bytes, or v2 longer than maxV2Length
  kVersionRefused = 7,    // a version the listener does not accept
  kTruncated = 8,         // never returned by parse(): the peer closed inside the header
};

enum class Family : uint8_t {
  kUnspec,  // LOCAL command, v1 UNKNOWN or v2 AF_UNSPEC: use the socket's own addresses
  kInet4,
  kInet6,
  kUnix,
};

struct Limits {
  bool acceptV1 = true;
  bool acceptV2 = true;
  size_t maxV2Length = 4096;  // whole v2 header (16 + address block + TLVs), >= 16
};

struct Header {
  uint8_t version = 0;    // 1 or 2
  bool local = false;     // v2 LOCAL (a balancer's health check): addresses are the socket's
  Family family = Family::kUnspec;
  uint8_t srcAddr[16] = {};  // network order; IPv4 in the first 4 bytes
  uint8_t dstAddr[16] = {};
  uint16_t srcPort = 0;
  uint16_t dstPort = 0;
  std::string srcPath;    // kUnix
  std::string dstPath;
  size_t length = 0;      // bytes the header occupies (the payload starts after them)
};

struct Result {
  Status status = Status::kNeedMore;
  Error error = Error::kNone;
};

// Parses a header at the start of data[0, len). kDone fills *out (out->length
// is where the connection's own bytes begin); kNeedMore means every byte so
// far is a valid prefix of an accepted header.
Result parse(const uint8_t* data, size_t len, const Limits& limits, Header* out);

// The v2 signature (12 bytes) and the v1 prefix ("PROXY "), for encoders in
// tests and tools.
extern const uint8_t kV2Signature[12];

// CRC-32C (Castagnoli), as PP2_TYPE_CRC32C uses it.
uint32_t crc32c(const uint8_t* data, size_t len, uint32_t crc = 0);

// A short English description of an error ("v1 header malformed", ...).
const char* describe(Error e);

}  // namespace ringnet::proxy
