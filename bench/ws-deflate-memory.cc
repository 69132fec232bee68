// Heap bytes zlib holds for one permessage-deflate stream (what a worker's
// shared compressor costs, per window size used, and what a dedicated
// per-connection compressor would cost each connection): deflateInit2 /
// inflateInit2 with a counting allocator, then one message through it
// (zlib allocates everything at init; the message shows nothing is added).
//
//   g++ -O2 -std=c++17 bench/ws-deflate-memory.cc -o build/ws-deflate-memory -l:libz.a && build/ws-deflate-memory
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static size_t g_bytes = 0;

static voidpf countingAlloc(voidpf, uInt items, uInt size) {
  g_bytes += static_cast<size_t>(items) * size;
  return calloc(items, size);
}
static void countingFree(voidpf, voidpf p) { free(p); }

int main() {
  std::vector<unsigned char> msg(64 * 1024);
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<unsigned char>("ringnet deflate "[i % 16] ^ (i >> 12));
  std::vector<unsigned char> out(msg.size() * 2);
  std::printf("windowBits memLevel deflate_bytes inflate_bytes\n");
  for (int bits = 9; bits <= 15; ++bits) {
    z_stream d;
    std::memset(&d, 0, sizeof d);
    d.zalloc = countingAlloc;
    d.zfree = countingFree;
    g_bytes = 0;
    if (deflateInit2(&d, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 1;
    d.next_in = msg.data();
    d.avail_in = static_cast<uInt>(msg.size());
    d.next_out = out.data();
    d.avail_out = static_cast<uInt>(out.size());
    deflate(&d, Z_SYNC_FLUSH);
    const size_t deflateBytes = g_bytes;
    deflateEnd(&d);
    z_stream f;
    std::memset(&f, 0, sizeof f);
    f.zalloc = countingAlloc;
    f.zfree = countingFree;
    g_bytes = 0;
    if (inflateInit2(&f, -bits) != Z_OK) return 1;
    std::vector<unsigned char> back(msg.size());
    f.next_in = out.data();
    f.avail_in = static_cast<uInt>(out.size() - d.avail_out);
    f.next_out = back.data();
    f.avail_out = static_cast<uInt>(back.size());
    inflate(&f, Z_SYNC_FLUSH);
    const size_t inflateBytes = g_bytes;
    inflateEnd(&f);
    std::printf("%d 8 %zu %zu\n", bits, deflateBytes, inflateBytes);
  }
  return 0;
}
