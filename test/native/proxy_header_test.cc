// Unit tests for the PROXY protocol parser (native/core/codec/proxy_header.*):
// v1 and v2 headers from the specification's examples, every prefix of a
// valid header being "need more", strict rejections, TLVs and CRC32C, limits.
// Run by test/native/run.sh under ASan/UBSan.
#include <cstring>
#include <string>
#include <vector>

#include "core/codec/proxy_header.h"

#include "check.h"

using namespace ringnet;
using namespace ringnet::proxy;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

// Exact-size heap copy, so a read past the input is an ASan report.
Result run(const Bytes& in, Header* h, const Limits& limits = Limits{}) {
  std::vector<uint8_t> copy(in);
  return parse(copy.data(), copy.size(), limits, h);
}

// Every strict prefix of a valid header needs more bytes; the whole parses.
bool prefixesNeedMore(const Bytes& in, const Limits& limits = Limits{}) {
  for (size_t n = 0; n < in.size(); ++n) {
    Bytes part(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
    Header h;
    if (run(part, &h, limits).status != Status::kNeedMore) return false;
  }
  return true;
}

Bytes v2(uint8_t verCmd, uint8_t fam, const Bytes& block) {
  Bytes b(kV2Signature, kV2Signature + 12);
  b.push_back(verCmd);
  b.push_back(fam);
  b.push_back(static_cast<uint8_t>(block.size() >> 8));
  b.push_back(static_cast<uint8_t>(block.size()));
  b.insert(b.end(), block.begin(), block.end());
  return b;
}

Bytes inet4Block(const Bytes& tlvs = {}) {
  Bytes b = {192, 0, 2, 1, 198, 51, 100, 7, 0xC3, 0x50, 0x01, 0xBB};  // :50000 -> :443
  b.insert(b.end(), tlvs.begin(), tlvs.end());
  return b;
}

Error errorOf(const Bytes& in, const Limits& limits = Limits{}) {
  Header h;
  Result r = run(in, &h, limits);
  return r.status == Status::kError ? r.error : Error::kNone;
}

void testV1() {
  test::currentCase = "v1 TCP4";
  Bytes in = text("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET /");
  Header h;
  Result r = run(in, &h);
  CHECK(r.status == Status::kDone);
  CHECK(h.version == 1);
  CHECK(h.family == Family::kInet4);
  CHECK(h.length == in.size() - 5);
  CHECK(std::memcmp(h.srcAddr, "\xC0\x00\x02\x01", 4) == 0);
  CHECK(std::memcmp(h.dstAddr, "\xC6\x33\x64\x07", 4) == 0);
  CHECK(h.srcPort == 56324 && h.dstPort == 443);
  CHECK(prefixesNeedMore(Bytes(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(h.length))));

  test::currentCase = "v1 TCP6";
  in = text("PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 65535 0\r\n");
  r = run(in, &h);
  CHECK(r.status == Status::kDone);
  CHECK(h.family == Family::kInet6);
  CHECK(h.srcAddr[0] == 0x20 && h.srcAddr[1] == 0x01 && h.srcAddr[15] == 1);
  CHECK(h.dstAddr[10] == 0xFF && h.dstAddr[12] == 10 && h.dstAddr[15] == 1);
  CHECK(h.srcPort == 65535 && h.dstPort == 0);

  test::currentCase = "v1 UNKNOWN";
  r = run(text("PROXY UNKNOWN\r\n"), &h);
  CHECK(r.status == Status::kDone && h.family == Family::kUnspec && h.length == 15);
  r = run(text("PROXY UNKNOWN ffff:f...f:ffff 1.2.3.4 1 2\r\n"), &h);
  CHECK(r.status == Status::kDone && h.family == Family::kUnspec);

  test::currentCase = "v1 worst case is 107 bytes";
  std::string longest = "PROXY UNKNOWN ";
  while (longest.size() < kV1MaxLength - 2) longest += 'x';
  CHECK(run(text(longest + "\r\n"), &h).status == Status::kDone);
  CHECK(errorOf(text(longest + "x\r\n")) == Error::kTooLong);
  CHECK(errorOf(text(longest + "xxxxxxxx")) == Error::kTooLong);
}

void testV1Rejections() {
  test::currentCase = "v1 rejections";
  const char* bad[] = {
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\n",      // LF without CR
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\rX",     // CR without LF
      "PROXY TCP4 192.0.2.1  198.51.100.7 56324 443\r\n",   // double space
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443 \r\n",   // trailing space
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324\r\n",        // missing port
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443 1\r\n",  // extra field
      "PROXY TCP4 192.0.2.256 198.51.100.7 1 2\r\n",        // octet > 255
      "PROXY TCP4 192.0.2 198.51.100.7 1 2\r\n",            // three octets
      "PROXY TCP4 192.0.2.01 198.51.100.7 1 2\r\n",         // leading zero
      "PROXY TCP4 192.0.2.1 198.51.100.7 65536 2\r\n",      // port > 65535
      "PROXY TCP4 192.0.2.1 198.51.100.7 080 2\r\n",        // port leading zero
      "PROXY TCP4 192.0.2.1 198.51.100.7 -1 2\r\n",         // sign
      "PROXY TCP4 2001:db8::1 198.51.100.7 1 2\r\n",        // IPv6 in TCP4
      "PROXY TCP6 192.0.2.1 ::1 1 2\r\n",                   // IPv4 in TCP6
      "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",                // zone id
      "PROXY UDP4 192.0.2.1 198.51.100.7 1 2\r\n",          // protocol
      "PROXY tcp4 192.0.2.1 198.51.100.7 1 2\r\n",          // case
      "PROXY \r\n",                                         // nothing
      "PROXY TCP4\r\n",
      "PROXY UNKNOWNX\r\n",
      "PROXY TCP4 192.0.2.1 198.51.100.7 1 2\t\r\n",        // control char
  };
  for (const char* s : bad) {
    Error e = errorOf(text(s));
    CHECK(e == Error::kBadV1);
    if (e != Error::kBadV1) std::printf("  accepted or wrong error: %s\n", s);
  }
  CHECK(errorOf(text("GET / HTTP/1.1\r\n")) == Error::kNotProxy);
  CHECK(errorOf(text("PROXX")) == Error::kNotProxy);   // decided before the line ends
  CHECK(errorOf(text("proxy ")) == Error::kNotProxy);
  CHECK(errorOf(text("\r\n\r\n\x01")) == Error::kNotProxy);
  Bytes nonAscii = text("PROXY TCP4 ");
  nonAscii.push_back(0xC3);
  CHECK(errorOf(nonAscii) == Error::kBadV1);
  Limits v2only;
  v2only.acceptV1 = false;
  CHECK(errorOf(text("PROXY UNKNOWN\r\n"), v2only) == Error::kVersionRefused);
}

void testV2() {
  test::currentCase = "v2 INET";
  Bytes in = v2(0x21, 0x11, inet4Block());
  in.push_back('!');  // first payload byte
  Header h;
  Result r = run(in, &h);
  CHECK(r.status == Status::kDone);
  CHECK(h.version == 2 && !h.local && h.family == Family::kInet4);
  CHECK(h.length == 28);
  CHECK(h.srcAddr[0] == 192 && h.srcAddr[3] == 1 && h.dstAddr[0] == 198);
  CHECK(h.srcPort == 50000 && h.dstPort == 443);
  CHECK(prefixesNeedMore(Bytes(in.begin(), in.end() - 1)));

  test::currentCase = "v2 INET6";
  Bytes block(36, 0);
  block[0] = 0x20, block[1] = 0x01, block[15] = 9, block[31] = 1;
  block[32] = 0x12, block[33] = 0x34, block[34] = 0, block[35] = 80;
  r = run(v2(0x21, 0x21, block), &h);
  CHECK(r.status == Status::kDone && h.family == Family::kInet6);
  CHECK(h.srcAddr[0] == 0x20 && h.srcAddr[15] == 9 && h.dstAddr[15] == 1);
  CHECK(h.srcPort == 0x1234 && h.dstPort == 80);

  test::currentCase = "v2 UNIX";
  Bytes ublock(216, 0);
  std::memcpy(ublock.data(), "/run/client.sock", 16);
  std::memcpy(ublock.data() + 108, "/run/server.sock", 16);
  r = run(v2(0x21, 0x31, ublock), &h);
  CHECK(r.status == Status::kDone && h.family == Family::kUnix);
  CHECK(h.srcPath == "/run/client.sock" && h.dstPath == "/run/server.sock");
  std::memset(ublock.data(), 'a', 108);  // no NUL: the path is all 108 bytes
  r = run(v2(0x21, 0x31, ublock), &h);
  CHECK(r.status == Status::kDone && h.srcPath.size() == 108);

  test::currentCase = "v2 LOCAL and UNSPEC";
  r = run(v2(0x20, 0x00, {}), &h);
  CHECK(r.status == Status::kDone && h.local && h.family == Family::kUnspec && h.length == 16);
  r = run(v2(0x20, 0x11, inet4Block()), &h);  // LOCAL discards the block
  CHECK(r.status == Status::kDone && h.local && h.length == 28);
  r = run(v2(0x21, 0x00, {}), &h);
  CHECK(r.status == Status::kDone && !h.local && h.family == Family::kUnspec);

  test::currentCase = "v2 TLVs";
  Bytes tlvs = {0x01, 0x00, 0x02, 'h', '2', 0x04, 0x00, 0x00, 0xEA, 0x00, 0x01, 0x7F};
  CHECK(run(v2(0x21, 0x11, inet4Block(tlvs)), &h).status == Status::kDone);
  CHECK(errorOf(v2(0x21, 0x11, inet4Block({0x01, 0x00}))) == Error::kBadTlv);
  CHECK(errorOf(v2(0x21, 0x11, inet4Block({0x01, 0x00, 0x05, 'a'}))) == Error::kBadTlv);

  test::currentCase = "v2 CRC32C";
  CHECK(crc32c(reinterpret_cast<const uint8_t*>("123456789"), 9) == 0xE3069283u);  // check value
  Bytes withCrc = v2(0x21, 0x11, inet4Block({0x03, 0x00, 0x04, 0, 0, 0, 0}));
  uint32_t crc = crc32c(withCrc.data(), withCrc.size());
  for (int i = 0; i < 4; ++i) withCrc[withCrc.size() - 4 + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  CHECK(run(withCrc, &h).status == Status::kDone);
  withCrc[17] ^= 1;  // flip a bit of the source address
  CHECK(errorOf(withCrc) == Error::kBadChecksum);
  CHECK(errorOf(v2(0x21, 0x11, inet4Block({0x03, 0x00, 0x02, 0, 0}))) == Error::kBadTlv);
}

void testV2Rejections() {
  test::currentCase = "v2 rejections";
  CHECK(errorOf(v2(0x11, 0x11, inet4Block())) == Error::kBadV2);  // version 1 in binary
  CHECK(errorOf(v2(0x22, 0x11, inet4Block())) == Error::kBadV2);  // command 2
  CHECK(errorOf(v2(0x21, 0x12, inet4Block())) == Error::kBadV2);  // DGRAM
  CHECK(errorOf(v2(0x21, 0x41, inet4Block())) == Error::kBadV2);  // family 4
  CHECK(errorOf(v2(0x21, 0x01, {})) == Error::kBadV2);            // UNSPEC with STREAM
  CHECK(errorOf(v2(0x21, 0x21, inet4Block())) == Error::kBadV2);  // INET6 block too short
  // Decided from the 16-byte header, before the block arrives.
  Bytes shortBlock = v2(0x21, 0x11, Bytes(4, 0));
  CHECK(errorOf(shortBlock) == Error::kBadV2);
  Bytes sig(kV2Signature, kV2Signature + 12);
  sig[11] = 0x0B;
  CHECK(errorOf(sig) == Error::kNotProxy);
  sig.resize(7);
  sig[6] = 0;
  CHECK(errorOf(sig) == Error::kNotProxy);

  test::currentCase = "v2 limits";
  Limits small;
  small.maxV2Length = 28;
  Header h;
  CHECK(run(v2(0x21, 0x11, inet4Block()), &h, small).status == Status::kDone);
  Bytes bigger = v2(0x21, 0x11, inet4Block({0x04, 0x00, 0x00}));
  Bytes head(bigger.begin(), bigger.begin() + 16);  // only the header: decided already
  CHECK(errorOf(head, small) == Error::kTooLong);
  Limits v1only;
  v1only.acceptV2 = false;
  CHECK(errorOf(Bytes(kV2Signature, kV2Signature + 12), v1only) == Error::kVersionRefused);
}

}  // namespace

int main() {
  testV1();
  testV1Rejections();
  testV2();
  testV2Rejections();
  return test::checkSummary();
}
