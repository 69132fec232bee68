// goim framing (the Comet protocol of github.com/Terry-Mao/goim):
//
//   packLen u32 | headerLen u16 | ver u16 | op u32 | seq u32 | [extra header] | body
//
// big-endian, packLen counting the header. headerLen is 16; a longer header
// is honoured (the extra bytes are skipped) unless the framing rejects it.
// With `checksum` on, the header is 20 bytes and bytes 16..19 hold the CRC-32
// (IEEE, as zlib) of the body: the integrity check the seeds suggest, off by
// default so stock goim clients keep working.
//
// A decoded frame is the whole packet (header included): the reactor hands it
// to JS as is and JS reads ver/op/seq from fixed offsets, so no field crosses
// the boundary on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "codec.h"

namespace ringnet {

struct GoimFraming {
  uint64_t maxFrameLength = 64 * 1024;  // largest packLen accepted (header included)
  bool allowExtendedHeader = true;      // headerLen > 16: skip the extra bytes, or reject
  bool checksum = false;                // CRC-32 of the body at header bytes 16..19
};

namespace goim {

constexpr size_t kHeaderLength = 16;
constexpr size_t kChecksumHeaderLength = 20;
// ver u16 | op u32 | seq u32, big-endian: what a send command carries before
// its body (FrameEncoder::metaLength()).
constexpr size_t kMetaLength = 10;

enum Op : uint32_t {
  kOpHeartbeat = 2,
  kOpHeartbeatReply = 3,
  kOpMessage = 4,
  kOpMessageReply = 5,
  kOpAuth = 7,
  kOpAuthReply = 8,
};

struct Header {
  uint32_t packLen;
  uint16_t headerLen;
  uint16_t ver;
  uint32_t op;
  uint32_t seq;
};

// p holds at least kHeaderLength bytes.
Header readHeader(const uint8_t* p);
// meta: kMetaLength bytes (ver, op, seq).
void writeMeta(uint16_t ver, uint32_t op, uint32_t seq, uint8_t* meta);

uint32_t crc32(const uint8_t* data, size_t len);

// Header for `body` (ver/op/seq from meta) into out (capacity
// kChecksumHeaderLength); returns its length, or -1 when the packet would
// exceed maxFrameLength.
int writeHeader(const GoimFraming& f, const uint8_t* meta, const uint8_t* body, size_t bodyLength,
                uint8_t* out);

}  // namespace goim

// nullptr when maxFrameLength cannot hold a header.
std::unique_ptr<FrameDecoder> makeGoimDecoder(const GoimFraming& f);
std::unique_ptr<FrameEncoder> makeGoimEncoder(const GoimFraming& f);

}  // namespace ringnet
