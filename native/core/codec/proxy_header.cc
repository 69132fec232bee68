// PROXY protocol v1/v2 parser (proxy_header.h). The rules follow HAProxy's
// proxy-protocol.txt; where it leaves room we refuse (leading zeros, empty
// fields, double spaces, DGRAM on a stream listener), since a balancer never
// sends those and anything else in front of the server must not be trusted.
#include "proxy_header.h"

#include <arpa/inet.h>

#include <cstring>

namespace ringnet::proxy {

const uint8_t kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                  0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

namespace {

constexpr char kV1Prefix[] = "PROXY ";
constexpr size_t kV1PrefixLength = 6;

Result done() { return Result{Status::kDone, Error::kNone}; }
Result more() { return Result{Status::kNeedMore, Error::kNone}; }
Result fail(Error e) { return Result{Status::kError, e}; }

// A span of the v1 line being tokenized.
struct Cursor {
  const char* p;
  const char* end;
  // The next token up to a single space (consumed) or the end of the line.
  bool token(const char** start, size_t* n, bool last) {
    const char* s = p;
    while (p < end && *p != ' ') ++p;
    *start = s;
    *n = static_cast<size_t>(p - s);
    if (*n == 0) return false;
    if (last) return p == end;  // nothing may follow the last field
    if (p == end) return false;
    ++p;                        // exactly one space
    return true;
  }
};

bool parseDecimal(const char* s, size_t n, uint32_t max, uint32_t* out) {
  if (n == 0 || n > 5) return false;
  if (n > 1 && s[0] == '0') return false;  // no leading zeros
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<uint32_t>(s[i] - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

bool parseIpv4(const char* s, size_t n, uint8_t* out) {
  size_t part = 0, start = 0;
  for (size_t i = 0; i <= n; ++i) {
    if (i == n || s[i] == '.') {
      uint32_t v;
      if (part > 3 || i - start > 3 || !parseDecimal(s + start, i - start, 255, &v)) return false;
      out[part++] = static_cast<uint8_t>(v);
      start = i + 1;
    }
  }
  return part == 4;
}

bool parseIpv6(const char* s, size_t n, uint8_t* out) {
  // inet_pton wants a NUL-terminated string; the longest textual form is 45.
  char text[46];
  if (n == 0 || n >= sizeof text) return false;
  for (size_t i = 0; i < n; ++i) {
    const char ch = s[i];
    const bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                    (ch >= 'A' && ch <= 'F') || ch == ':' || ch == '.';
    if (!ok) return false;  // no zone ids, no brackets
  }
  std::memcpy(text, s, n);
  text[n] = '\0';
  return inet_pton(AF_INET6, text, out) == 1;
}

// "PROXY " + fields + CRLF; the whole line is data[0, lineEnd) where
// data[lineEnd - 2, lineEnd) is CRLF.
Result parseV1Line(const char* line, size_t n, Header* out) {
  Cursor cur{line + kV1PrefixLength, line + n - 2};
  const char* tok;
  size_t len;
  const bool hasMore = cur.token(&tok, &len, false);
  if (len == 7 && std::memcmp(tok, "UNKNOWN", 7) == 0) {
    // The spec lets anything follow UNKNOWN (the receiver ignores it).
    out->family = Family::kUnspec;
    return done();
  }
  if (!hasMore || len != 4) return fail(Error::kBadV1);
  const bool v4 = std::memcmp(tok, "TCP4", 4) == 0;
  if (!v4 && std::memcmp(tok, "TCP6", 4) != 0) return fail(Error::kBadV1);
  out->family = v4 ? Family::kInet4 : Family::kInet6;
  const char *src, *dst, *sp, *dp;
  size_t srcN, dstN, spN, dpN;
  if (!cur.token(&src, &srcN, false) || !cur.token(&dst, &dstN, false) ||
      !cur.token(&sp, &spN, false) || !cur.token(&dp, &dpN, true)) {
    return fail(Error::kBadV1);
  }
  const bool addrs = v4 ? parseIpv4(src, srcN, out->srcAddr) && parseIpv4(dst, dstN, out->dstAddr)
                        : parseIpv6(src, srcN, out->srcAddr) && parseIpv6(dst, dstN, out->dstAddr);
  uint32_t sport, dport;
  if (!addrs || !parseDecimal(sp, spN, 65535, &sport) || !parseDecimal(dp, dpN, 65535, &dport)) {
    return fail(Error::kBadV1);
  }
  out->srcPort = static_cast<uint16_t>(sport);
  out->dstPort = static_cast<uint16_t>(dport);
  return done();
}

Result parseV1(const uint8_t* data, size_t len, Header* out) {
  // Printable ASCII up to CRLF; a CR must be followed by LF, and LF alone is
  // refused, so a line is decided as soon as its end arrives.
  const size_t scan = len < kV1MaxLength ? len : kV1MaxLength;
  for (size_t i = kV1PrefixLength; i < scan; ++i) {
    const uint8_t ch = data[i];
    if (ch == '\r') {
      if (i + 1 >= kV1MaxLength) return fail(Error::kTooLong);  // LF would be byte 108
      if (i + 1 == len) return more();
      if (data[i + 1] != '\n') return fail(Error::kBadV1);
      out->version = 1;
      out->length = i + 2;
      return parseV1Line(reinterpret_cast<const char*>(data), i + 2, out);
    }
    if (ch < 0x20 || ch > 0x7E) return fail(Error::kBadV1);
  }
  return len >= kV1MaxLength ? fail(Error::kTooLong) : more();
}

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

std::string unixPath(const uint8_t* p) {
  const char* s = reinterpret_cast<const char*>(p);
  return std::string(s, strnlen(s, kUnixPathLength));
}

constexpr uint8_t kTlvCrc32c = 0x03;

// TLVs fill [pos, end) exactly; a CRC32C TLV must match the whole header
// computed with its own value zeroed.
Result checkTlvs(const uint8_t* data, size_t pos, size_t end) {
  size_t crcAt = 0;
  while (pos < end) {
    if (end - pos < 3) return fail(Error::kBadTlv);
    const uint8_t type = data[pos];
    const size_t n = be16(data + pos + 1);
    if (n > end - pos - 3) return fail(Error::kBadTlv);
    if (type == kTlvCrc32c) {
      if (n != 4 || crcAt != 0) return fail(Error::kBadTlv);
      crcAt = pos + 3;
    }
    pos += 3 + n;
  }
  if (crcAt == 0) return done();
  const uint8_t zeros[4] = {0, 0, 0, 0};
  uint32_t crc = crc32c(data, crcAt);
  crc = crc32c(zeros, 4, crc);
  crc = crc32c(data + crcAt + 4, end - crcAt - 4, crc);
  return crc == be32(data + crcAt) ? done() : fail(Error::kBadChecksum);
}

Result parseV2(const uint8_t* data, size_t len, const Limits& limits, Header* out) {
  if (len < kV2HeaderLength) return more();
  const uint8_t verCmd = data[12];
  const uint8_t fam = data[13];
  if ((verCmd >> 4) != 2) return fail(Error::kBadV2);
  const uint8_t cmd = verCmd & 0x0F;
  if (cmd > 1) return fail(Error::kBadV2);
  const size_t total = kV2HeaderLength + be16(data + 14);
  if (total > limits.maxV2Length) return fail(Error::kTooLong);
  const uint8_t af = fam >> 4, proto = fam & 0x0F;
  if (cmd == 0) {
    // LOCAL: the balancer speaking for itself; the block is discarded (spec 2.2).
    if (len < total) return more();
    out->version = 2;
    out->local = true;
    out->family = Family::kUnspec;
    out->length = total;
    return done();
  }
  size_t block = 0;
  switch (af) {
    case 0: block = 0; break;
    case 1: block = 12; break;
    case 2: block = 36; break;
    case 3: block = 2 * kUnixPathLength; break;
    default: return fail(Error::kBadV2);
  }
  // A stream listener takes STREAM; UNSPEC goes only with AF_UNSPEC.
  if (af == 0 ? proto != 0 : proto != 1) return fail(Error::kBadV2);
  if (total - kV2HeaderLength < block) return fail(Error::kBadV2);
  if (len < total) return more();
  Result tlv = checkTlvs(data, kV2HeaderLength + block, total);
  if (tlv.status != Status::kDone) return tlv;

  const uint8_t* a = data + kV2HeaderLength;
  out->version = 2;
  out->length = total;
  switch (af) {
    case 1:
      out->family = Family::kInet4;
      std::memcpy(out->srcAddr, a, 4);
      std::memcpy(out->dstAddr, a + 4, 4);
      out->srcPort = be16(a + 8);
      out->dstPort = be16(a + 10);
      break;
    case 2:
      out->family = Family::kInet6;
      std::memcpy(out->srcAddr, a, 16);
      std::memcpy(out->dstAddr, a + 16, 16);
      out->srcPort = be16(a + 32);
      out->dstPort = be16(a + 34);
      break;
    case 3:
      out->family = Family::kUnix;
      out->srcPath = unixPath(a);
      out->dstPath = unixPath(a + kUnixPathLength);
      break;
    default:
      out->family = Family::kUnspec;
      break;
  }
  return done();
}

}  // namespace

Result parse(const uint8_t* data, size_t len, const Limits& limits, Header* out) {
  *out = Header{};
  if (len == 0) return more();
  // Which signature: decided by the first byte, then every byte must match.
  if (data[0] == 'P') {
    const size_t n = len < kV1PrefixLength ? len : kV1PrefixLength;
    if (std::memcmp(data, kV1Prefix, n) != 0) return fail(Error::kNotProxy);
    if (len < kV1PrefixLength) return more();  // refused only once it surely is v1
    if (!limits.acceptV1) return fail(Error::kVersionRefused);
    return parseV1(data, len, out);
  }
  if (data[0] == kV2Signature[0]) {
    const size_t n = len < sizeof kV2Signature ? len : sizeof kV2Signature;
    if (std::memcmp(data, kV2Signature, n) != 0) return fail(Error::kNotProxy);
    if (len < sizeof kV2Signature) return more();
    if (!limits.acceptV2) return fail(Error::kVersionRefused);
    return parseV2(data, len, limits, out);
  }
  return fail(Error::kNotProxy);
}

uint32_t crc32c(const uint8_t* data, size_t len, uint32_t crc) {
  crc = ~crc;
  for (size_t i = 0; i < len; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

const char* describe(Error e) {
  switch (e) {
    case Error::kNone: return "no error";
    case Error::kNotProxy: return "no PROXY protocol header";
    case Error::kBadV1: return "malformed PROXY v1 header";
    case Error::kBadV2: return "malformed PROXY v2 header";
    case Error::kBadTlv: return "malformed PROXY v2 TLVs";
    case Error::kBadChecksum: return "PROXY v2 CRC32C mismatch";
    case Error::kTooLong: return "PROXY header too long";
    case Error::kVersionRefused: return "PROXY protocol version not accepted by this listener";
    case Error::kTruncated: return "connection ended before the PROXY header was complete";
  }
  return "unknown PROXY header error";
}

}  // namespace ringnet::proxy
