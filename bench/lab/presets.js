'use strict';
// The lab's presets: the same shape as a --config JSON file (see bench/README.md).
// A matrix entry expands to the cross product of its list-valued parameters.

const ECHO_TARGETS = ['ringnet-epoll', 'ringnet-io_uring', 'node:net'];
// issue 3's target: io_uring CPU/frame <= 0.90x epoll at 1000 connections, 64 B, 1 in flight
const IO_URING_GOAL = { cell: 'c1000-d1-p64', pair: ['ringnet-io_uring', 'ringnet-epoll'], figure: 'serverCpuUsPerOp', max: 0.9 };

const PRESETS = {
  default: {
    description: 'echo on both backends and node:net, plus HTTP hello on node:http (about 5 minutes)',
    rounds: 3, warmup: 1, duration: 5, baseline: 'node:net',
    pairs: [['ringnet-io_uring', 'ringnet-epoll']],
    matrix: [
      { workload: 'echo', targets: ECHO_TARGETS, connections: [100, 1000], depth: [1, 16], payload: [64] },
      { workload: 'http', targets: ['node:http'], connections: [100], depth: [1] },
    ],
    goals: [IO_URING_GOAL],
  },
  echo: {
    description: 'issue 3: epoll vs io_uring vs node:net, 100/1000 connections x 1/16 in flight x 64 B/4 KiB (npm run bench:echo)',
    rounds: 3, warmup: 1, duration: 3, baseline: 'node:net',
    pairs: [['ringnet-io_uring', 'ringnet-epoll']],
    matrix: [{ workload: 'echo', targets: ECHO_TARGETS, connections: [100, 1000], depth: [1, 16], payload: [64, 4096] }],
    goals: [IO_URING_GOAL],
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
    rounds: 3, warmup: 1, duration: 3, baseline: 'node:net',
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
  http: {
    description: 'HTTP hello world with autocannon and wrk (node:http; ringnet-http once ringnet has HTTP framing)',
    rounds: 3, warmup: 1, duration: 4, baseline: 'node:http',
    matrix: [{ workload: 'http', targets: ['node:http'], connections: [50, 200], depth: [1, 8], generator: ['autocannon', 'wrk'] }],
  },
  idle: {
    description: 'server RSS per idle connection (10,000 idle connections)',
    rounds: 1, warmup: 0, duration: 1, baseline: 'node:net',
    matrix: [{ workload: 'idle', targets: ['ringnet-epoll', 'ringnet-io_uring', 'node:net'], connections: [10000] }],
  },
};

/** --quick: one short round; the smallest connection count and the first payload of each entry. */
const QUICK = { rounds: 1, warmup: 0.5, duration: 1.5, idleConnections: 1000 };

module.exports = { PRESETS, QUICK };
