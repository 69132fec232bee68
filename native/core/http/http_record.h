// What an HTTP request looks like to JS, and what JS sends back. src/http/record.ts
// mirrors every number here; change both together.
//
// Request record (one frame in the batch arena): int32 little-endian fields,
// then the header index (4 int32 per field), then the raw head bytes, then the
// decoded body. Offsets are from the record's start, so JS makes strings and
// views from it without a Node-API object per header.
#pragma once

#include <cstdint>

namespace ringnet::http {

enum RecordField : int {
  kRecFlags = 0,        // RecordFlag bits
  kRecMethod = 1,       // HttpMethod code (0 = other: read the bytes)
  kRecMethodOffset = 2,
  kRecMethodLength = 3,
  kRecTargetOffset = 4,
  kRecTargetLength = 5,
  kRecHeaderCount = 6,
  kRecBodyOffset = 7,
  kRecBodyLength = 8,
  kRecReserved = 9,
  kRecFixedInts = 10,   // header index starts here: nameOff, nameLen, valueOff, valueLen
};

enum RecordFlag : int32_t {
  kFlagHttp11 = 1,          // HTTP/1.1 (else 1.0)
  kFlagKeepAlive = 2,       // the connection stays open after the response
  kFlagExpectContinue = 4,  // the request carried Expect: 100-continue
  kFlagChunked = 8,         // the body came chunked
};

// Protocol ops (wire::kCmdProtocol) from JS.
enum ResponseOp : int32_t {
  kOpWrite = 1,     // response bytes; the response continues
  kOpEnd = 2,       // last bytes of a response; the connection stays open
  kOpEndClose = 3,  // last bytes of a response; close once written
};

}  // namespace ringnet::http
