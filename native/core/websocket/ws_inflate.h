// Inflating permessage-deflate messages (RFC 7692 7.2.2) with zlib, linked
// statically with its symbols hidden (binding.gyp: Node exports its own zlib,
// and the two must not mix). One stream per worker: the negotiation
// (codec/ws_extensions.h) makes every message independent
// (client_no_context_takeover), so a connection holds no zlib memory; the
// stream's ~44 KiB (32 KiB window + state) is per worker. The output is
// checked against maxPayloadLength while inflating: a small message that
// inflates past it is refused without ever holding more (no decompression bomb).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ringnet::ws {

class Inflater {
 public:
  enum class Result : uint8_t { kOk, kTooBig, kCorrupt };
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Inflates one whole message's compressed bytes into *out (replacing it).
  Result inflate(const uint8_t* in, size_t n, size_t maxOut, std::vector<uint8_t>* out);

 private:
  struct Stream;
  std::unique_ptr<Stream> s_;
};

}  // namespace ringnet::ws
