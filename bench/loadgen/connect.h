// Opening many client connections without overflowing the server's accept queue.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "options.h"

struct Target {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = 0;
  bool tcp = true;
  std::string text;            // "127.0.0.1:1234" or the Unix path, for messages
};

// Resolves --host/--port or --unix; exits with a message if it cannot.
Target resolveTarget(const Options& o);

struct ConnectResult {
  std::vector<int> fds;        // non-blocking, connected sockets (TCP_NODELAY set for TCP)
  uint64_t errors = 0;         // failed attempts (refused, timed out, EAGAIN...) that were retried
  std::string fatal;           // non-empty if we gave up
};

// Opens o.connections sockets in batches of o.connectBatch, pausing between batches and
// retrying failed attempts (each failure counted) until every connection is up or no progress
// was made for 15 s.
ConnectResult connectAll(const Options& o, const Target& t);
