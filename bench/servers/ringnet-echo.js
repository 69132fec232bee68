'use strict';
// ringnet echo server: the same protocol as node-net-echo.js (4-byte big-endian length prefix;
// ringnet strips the header on receive and adds it back in send()).
// Usage: node ringnet-echo.js [port=0] [host=127.0.0.1] [server options as JSON]
//   e.g. node ringnet-echo.js 0 127.0.0.1 '{"backend":"io_uring","workers":2}'
// Defaults: backend epoll, 1 worker, dispatch accept mode; the environment variables
// RINGNET_BACKEND, RINGNET_WORKERS, RINGNET_ACCEPT_MODE override them, the JSON argument
// overrides everything. Prints {"ready":true,"port":N,"pid":N} once listening.
const path = require('node:path');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const extra = process.argv[4] ? JSON.parse(process.argv[4]) : {};
const env = process.env;

const options = {
  framing: { type: 'length' },
  backend: env.RINGNET_BACKEND || 'epoll',
  workers: env.RINGNET_WORKERS ? Number(env.RINGNET_WORKERS) : 1,
  acceptMode: env.RINGNET_ACCEPT_MODE || 'dispatch',
  ...extra,
};

async function main() {
  const server = createServer(options, {
    onFrame(conn, frame) { conn.send(frame); },   // frame is a view; send() copies it
  });
  const addr = await server.listen({ port, host });
  process.stdout.write(JSON.stringify({ ready: true, port: addr.port, pid: process.pid }) + '\n');
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(0), 2000);   // do not hang the runner
    try { await server.close(); } finally { clearTimeout(timer); process.exit(0); }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`ringnet-echo: ${err && err.stack || err}\n`);
  process.exit(1);
});
