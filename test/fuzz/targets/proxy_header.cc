// Fuzz target: PROXY protocol v1/v2 header parser (native/core/codec/proxy_header.cc).
// Input: [limits] (bit 0 refuse v1, bit 1 refuse v2, bits 2..7 maxV2Length / 8
// above 16), a u32 rng seed, then the stream; the stream's bytes also drive a
// generated header for the round trip.
//
// Properties:
//  - every parse gets an exact-size buffer (the bytes past it ASan-poisoned:
//    ASan catches a read past it);
//  - growing the input never changes a decision: once a prefix is a header
//    (or an error), every longer input is the same header (the same error);
//    "need more" only below the longest header the limits allow. Checked on a
//    sample of prefix lengths per input (every length up to 24, the lengths
//    around the header's end, 16 random ones and the longest), not all of
//    them: parsing every prefix was quadratic in the input;
//  - a header the target encodes (v1 text or v2 binary, random families,
//    addresses, ports, TLVs, with and without CRC32C) parses back to exactly
//    its fields, with the payload after it untouched.
#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/codec/proxy_header.h"
#include "support/arrival_buffer.h"
#include "support/check.h"
#include "support/fuzz_input.h"

using namespace ringnet;
using namespace ringnet::fuzz;
using proxy::Family;
using proxy::Header;
using proxy::Limits;
using proxy::Result;
using proxy::Status;

namespace {

Result parseExact(const std::string& s, size_t n, const Limits& limits, Header* h) {
  static thread_local ExactBuffer copy;
  return proxy::parse(copy.copy(s.data(), n), n, limits, h);
}

bool sameHeader(const Header& a, const Header& b) {
  return a.version == b.version && a.local == b.local && a.family == b.family &&
         std::memcmp(a.srcAddr, b.srcAddr, 16) == 0 && std::memcmp(a.dstAddr, b.dstAddr, 16) == 0 &&
         a.srcPort == b.srcPort && a.dstPort == b.dstPort && a.srcPath == b.srcPath &&
         a.dstPath == b.dstPath && a.length == b.length;
}

// The prefix lengths checkMonotonic parses, ascending, without repeats.
const std::vector<size_t>& prefixSample(const std::string& stream, size_t upto, const Limits& limits, Rng& rng) {
  static thread_local std::vector<size_t> lengths;
  lengths.clear();
  for (size_t n = 0; n <= std::min<size_t>(upto, 24); ++n) lengths.push_back(n);
  Header h;
  if (parseExact(stream, upto, limits, &h).status == Status::kDone) {
    for (size_t n = h.length > 0 ? h.length - 1 : 0; n <= h.length + 1 && n <= upto; ++n) lengths.push_back(n);
  }
  for (int i = 0; i < 16; ++i) lengths.push_back(rng.between(0, upto));
  lengths.push_back(upto);
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  return lengths;
}

void checkMonotonic(const std::string& stream, const Limits& limits, Rng& rng) {
  const size_t longest = std::max(proxy::kV1MaxLength, limits.maxV2Length);
  const size_t upto = std::min(stream.size(), longest + 8);
  Header first, h;
  Result decided{};
  bool haveDecision = false;
  for (size_t n : prefixSample(stream, upto, limits, rng)) {
    Result r = parseExact(stream, n, limits, &h);
    if (r.status == Status::kNeedMore) {
      FUZZ_CHECK(!haveDecision);
      FUZZ_CHECK(n < longest);
      continue;
    }
    if (r.status == Status::kDone) {
      FUZZ_CHECK(h.length > 0 && h.length <= n);
      FUZZ_CHECK(h.version == 1 || h.version == 2);
      FUZZ_CHECK(h.version == 1 ? h.length <= proxy::kV1MaxLength : h.length <= limits.maxV2Length);
    }
    if (!haveDecision) {
      haveDecision = true;
      decided = r;
      first = h;
    } else {
      FUZZ_CHECK(r.status == decided.status && r.error == decided.error);
      if (r.status == Status::kDone) FUZZ_CHECK(sameHeader(h, first));
    }
  }
}

void put16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v));
}

