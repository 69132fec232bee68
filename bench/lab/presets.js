'use strict';
// The lab's presets: the same shape as a --config JSON file (see bench/README.md).
// A matrix entry expands to the cross product of its list-valued parameters.
const path = require('node:path');

const ECHO_TARGETS = ['ringnet-epoll', 'ringnet-io_uring', 'node:net'];
const HTTP_TARGETS = ['ringnet-epoll', 'ringnet-io_uring', 'node:http'];
const WS_TARGETS = ['ringnet-epoll', 'ringnet-io_uring', 'ws'];
// The WebSocket echo cells also run ringnet's length-framed echo: what WebSocket framing adds.
const WS_ECHO_TARGETS = [...WS_TARGETS, 'ringnet-length-epoll', 'ringnet-length-io_uring'];
const HTTPS_TARGETS = ['ringnet-epoll', 'ringnet-io_uring', 'node:https'];
const TLS_ECHO_TARGETS = ['ringnet-epoll', 'ringnet-io_uring', 'node:tls'];
// Ratios are taken against each workload's reference (node:net, node:http, ws) and between the backends.
const BACKENDS = [['ringnet-io_uring', 'ringnet-epoll']];
// The A/A check: this checkout's ringnet-epoll a second time, as another target (ringnet-at of
// this very tree): any verdict between the two is one the lab manufactured.
const AA_LABEL = 'ringnet-epoll-again';
const AA_TARGETS = ['ringnet-epoll', { name: 'ringnet-at', label: AA_LABEL, options: { root: path.join(__dirname, '..', '..') } }];

