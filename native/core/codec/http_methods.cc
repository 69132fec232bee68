#include "http_methods.h"

#include <cstring>

#include "http_chars.h"

namespace ringnet {

uint8_t httpMethodCode(const uint8_t* m, size_t n) {
  struct Known {
    const char* name;
    size_t len;
    uint8_t code;
  };
  static const Known known[] = {
      {"GET", 3, kHttpGet},         {"HEAD", 4, kHttpHead},       {"POST", 4, kHttpPost},
      {"PUT", 3, kHttpPut},         {"DELETE", 6, kHttpDelete},   {"CONNECT", 7, kHttpConnect},
      {"OPTIONS", 7, kHttpOptions}, {"TRACE", 5, kHttpTrace},     {"PATCH", 5, kHttpPatch},
  };
  for (const Known& k : known) {
    if (k.len == n && std::memcmp(k.name, m, n) == 0) return k.code;
  }
  return kHttpOther;
}

const std::vector<std::string>& standardHttpMethods() {
  // llhttp's METHODS_HTTP without PRI (the HTTP/2 preface, which is not a
  // request): the list node:http exposes as http.METHODS.
  static const std::vector<std::string> names = {
      "DELETE", "GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL", "MOVE",
      "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND", "ACL", "REPORT", "MKACTIVITY",
      "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PATCH", "PURGE", "MKCALENDAR",
      "LINK", "UNLINK", "SOURCE", "QUERY",
  };
  return names;
}

std::shared_ptr<const HttpMethodTable> HttpMethodTable::standard() {
  static const std::shared_ptr<const HttpMethodTable> table = make(standardHttpMethods());
  return table;
}

std::shared_ptr<const HttpMethodTable> HttpMethodTable::make(const std::vector<std::string>& names) {
  if (names.empty() || names.size() > kHttpMaxMethods) return nullptr;
  auto table = std::make_shared<HttpMethodTable>();
  for (const std::string& name : names) {
    if (name.empty() || name.size() > kHttpMaxMethodLength) return nullptr;
    for (char c : name) {
      if (!http::isTchar(static_cast<uint8_t>(c))) return nullptr;
    }
    const auto* bytes = reinterpret_cast<const uint8_t*>(name.data());
    if (table->contains(bytes, name.size())) return nullptr;  // duplicate
    table->byLength_[name.size()] += name;
    table->names_.push_back(name);
  }
  return table;
}

bool HttpMethodTable::contains(const uint8_t* m, size_t n) const {
  if (n == 0 || n > kHttpMaxMethodLength) return false;
  const std::string& same = byLength_[n];
  for (size_t at = 0; at < same.size(); at += n) {
    if (std::memcmp(same.data() + at, m, n) == 0) return true;
  }
  return false;
}

}  // namespace ringnet
