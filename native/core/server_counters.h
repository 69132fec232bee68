// What the workers of one server share about accepting: the open connection
// count (maxConnections is server-wide) and one rule for reporting accept
// trouble in every accept mode (dispatch, reuseport, exclusive):
//   - stats().workers[i].acceptErrors counts every failed accept and
//     .rejected every connection refused over maxConnections, on the worker
//     that took the accept (dispatch: worker 0, for the main reactor);
//   - onError hears once per burst, server-wide: the first failure (or
//     refusal) after a successful accept anywhere in the server reports, the
//     rest of the burst only counts. So N workers seeing one burst report once.
//     A burst of accept errors ends with an accept that succeeds; a burst of
//     refusals with a connection admitted (the main reactor's accepts of
//     connections a worker then refuses do not end it).
#pragma once

#include <atomic>
#include <cstdint>

namespace ringnet {

struct ServerCounters {
  std::atomic<uint32_t> connections{0};
  std::atomic<bool> acceptErrorReported{false};
  std::atomic<bool> rejectReported{false};

  // accept() succeeded: an accept-error burst is over.
  void accepted() { acceptErrorReported.store(false, std::memory_order_relaxed); }
  // A connection was admitted under maxConnections: a refusal burst is over.
  // (Not an accept-error burst: in dispatch mode a worker admits connections
  // the main reactor accepted before its accept error.)
  void admitted() { rejectReported.store(false, std::memory_order_relaxed); }
  // True for the first accept error (refusal) of a burst: report it.
  bool firstAcceptError() { return !acceptErrorReported.exchange(true, std::memory_order_relaxed); }
  bool firstReject() { return !rejectReported.exchange(true, std::memory_order_relaxed); }
};

}  // namespace ringnet
