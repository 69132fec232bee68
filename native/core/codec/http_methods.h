// The request methods an HTTP server accepts: a table checked once per request
// line (case-sensitive, as RFC 9110 9.1 says methods are). The standard table
// is llhttp's registered methods (node:http's METHODS); a server that needs
// extension methods gives its own list (framing.methods, validated in JS and
// again by make()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ringnet {

// A method token longer than this is refused (400) before the table is asked.
constexpr size_t kHttpMaxMethodLength = 32;
// At most this many methods in a table.
constexpr size_t kHttpMaxMethods = 1024;

// Method codes the request record carries for the common methods, so JS need
// not compare strings (0: read the method's bytes).
enum HttpMethod : uint8_t {
  kHttpOther = 0, kHttpGet, kHttpHead, kHttpPost, kHttpPut, kHttpDelete, kHttpConnect,
  kHttpOptions, kHttpTrace, kHttpPatch,
};
uint8_t httpMethodCode(const uint8_t* method, size_t length);

class HttpMethodTable {
 public:
  // llhttp's methods (DELETE, GET, HEAD, POST, PUT, CONNECT, OPTIONS, TRACE,
  // WebDAV's, ..., QUERY): the default.
  static std::shared_ptr<const HttpMethodTable> standard();
  // nullptr unless every name is a token of 1..kHttpMaxMethodLength bytes,
  // names are unique and there are 1..kHttpMaxMethods of them.
  static std::shared_ptr<const HttpMethodTable> make(const std::vector<std::string>& names);

  bool contains(const uint8_t* method, size_t length) const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  // byLength_[n]: the names of n bytes, concatenated (a lookup compares only
  // names of the right length).
  std::string byLength_[kHttpMaxMethodLength + 1];
};

// The names of the standard table, in llhttp's order.
const std::vector<std::string>& standardHttpMethods();

}  // namespace ringnet
