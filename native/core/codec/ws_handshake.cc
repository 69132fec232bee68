#include "ws_handshake.h"

#include <cstring>

#include "http_chars.h"
#include "ws_accept.h"

namespace ringnet::ws {

namespace {

using http::equalsLower;

bool isOws(uint8_t c) { return c == ' ' || c == '\t'; }

// True when the comma-separated list v[0, n) holds `token` (case-insensitive).
bool listHas(const uint8_t* v, size_t n, const char* token) {
  const size_t tl = std::strlen(token);
  size_t i = 0;
  while (i < n) {
    while (i < n && (isOws(v[i]) || v[i] == ',')) ++i;
    size_t j = i;
    while (j < n && v[j] != ',') ++j;
    size_t e = j;
    while (e > i && isOws(v[e - 1])) --e;
    if (equalsLower(v + i, e - i, token, tl)) return true;
    i = j;
  }
  return false;
}

bool pathMatches(const uint8_t* target, size_t n, const std::string& path) {
  if (path.empty()) return true;
  size_t end = 0;
  while (end < n && target[end] != '?') ++end;
  return end == path.size() && std::memcmp(target, path.data(), end) == 0;
}

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 426: return "Upgrade Required";
    case 401: return "Unauthorized";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Refused";
  }
}

}  // namespace

UpgradeCheck checkUpgrade(const uint8_t* data, const HttpHead& head, const int32_t* fields,
                          size_t fieldCount, const std::string& path) {
  UpgradeCheck out;
  out.onPath = pathMatches(data + head.targetOffset, head.targetLength, path);
  bool connectionUpgrade = false;
  int keys = 0;
  bool version13 = false;
  for (size_t i = 0; i < fieldCount; ++i) {
    const uint8_t* name = data + fields[4 * i];
    const size_t nl = static_cast<size_t>(fields[4 * i + 1]);
    const uint8_t* value = data + fields[4 * i + 2];
    const size_t vl = static_cast<size_t>(fields[4 * i + 3]);
    if (equalsLower(name, nl, "upgrade", 7)) {
      if (listHas(value, vl, "websocket")) out.upgrade = true;
    } else if (equalsLower(name, nl, "connection", 10)) {
      if (listHas(value, vl, "upgrade")) connectionUpgrade = true;
    } else if (equalsLower(name, nl, "sec-websocket-key", 17)) {
      ++keys;
      out.keyOffset = static_cast<size_t>(fields[4 * i + 2]);
      out.keyLength = vl;
    } else if (equalsLower(name, nl, "sec-websocket-version", 21)) {
      version13 = vl == 2 && value[0] == '1' && value[1] == '3';
    }
  }
  if (!out.upgrade) {
    out.status = out.onPath ? 426 : 404;
    return out;
  }
  if (!out.onPath) {
    out.status = 404;
    return out;
  }
  const bool hasBody = head.chunked || (head.hasLength && head.contentLength > 0);
  if (head.method != kHttpGet || head.minor != 1 || hasBody || !connectionUpgrade || keys != 1 ||
      !isValidKey(data + out.keyOffset, out.keyLength)) {
    out.status = 400;
    return out;
  }
  if (!version13) out.status = 426;
  return out;
}

std::string acceptResponse(const uint8_t* key, size_t keyLength, const std::string& protocol,
                           const std::string& extensions) {
  std::string r =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  r += acceptKey(key, keyLength);
  r += "\r\n";
  if (!protocol.empty()) r += "Sec-WebSocket-Protocol: " + protocol + "\r\n";
  if (!extensions.empty()) r += "Sec-WebSocket-Extensions: " + extensions + "\r\n";
  r += "\r\n";
  return r;
}

std::string refusalResponse(int status) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  if (status == 426) r += "Sec-WebSocket-Version: 13\r\nUpgrade: websocket\r\n";
  r += "Connection: close\r\nContent-Length: 0\r\n\r\n";
  return r;
}

}  // namespace ringnet::ws