// Builds a header from the rng and checks it parses back to the same fields.
void checkRoundTrip(Rng& rng, const Limits& limits) {
  Header want;
  std::string wire;
  const bool v1 = limits.acceptV1 && (!limits.acceptV2 || rng.next() % 2 == 0);
  if (!limits.acceptV1 && !limits.acceptV2) return;
  const int fam = static_cast<int>(rng.next() % (v1 ? 3 : 4));  // 0 unspec, 1 v4, 2 v6, 3 unix
  for (int i = 0; i < 16; ++i) {
    want.srcAddr[i] = static_cast<uint8_t>(rng.next());
    want.dstAddr[i] = static_cast<uint8_t>(rng.next());
  }
  if (fam == 1) {
    std::memset(want.srcAddr + 4, 0, 12);
    std::memset(want.dstAddr + 4, 0, 12);
  }
  want.srcPort = static_cast<uint16_t>(rng.next());
  want.dstPort = static_cast<uint16_t>(rng.next());
  if (v1) {
    want.version = 1;
    if (fam == 0) {
      wire = "PROXY UNKNOWN";
      if (rng.next() % 2) wire += " whatever follows is ignored";
      std::memset(want.srcAddr, 0, 16);
      std::memset(want.dstAddr, 0, 16);
      want.srcPort = want.dstPort = 0;
    } else {
      char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
      const int af = fam == 1 ? AF_INET : AF_INET6;
      inet_ntop(af, want.srcAddr, a, sizeof a);
      inet_ntop(af, want.dstAddr, b, sizeof b);
      wire = std::string(fam == 1 ? "PROXY TCP4 " : "PROXY TCP6 ") + a + " " + b + " " +
             std::to_string(want.srcPort) + " " + std::to_string(want.dstPort);
    }
    wire += "\r\n";
    want.family = fam == 0 ? Family::kUnspec : fam == 1 ? Family::kInet4 : Family::kInet6;
  } else {
    want.version = 2;
    std::string block;
    if (fam == 1 || fam == 2) {
      const size_t n = fam == 1 ? 4 : 16;
      block.append(reinterpret_cast<const char*>(want.srcAddr), n);
      block.append(reinterpret_cast<const char*>(want.dstAddr), n);
      put16(block, want.srcPort);
      put16(block, want.dstPort);
    } else if (fam == 3) {
      std::string paths(216, '\0');
      const size_t sn = rng.next() % 109, dn = rng.next() % 109;
      for (size_t i = 0; i < sn; ++i) paths[i] = static_cast<char>('a' + rng.next() % 26);
      for (size_t i = 0; i < dn; ++i) paths[108 + i] = static_cast<char>('A' + rng.next() % 26);
      want.srcPath = paths.substr(0, sn);
      want.dstPath = paths.substr(108, dn);
      block = paths;
    }
    if (fam != 1 && fam != 2) {
      std::memset(want.srcAddr, 0, 16);
      std::memset(want.dstAddr, 0, 16);
      want.srcPort = want.dstPort = 0;
    }
    // TLVs: a few random ones (never type 3), then maybe a CRC32C.
    const int tlvs = static_cast<int>(rng.next() % 4);
    for (int t = 0; t < tlvs; ++t) {
      uint8_t type = static_cast<uint8_t>(rng.next());
      if (type == 0x03) type = 0x04;
      const uint16_t n = static_cast<uint16_t>(rng.next() % 40);
      block.push_back(static_cast<char>(type));
      put16(block, n);
      for (uint16_t i = 0; i < n; ++i) block.push_back(static_cast<char>(rng.next()));
    }
    const bool withCrc = rng.next() % 2 == 0;
    if (withCrc) block += std::string("\x03\x00\x04\x00\x00\x00\x00", 7);
    wire.assign(reinterpret_cast<const char*>(proxy::kV2Signature), 12);
    wire.push_back('\x21');
    const uint8_t famByte = fam == 0 ? 0x00 : static_cast<uint8_t>((fam << 4) | 1);
    wire.push_back(static_cast<char>(famByte));
    put16(wire, static_cast<uint16_t>(block.size()));
    wire += block;
    if (withCrc) {
      const uint32_t crc = proxy::crc32c(reinterpret_cast<const uint8_t*>(wire.data()), wire.size());
      for (int i = 0; i < 4; ++i) wire[wire.size() - 4 + static_cast<size_t>(i)] = static_cast<char>(crc >> (24 - 8 * i));
    }
    want.family = fam == 0 ? Family::kUnspec : fam == 1 ? Family::kInet4 : fam == 2 ? Family::kInet6 : Family::kUnix;
  }
  want.length = wire.size();
  const std::string payload = "payload after the header";
  const std::string all = wire + payload;
  Header got;
  Result r = parseExact(all, all.size(), limits, &got);
  if (!v1 && wire.size() > limits.maxV2Length) {
    FUZZ_CHECK(r.status == Status::kError && r.error == proxy::Error::kTooLong);
    return;
  }
  FUZZ_CHECK(r.status == Status::kDone);
  FUZZ_CHECK(sameHeader(got, want));
  FUZZ_CHECK(all.substr(got.length) == payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t shape = in.u8();
  Limits limits;
  limits.acceptV1 = (shape & 1) == 0;
  limits.acceptV2 = (shape & 2) == 0;
  limits.maxV2Length = 16 + 8 * static_cast<size_t>(shape >> 2);  // 16..520
  Rng rng(in.u32());
  const std::string stream = in.rest();
  checkMonotonic(stream, limits, rng);
  checkRoundTrip(rng, limits);
  return 0;
}
