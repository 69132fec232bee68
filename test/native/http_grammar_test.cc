// The HTTP request grammar as strict as llhttp's strict mode (issue 17):
// methods from a table, request-target bytes and forms (RFC 9112 3.2 / RFC
// 3986), chunk extensions (RFC 9112 7.1.1) with a cap, trailers within
// maxHeaderSize. Every case is decoded in one read, split at every byte and
// byte by byte (http_feed.h), under ASan/UBSan (test/native/run.sh).
#include "core/codec/http_codec.h"
#include "http_feed.h"

using namespace ringnet;
using namespace ringnet::httptest;

namespace {

std::string get(const std::string& method, const std::string& target) {
  return method + " " + target + " HTTP/1.1\r\nHost: a\r\n\r\n";
}

void testMethods() {
  for (const std::string& m : standardHttpMethods()) {
    if (m == "CONNECT" || m == "OPTIONS") continue;  // their own target forms, below
    accepts(get(m, "/"), __LINE__);
  }
  CHECK(standardHttpMethods().size() == 35, "llhttp's table (node:http's METHODS)");
  // Unknown, and case-sensitive: 501 as soon as the method's SP arrives.
  rejects(get("get", "/"), 501, __LINE__);
  rejects(get("Get", "/"), 501, __LINE__);
  rejects(get("FOO", "/"), 501, __LINE__);
  rejects(get("PRI", "*"), 501, __LINE__);  // the HTTP/2 preface is not a request
  Outcome o = once("BREW ");
  CHECK(o.status == DecodeStatus::kError && o.httpStatus == 501, "501 before the line ends");
  // Not a token, too long: 400.
  rejects(get("GE\"T", "/"), 400, __LINE__);
  rejects(get(std::string(33, 'A'), "/"), 400, __LINE__);
  rejects(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, __LINE__);

  // A server's own table (framing.methods): extension methods, and only those listed.
  HttpFraming f = limits();
  f.methods = HttpMethodTable::make({"GET", "BREW", "WHEN"});
  CHECK(f.methods != nullptr, "custom table");
  accepts(get("BREW", "/pot"), __LINE__, f);
  accepts(get("GET", "/"), __LINE__, f);
  rejects(get("POST", "/"), 501, __LINE__, f);
  rejects(get("brew", "/"), 501, __LINE__, f);
  HttpHead h;
  const std::string brew = get("BREW", "/pot");
  CHECK(parseHttpHead(reinterpret_cast<const uint8_t*>(brew.data()), 0, brew.size(), f, &h) == CodecError::kNone &&
            h.method == kHttpOther && h.methodLen == 4,
        "extension methods have no code: JS reads the bytes");
  // make() refuses what JS's validation refuses.
  CHECK(HttpMethodTable::make({}) == nullptr, "empty");
  CHECK(HttpMethodTable::make({"GET", "GET"}) == nullptr, "duplicate");
  CHECK(HttpMethodTable::make({"G T"}) == nullptr, "not a token");
  CHECK(HttpMethodTable::make({""}) == nullptr, "empty name");
  CHECK(HttpMethodTable::make({std::string(33, 'X')}) == nullptr, "too long");
  CHECK(HttpMethodTable::make({std::string(32, 'X')}) != nullptr, "32 bytes");
}

void testTargets() {
  // origin-form: pchar / "/" / "?", pct-encodings.
  accepts(get("GET", "/"), __LINE__);
  accepts(get("GET", "/a/b;c=d,e?x=1&y=%2F&z=a:b@c/?d"), __LINE__);
  accepts(get("GET", "/~user/file.txt-_!$&'()*+,;="), __LINE__);
  accepts(get("GET", "/%00%ff%AB"), __LINE__);
  // absolute-form (any method but CONNECT).
  accepts(get("GET", "http://example.com"), __LINE__);
  accepts(get("GET", "http://user@example.com:8080/p?q"), __LINE__);
  accepts(get("POST", "https://[::1]:443/x"), __LINE__);
  accepts(get("GET", "urn:isbn:0451450523"), __LINE__);
  accepts(get("GET", "http:/p"), __LINE__);
  // authority-form, CONNECT only.
  accepts(get("CONNECT", "example.com:443"), __LINE__);
  accepts(get("CONNECT", "[2001:db8::1]:8443"), __LINE__);
  accepts(get("CONNECT", "10.0.0.1:80"), __LINE__);
  accepts(get("CONNECT", "ex%41mple.com:1"), __LINE__);
  // asterisk-form, OPTIONS only.
  accepts(get("OPTIONS", "*"), __LINE__);
  accepts(get("OPTIONS", "/"), __LINE__);

  // Raw bytes >= 0x80 (as llhttp's strict mode), CTLs, DEL, and the
  // characters RFC 3986 leaves out: 400.
  rejects(get("GET", "/caf\xc3\xa9"), 400, __LINE__);
  rejects(get("GET", "/\x80"), 400, __LINE__);
  rejects(get("GET", "/\xff"), 400, __LINE__);
  rejects(get("GET", "/a\x7f"), 400, __LINE__);
  rejects(get("GET", "/a\tb"), 400, __LINE__);
  for (char c : std::string("\"<>\\^`{|}#")) rejects(get("GET", std::string("/a") + c + "b"), 400, __LINE__);
  // Broken pct-encodings.
  rejects(get("GET", "/%"), 400, __LINE__);
  rejects(get("GET", "/%4"), 400, __LINE__);
  rejects(get("GET", "/%zz"), 400, __LINE__);
  rejects(get("GET", "/%4g"), 400, __LINE__);
  // Forms in the wrong place.
  rejects(get("GET", "*"), 400, __LINE__);
  rejects(get("OPTIONS", "*x"), 400, __LINE__);
  rejects(get("CONNECT", "/"), 400, __LINE__);
  rejects(get("CONNECT", "http://a:1/"), 400, __LINE__);
  rejects(get("CONNECT", "example.com"), 400, __LINE__);   // no port
  rejects(get("CONNECT", "example.com:"), 400, __LINE__);  // empty port
  rejects(get("CONNECT", ":443"), 400, __LINE__);          // empty host
  rejects(get("CONNECT", "a:44x"), 400, __LINE__);
  rejects(get("CONNECT", "[::1:443"), 400, __LINE__);
  rejects(get("GET", "example"), 400, __LINE__);           // a scheme without ':'
  rejects(get("GET", "1http://a/"), 400, __LINE__);        // a scheme starts with a letter
  rejects(get("GET", "http://"), 400, __LINE__);           // empty authority
  rejects(get("GET", "http:///p"), 400, __LINE__);
  rejects(get("GET", "?q"), 400, __LINE__);
  // Refused at the first bad byte, before the line ends.
  Outcome o = once("GET /ok\x80");
  CHECK(o.status == DecodeStatus::kError && o.httpStatus == 400, "400 at the byte");
  o = once("GET /ok%4");
  CHECK(o.status == DecodeStatus::kNeedMore, "a pct-encoding may still complete");
  // 414 still counts target bytes; a bad byte first is 400.
  HttpFraming small = limits();
  small.maxUriLength = 8;
  accepts(get("GET", "/1234567"), __LINE__, small);
  rejects(get("GET", "/12345678"), 414, __LINE__, small);
  rejects(get("GET", "/12\x80" "45678"), 400, __LINE__, small);
}

std::string chunked(const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
}

void testChunkExtensions() {
  // ; token [ = ( token / quoted-string ) ], BWS around ';' and '='.
  accepts(chunked("2;a\r\nxy\r\n0\r\n\r\n"), __LINE__);
  accepts(chunked("2;a=b;c=\"d e\"\r\nxy\r\n0;last\r\n\r\n"), __LINE__);
  accepts(chunked("2 ; a = b\t;\tc\r\nxy\r\n0\r\n\r\n"), __LINE__);
  accepts(chunked("2;q=\"a\\\"b\\\\c;d=e\"\r\nxy\r\n0\r\n\r\n"), __LINE__);
  accepts(chunked("2;q=\"\"\r\nxy\r\n0\r\n\r\n"), __LINE__);
  accepts(chunked("2;q=\"obs\x80\xfftext\"\r\nxy\r\n0\r\n\r\n"), __LINE__);
  // Refused before the chunk data is read.
  const char* bad[] = {
      "2;\r\n",            // empty extension name
      "2; \r\n",           // empty name after BWS
      "2;=v\r\n",          // no name
      "2;na me=v\r\n",     // space inside a token
      "2;a=b c\r\n",       // space inside a value token
      "2;a=\r\n",          // empty value
      "2;a=\"open\r\n",    // unbalanced quote
      "2;a=\"x\"y\r\n",    // bytes after the quoted string
      "2;a \r\n",          // whitespace before the CRLF
      "2 \r\n",            // whitespace after the size, no extension
      "2;a=b \r\n",
      "2;a@b\r\n",         // '@' is not a token character
      "2;a=\"x\x01\"\r\n", // a control character in quotes
      "2;a=\"\\\x01\"\r\n",
      "2;\x80\r\n",
      "2;a\rb\r\n",        // bare CR
      "2;a\nb\r\n",        // bare LF
  };
  for (const char* line : bad) rejects(chunked(std::string(line) + "xy\r\n0\r\n\r\n"), 400, __LINE__);
  Outcome o = once(chunked("2;a=\"open"));
  CHECK(o.status == DecodeStatus::kNeedMore, "an open quote may still close");
  o = once(chunked("2;na me"));
  CHECK(o.status == DecodeStatus::kError && o.httpStatus == 400, "refused at the byte, before the line ends");

  // The cap: extension bytes (BWS included) after the size, before the CR: 413.
  HttpFraming f = limits();
  f.maxChunkExtensionSize = 10;
  accepts(chunked("2;123456789\r\nxy\r\n0\r\n\r\n"), __LINE__, f);   // 10 bytes
  rejects(chunked("2;1234567890\r\nxy\r\n0\r\n\r\n"), 413, __LINE__, f);
  o = once(chunked("2;1234567890"), f);
  CHECK(o.status == DecodeStatus::kError && o.httpStatus == 413, "413 before the line ends");
  f.maxChunkExtensionSize = 0;
  accepts(chunked("2\r\nxy\r\n0\r\n\r\n"), __LINE__, f);
  rejects(chunked("2;a\r\nxy\r\n0\r\n\r\n"), 413, __LINE__, f);
  HttpFraming tooBig = limits();
  tooBig.maxChunkExtensionSize = kHttpMaxChunkExtensionLimit + 1;
  CHECK(makeHttpDecoder(tooBig) == nullptr, "cap above the limit refused");
}

void testTrailers() {
  // Trailer fields count against maxHeaderSize (1024 here), as a head does.
  std::string trailers;
  while (trailers.size() < 900) trailers += "T: 0123456789\r\n";
  accepts(chunked("1\r\nx\r\n0\r\n" + trailers + "\r\n"), __LINE__);
  std::string many = trailers + trailers;
  rejects(chunked("1\r\nx\r\n0\r\n" + many + "\r\n"), 431, __LINE__);
  Outcome o = once(chunked("0\r\nT: " + std::string(1100, 'v')));
  CHECK(o.status == DecodeStatus::kError && o.httpStatus == 431, "431 before the trailer line ends");
}

}  // namespace

int main() {
  testMethods();
  testTargets();
  testChunkExtensions();
  testTrailers();
  return summary();
}
