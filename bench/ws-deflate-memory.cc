// Heap bytes zlib holds for one permessage-deflate stream (what a worker's
// shared compressor costs, per window size used, and what a dedicated
// per-connection compressor costs each connection), and what each choice of
// window bits and memLevel buys: deflateInit2 / inflateInit2 with a counting
// allocator (zlib allocates everything at init; the messages show nothing is
// added), then a 200-message chat-like JSON stream compressed with context
// takeover (a dedicated compressor) and with a reset per message (the shared
// one), as compressed bytes over input bytes.
//
//   g++ -O2 -std=c++17 bench/ws-deflate-memory.cc -o build/ws-deflate-memory -l:libz.a && build/ws-deflate-memory
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static size_t g_bytes = 0;

static voidpf countingAlloc(voidpf, uInt items, uInt size) {
  g_bytes += static_cast<size_t>(items) * size;
  return calloc(items, size);
}
static void countingFree(voidpf, voidpf p) { free(p); }

// Repeated keys, varying values: what a room or a feed sends.
static std::vector<std::string> chatStream() {
  std::vector<std::string> msgs;
  for (int i = 0; i < 200; i++) {
    std::string m = "{\"type\":\"message\",\"room\":\"live://1000\",\"user\":{\"id\":" + std::to_string(1000 + i % 37) +
                    ",\"name\":\"user" + std::to_string(i % 37) + "\"},\"items\":[";
    for (int k = 0; k < 10 + (i * 7) % 40; k++) {
      m += "{\"sku\":" + std::to_string((i * 31 + k * 17) % 997) + ",\"price\":" + std::to_string((k * 13 + i) % 500) +
           ",\"label\":\"item " + std::to_string(k) + "\"},";
    }
    m += "{}]}";
    msgs.push_back(m);
  }
  return msgs;
}

// Compressed bytes / input bytes over the stream; `takeover` keeps the context.
static double ratio(z_stream& d, const std::vector<std::string>& msgs, bool takeover) {
  std::vector<unsigned char> out(1 << 20);
  size_t in = 0, total = 0;
  deflateReset(&d);
  for (const std::string& m : msgs) {
    if (!takeover) deflateReset(&d);
    d.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(m.data()));
    d.avail_in = static_cast<uInt>(m.size());
    d.next_out = out.data();
    d.avail_out = static_cast<uInt>(out.size());
    deflate(&d, Z_SYNC_FLUSH);
    total += out.size() - d.avail_out - 4;  // the 00 00 ff ff tail is not sent
    in += m.size();
  }
  return static_cast<double>(total) / static_cast<double>(in);
}

int main() {
  const std::vector<std::string> msgs = chatStream();
  std::printf("windowBits memLevel deflate_bytes inflate_bytes ratio_takeover ratio_alone\n");
  for (int bits = 9; bits <= 15; ++bits) {
    // Inflate allocates its window at the first message: count after one.
    std::vector<unsigned char> packed(1 << 16), back(1 << 16);
    z_stream e;
    std::memset(&e, 0, sizeof e);
    if (deflateInit2(&e, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 1;
    e.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(msgs[0].data()));
    e.avail_in = static_cast<uInt>(msgs[0].size());
    e.next_out = packed.data();
    e.avail_out = static_cast<uInt>(packed.size());
    deflate(&e, Z_SYNC_FLUSH);
    z_stream f;
    std::memset(&f, 0, sizeof f);
    f.zalloc = countingAlloc;
    f.zfree = countingFree;
    g_bytes = 0;
    if (inflateInit2(&f, -bits) != Z_OK) return 1;
    f.next_in = packed.data();
    f.avail_in = static_cast<uInt>(packed.size() - e.avail_out);
    f.next_out = back.data();
    f.avail_out = static_cast<uInt>(back.size());
    inflate(&f, Z_SYNC_FLUSH);
    const size_t inflateBytes = g_bytes;
    inflateEnd(&f);
    deflateEnd(&e);
    for (int mem = 1; mem <= 9; ++mem) {
      z_stream d;
      std::memset(&d, 0, sizeof d);
      d.zalloc = countingAlloc;
      d.zfree = countingFree;
      g_bytes = 0;
      if (deflateInit2(&d, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -bits, mem, Z_DEFAULT_STRATEGY) != Z_OK) return 1;
      const double takeover = ratio(d, msgs, true);
      const double alone = ratio(d, msgs, false);
      std::printf("%d %d %zu %zu %.3f %.3f\n", bits, mem, g_bytes, inflateBytes, takeover, alone);
      deflateEnd(&d);
    }
  }
  return 0;
}