const PRESETS = {
  default: {
    description: 'every protocol on both backends against its Node reference: echo, HTTP hello (keep-alive, pipelined, new connection per request), goim, broadcast fan-out (about 9 minutes)',
    // 4 windows of 0.75 s per target per round (HTTP: 3 of 1 s), alternating A B C C B A ...
    // between the servers (lab/slices.js): what settles ratios on a small VM. A 2 s warm-up:
    // after 1 s, node:http's first window of a round still cost 31-51% more CPU per request
    // than its later ones (docs/bench/default-quiet.json; bench/README.md, "Where the spread
    // comes from"). 50 pushes: a 3 s broadcast window like the other cells' (20 took 1.2 s).
    // Echo and goim: one generator per cell and round, 12 windows of 250 ms per target
    // (lab/windows.js): intervals per minute 1.7-2.2x narrower than in slices in 3 of 4
    // ratios measured side by side (bench/README.md, "Windows from one generator").
    rounds: 3, warmup: 2, duration: 3, slices: 4, windowMs: 250,
    pairs: BACKENDS,
    matrix: [
      { workload: 'echo', targets: ECHO_TARGETS, connections: [100, 1000], depth: [1], payload: [64] },
      { workload: 'echo', targets: ECHO_TARGETS, connections: [100], depth: [16], payload: [64] },
      { workload: 'http', targets: HTTP_TARGETS, connections: [100], depth: [1, 16] },
      { workload: 'http', targets: HTTP_TARGETS, connections: [100], newConnection: [true] },
      { workload: 'goim', targets: ECHO_TARGETS, connections: [100], depth: [1], payload: [64] },
      { workload: 'broadcast', targets: ECHO_TARGETS, connections: [2000], pushes: [50] },
    ],
  },
  echo: {
    description: 'epoll vs io_uring vs node:net, 100/1000 connections x 1/16 in flight x 64 B/4 KiB (npm run bench:echo)',
    rounds: 3, warmup: 1, duration: 3,
    pairs: BACKENDS,
    matrix: [{ workload: 'echo', targets: ECHO_TARGETS, connections: [100, 1000], depth: [1, 16], payload: [64, 4096] }],
  },
  http: {
    description: 'HTTP hello world on both backends and node:http: keep-alive, pipelined (16), new connection per request (wrk only); wrk and autocannon (npm run bench:http)',
    rounds: 3, warmup: 1, duration: 4,
    pairs: BACKENDS,
    matrix: [
      { workload: 'http', targets: HTTP_TARGETS, connections: [100], depth: [1, 16], generator: ['wrk', 'autocannon'] },
      { workload: 'http', targets: HTTP_TARGETS, connections: [100], newConnection: [true], generator: ['wrk'] },  // autocannon cannot
    ],
  },
  goim: {
    description: 'goim (auth, heartbeats, messages answered by the handler) on both backends and node:net, 100/1000 connections x 1/16 in flight',
    rounds: 3, warmup: 1, duration: 3,
    pairs: BACKENDS,
    matrix: [{ workload: 'goim', targets: ECHO_TARGETS, connections: [100, 1000], depth: [1, 16], payload: [64] }],
  },
  broadcast: {
    description: 'broadcast fan-out: 20 pushes of one 64-byte goim packet to 10,000 connections (npm run bench:broadcast)',
    rounds: 3, warmup: 1, duration: 1,
    pairs: BACKENDS,
    matrix: [{ workload: 'broadcast', targets: ECHO_TARGETS, connections: [10000], pushes: [20] }],
  },
  websocket: {
    description: 'WebSocket (issue 11): binary echo at 64 B / 4 KiB with 100 connections x 1/16 in flight and 1000 x 1 on both backends against ws and ringnet\'s own length-framed echo; 10,000 idle WebSocket connections; broadcast to 10,000 WebSocket members',
    rounds: 3, warmup: 1, duration: 3,
    pairs: [['ringnet-epoll', 'ringnet-length-epoll'], ['ringnet-io_uring', 'ringnet-length-io_uring'], ...BACKENDS],
    matrix: [
      { workload: 'websocket', targets: WS_ECHO_TARGETS, connections: [100], depth: [1, 16], payload: [64, 4096] },
      { workload: 'websocket', targets: WS_ECHO_TARGETS, connections: [1000], depth: [1], payload: [64, 4096] },
      { workload: 'idle', protocol: 'websocket', targets: WS_TARGETS, connections: [10000] },
      { workload: 'broadcast', protocol: 'websocket', targets: WS_TARGETS, connections: [10000], pushes: [20] },
    ],
  },
  tls: {
    description: 'TLS: HTTPS hello (wrk keep-alive; a new connection, i.e. a full handshake, per request: handshakes/s), TLS framed echo (1 / 16 in flight) and RSS per idle TLS connection (10,000) on both backends against node:https / node:tls',
    rounds: 3, warmup: 1, duration: 3, slices: 3,
    pairs: BACKENDS,
    matrix: [
      { workload: 'http', tls: true, targets: HTTPS_TARGETS, connections: [100], depth: [1] },
      { workload: 'http', tls: true, targets: HTTPS_TARGETS, connections: [20], newConnection: [true] },
      { workload: 'tls-echo', targets: TLS_ECHO_TARGETS, connections: [100], depth: [1, 16], payload: [64] },
      // Server RSS per idle TLS connection (each has had one frame echoed), against node:tls.
      { workload: 'idle', protocol: 'tls', targets: TLS_ECHO_TARGETS, connections: [10000] },
    ],
  },
  cluster: {
    description: 'cross-node broadcast (issue 15): 3 nodes sharing a private Redis, 10,000 clients spread over them, 20 pushes sent on node 0, both backends against one node holding every client; and the cross-node push rate (a burst of 20,000 pushes through the broker to a member on another node)',
    rounds: 3, warmup: 1, duration: 1,
    pairs: BACKENDS,
    matrix: [
      { workload: 'cluster', targets: ['ringnet-epoll', 'ringnet-io_uring', 'ringnet-one-node'], connections: [10000], pushes: [20], nodes: [3] },
      // The cross-node push rate: a burst of 20,000 pushes to a member on the other node.
      { workload: 'cluster-burst', targets: ['ringnet-epoll', 'ringnet-io_uring'], pushes: [20000] },
    ],
  },
  accept: {
    description: 'accept modes: per-worker connections and CPU under dispatch, reuseport and exclusive, at a low and a high connection rate',
    rounds: 3, warmup: 1, duration: 4,
    matrix: [{
      workload: 'echo', targets: ['ringnet-epoll'], workers: 2, inlineWorker: false,
      acceptMode: ['dispatch', 'reuseport', 'exclusive'], connections: [32], depth: [1], payload: [64],
      reconnect: [500, 1],        // echoes per connection before it reopens: low and high rate
    }],
  },
  flags: {
    description: 'socket flags against the default: Nagle with small writes, TCP_CORK, TCP_QUICKACK, buffer sizes',
    rounds: 3, warmup: 1, duration: 3,
    compareVariants: 'default',
    matrix: [
      // Request/response with each reply written as two small writes: Nagle + delayed ACK.
      { workload: 'echo', targets: ['ringnet-epoll', 'node:net'], connections: [50], depth: [1], payload: [64], echoWrites: 2,
        socketFlags: ['default', '--no-delay', '--no-delay=false', '--cork', '--quick-ack'] },
      // Bulk: 16 x 4 KiB in flight, small and large socket buffers (set on accepted sockets).
      { workload: 'echo', targets: ['ringnet-epoll'], connections: [50], depth: [16], payload: [4096],
        socketFlags: ['default', '--sndbuf 8k', '--rcvbuf 8k', '--sndbuf 1m --rcvbuf 1m'] },
    ],
  },
  aa: {
    description: 'the lab\'s own noise floor: the same server (this checkout\'s ringnet-epoll) as two targets, in echo and HTTP cells sliced like the default preset\'s; every ratio should be 1.00 and within noise (about 2 minutes)',
    rounds: 5, warmup: 2, duration: 3, slices: 4, windowMs: 250,   // the default preset's designs
    pairs: [[AA_LABEL, 'ringnet-epoll']],
    matrix: [
      { workload: 'echo', targets: AA_TARGETS, exactTargets: true, connections: [100], depth: [1], payload: [64] },
      { workload: 'http', targets: AA_TARGETS, exactTargets: true, connections: [100], depth: [1] },
    ],
  },
  idle: {
    description: 'server RSS per idle connection (10,000 idle connections)',
    rounds: 1, warmup: 0, duration: 1,
    matrix: [{ workload: 'idle', targets: ['ringnet-epoll', 'ringnet-io_uring', 'node:net'], connections: [10000] }],
  },
};

/** --quick: one short round; the smallest connection count and the first payload of each entry. */
const QUICK = { rounds: 1, warmup: 0.5, duration: 1.5, idleConnections: 1000 };

module.exports = { PRESETS, QUICK, AA_LABEL };
