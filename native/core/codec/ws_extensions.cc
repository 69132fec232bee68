#include "ws_extensions.h"

#include "http_chars.h"

namespace ringnet::ws {

namespace {

using http::equalsLower;
using http::isTchar;

bool isOws(uint8_t c) { return c == ' ' || c == '\t'; }

struct Cursor {
  const uint8_t* p;
  size_t n;
  size_t i = 0;
  void skipOws() {
    while (i < n && isOws(p[i])) ++i;
  }
  // A token; empty when there is none here.
  std::string token() {
    size_t start = i;
    while (i < n && isTchar(p[i])) ++i;
    return std::string(reinterpret_cast<const char*>(p + start), i - start);
  }
  // A parameter value: token or quoted-string (unquoted); false when malformed.
  bool value(std::string* out) {
    if (i < n && p[i] == '"') {
      ++i;
      out->clear();
      while (i < n && p[i] != '"') {
        if (p[i] == '\\' && i + 1 < n) ++i;
        out->push_back(static_cast<char>(p[i++]));
      }
      if (i >= n) return false;
      ++i;
      return true;
    }
    *out = token();
    return !out->empty();
  }
};

bool windowBits(const std::string& v, int* out) {
  if (v.empty() || v.size() > 2 || (v.size() == 2 && v[0] == '0')) return false;
  int x = 0;
  for (char ch : v) {
    if (ch < '0' || ch > '9') return false;
    x = x * 10 + (ch - '0');
  }
  if (x < 8 || x > 15) return false;
  *out = x;
  return true;
}

bool lowerIs(const std::string& s, const char* lit, size_t len) {
  return equalsLower(reinterpret_cast<const uint8_t*>(s.data()), s.size(), lit, len);
}

}  // namespace

DeflateOffer negotiateDeflate(const uint8_t* value, size_t length, const DeflatePolicy& policy) {
  Cursor c{value, length};
  for (;;) {
    c.skipOws();
    while (c.i < c.n && (c.p[c.i] == ',' || isOws(c.p[c.i]))) ++c.i;
    if (c.i >= c.n) return DeflateOffer{};
    const std::string name = c.token();
    if (name.empty()) return DeflateOffer{};  // malformed: decline everything
    DeflateOffer offer;
    bool valid = lowerIs(name, "permessage-deflate", 18);
    bool seenServerNct = false, seenClientNct = false, seenServerBits = false, seenClientBits = false;
    int clientBits = 0;  // the client's client_max_window_bits value (0: none given)
    for (;;) {
      c.skipOws();
      if (c.i >= c.n || c.p[c.i] == ',') break;
      if (c.p[c.i] != ';') return DeflateOffer{};
      ++c.i;
      c.skipOws();
      const std::string param = c.token();
      if (param.empty()) return DeflateOffer{};
      c.skipOws();
      std::string v;
      bool hasValue = false;
      if (c.i < c.n && c.p[c.i] == '=') {
        ++c.i;
        c.skipOws();
        if (!c.value(&v)) return DeflateOffer{};
        hasValue = true;
      }
      if (!valid) continue;  // another extension's parameters
      // Each parameter at most once, with a legal value (RFC 7692 7.1).
      if (lowerIs(param, "server_no_context_takeover", 26)) {
        valid = !seenServerNct && !hasValue;
        seenServerNct = true;
        offer.serverNoContextTakeover = true;
      } else if (lowerIs(param, "client_no_context_takeover", 26)) {
        valid = !seenClientNct && !hasValue;
        seenClientNct = true;
      } else if (lowerIs(param, "server_max_window_bits", 22)) {
        int bits = 0;
        valid = !seenServerBits && hasValue && windowBits(v, &bits) && bits >= 9;
        seenServerBits = true;
        offer.serverMaxWindowBits = bits;
      } else if (lowerIs(param, "client_max_window_bits", 22)) {
        valid = !seenClientBits && (!hasValue || windowBits(v, &clientBits));
        seenClientBits = true;
      } else {
        valid = false;
      }
    }
    // A client window limit can only be asked of a client that offered the parameter.
    if (valid && policy.clientMaxWindowBits < 15 && !seenClientBits) valid = false;
    if (valid) {
      offer.accepted = true;
      const int offered = offer.serverMaxWindowBits == 0 ? 15 : offer.serverMaxWindowBits;
      const int agreed = offered < policy.serverMaxWindowBits ? offered : policy.serverMaxWindowBits;
      offer.serverMaxWindowBits = (seenServerBits || agreed < 15) ? agreed : 0;
      if (seenClientBits && policy.clientMaxWindowBits < 15) {
        const int limit = clientBits == 0 ? 15 : clientBits;
        offer.clientMaxWindowBits = limit < policy.clientMaxWindowBits ? limit : policy.clientMaxWindowBits;
      }
      return offer;
    }
  }
}

std::string deflateResponse(const DeflateOffer& offer, bool contextTakeover) {
  std::string r = contextTakeover ? "permessage-deflate; client_no_context_takeover"
                                  : "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
  if (offer.serverMaxWindowBits != 0) r += "; server_max_window_bits=" + std::to_string(offer.serverMaxWindowBits);
  if (offer.clientMaxWindowBits != 0) r += "; client_max_window_bits=" + std::to_string(offer.clientMaxWindowBits);
  return r;
}

}  // namespace ringnet::ws
