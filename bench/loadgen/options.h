// Command-line options of the load generator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string unixPath;        // --unix: connect to this Unix socket instead of host:port
  int connections = 100;
  int depth = 1;               // frames in flight per connection
  uint32_t payload = 64;       // bytes per frame, not counting the 4-byte header
  double duration = 8.0;       // measured seconds
  double warmup = 2.0;         // seconds run but not counted
  int threads = 1;
  uint64_t reconnect = 0;      // --reconnect N: reopen each connection after N echoes (0 = never)
  std::string protocol = "length";  // --protocol length|goim|ws (goim: auth, op 4 -> 5, heartbeats
                                    // op 2 -> 3; ws: upgrade, masked binary messages echoed)
  std::string path = "/";      // --path: the request target of the WebSocket upgrade
  uint64_t heartbeatEvery = 0; // --heartbeat-every N: goim heartbeat after every N messages (0 = none)
  std::vector<int> ports;      // --ports P1,P2,...: windows mode (mux.cc), commands on stdin
  bool idle = false;           // --idle: connect, report, hold until stdin closes / SIGTERM
  int connectBatch = 100;      // connections opened per batch
  int connectPauseMs = 2;      // pause between batches, so the server's accept queue keeps up
  double connectTimeout = 3.0; // seconds before a pending connect is abandoned and retried
  int sources = 0;             // --sources N: bind to 127.1.0.1 + (i mod N) (IPv4 loopback targets)
};

// Parses argv; prints usage and exits on --help or on a bad flag.
Options parseOptions(int argc, char** argv);
