// Flag parsing: "--name value" or "--name=value"; booleans take no value.
#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

const char* kUsage =
    "usage: loadgen [--host H] [--port N | --unix PATH] [--connections C] [--depth D]\n"
    "               [--payload P] [--duration T] [--warmup W] [--threads N] [--idle]\n"
    "               [--reconnect N] [--connect-batch N] [--connect-pause-ms MS] [--connect-timeout S]\n"
    "               [--protocol length|goim|ws] [--heartbeat-every N] [--path P] [--sources N]\n"
    "Echo load on a 4-byte big-endian length-prefixed protocol. Prints one JSON line.\n"
    "--protocol goim: each connection authenticates (op 7, waits for op 8), then keeps D messages\n"
    "  (op 4) in flight, each answered by op 5 with the same seq and body; --heartbeat-every N adds\n"
    "  a heartbeat (op 2, answered by op 3) after every N messages.\n"
    "--protocol ws: each connection upgrades (GET --path, default /; 101 and Sec-WebSocket-Accept\n"
    "  checked), then keeps D binary messages in flight, each masked with a fresh mask, each\n"
    "  echoed as a binary message with the same bytes. With --idle the connections upgrade first.\n"
    "--reconnect N: close each connection after N echoes and open a new one (connection churn).\n"
    "--ports P1,P2,...: windows mode: C connections to each port (on --host), then one window per\n"
    "  stdin line 'run K MS' (drive server K for MS ms, drain, print one JSON line), until 'quit'.\n"
    "--idle: open C connections, print {\"established\":N}, hold until stdin closes or SIGTERM.\n"
    "--sources N: IPv4 targets on loopback: connection i binds to source 127.1.0.1 + (i mod N)\n"
    "  (clients from N different hosts, as without a proxy in front).\n";

[[noreturn]] void fail(const char* msg, const char* arg) {
  std::fprintf(stderr, "loadgen: %s%s\n%s", msg, arg ? arg : "", kUsage);
  std::exit(2);
}

long toInt(const char* name, const char* v, long lo, long hi) {
  char* end = nullptr;
  long x = std::strtol(v, &end, 10);
  if (!*v || *end || x < lo || x > hi) fail("bad value for ", name);
  return x;
}

double toDouble(const char* name, const char* v, double lo) {
  char* end = nullptr;
  double x = std::strtod(v, &end);
  if (!*v || *end || !(x >= lo)) fail("bad value for ", name);
  return x;
}

}  // namespace

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg == "--idle") { o.idle = true; continue; }
    if (arg.rfind("--", 0) != 0) fail("unexpected argument ", argv[i]);
    std::string name = arg, value;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      if (i + 1 >= argc) fail("missing value for ", argv[i]);
      value = argv[++i];
    }
    const char* n = name.c_str();
    const char* v = value.c_str();
    if (name == "--host") o.host = value;
    else if (name == "--port") o.port = int(toInt(n, v, 1, 65535));
    else if (name == "--unix") o.unixPath = value;
    else if (name == "--ports") {
      size_t at = 0;
      for (;;) {
        size_t comma = value.find(',', at);
        std::string one = value.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        o.ports.push_back(int(toInt(n, one.c_str(), 1, 65535)));
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
    }
    else if (name == "--connections") o.connections = int(toInt(n, v, 1, 1000000));
    else if (name == "--depth") o.depth = int(toInt(n, v, 1, 1 << 20));
    else if (name == "--payload") o.payload = uint32_t(toInt(n, v, 0, 16 << 20));
    else if (name == "--duration") o.duration = toDouble(n, v, 0.001);
    else if (name == "--warmup") o.warmup = toDouble(n, v, 0.0);
    else if (name == "--reconnect") o.reconnect = uint64_t(toInt(n, v, 0, 1L << 40));
    else if (name == "--protocol") {
      if (value != "length" && value != "goim" && value != "ws") fail("--protocol expects length, goim or ws, got ", v);
      o.protocol = value;
    }
    else if (name == "--path") {
      if (value.empty() || value[0] != '/') fail("--path must start with /, got ", v);
      o.path = value;
    }
    else if (name == "--heartbeat-every") o.heartbeatEvery = uint64_t(toInt(n, v, 0, 1L << 40));
    else if (name == "--threads") o.threads = int(toInt(n, v, 1, 256));
    else if (name == "--connect-batch") o.connectBatch = int(toInt(n, v, 1, 100000));
    else if (name == "--connect-pause-ms") o.connectPauseMs = int(toInt(n, v, 0, 60000));
    else if (name == "--connect-timeout") o.connectTimeout = toDouble(n, v, 0.01);
    else if (name == "--sources") o.sources = int(toInt(n, v, 0, 1 << 20));
    else fail("unknown flag ", argv[i]);
  }
  if (!o.ports.empty() && (o.idle || o.reconnect || !o.unixPath.empty() || o.port))
    fail("--ports (windows mode) takes none of --port, --unix, --idle, --reconnect", nullptr);
  if (o.unixPath.empty() && o.port == 0 && o.ports.empty()) fail("--port or --unix is required", nullptr);
  // A reopened connection would need its own upgrade inside the echo loop: not supported.
  if (o.protocol == "ws" && o.reconnect) fail("--reconnect is not supported with --protocol ws", nullptr);
  if (o.threads > o.connections) o.threads = o.connections;
  return o;
}
