'use strict';
// ringnet HTTP hello world: the same response as node-http.js (200, text/plain, "Hello World").
// Usage: node ringnet-http.js [port=0] [host=127.0.0.1] [server options as JSON]
//   e.g. node ringnet-http.js 0 127.0.0.1 '{"backend":"io_uring"}'
// Prints {"ready":true,"port":N,"pid":N} once listening; exits on SIGTERM/SIGINT.
const { listenAndServe } = require('../lib/serve-ready');
const path = require('node:path');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const extra = process.argv[4] ? JSON.parse(process.argv[4]) : {};

const options = { framing: { type: 'http' }, backend: 'epoll', workers: 1, ...extra };

async function main() {
  const server = createServer(options, {
    onRequest(req, res) {
      res.setHeader('Content-Type', 'text/plain');
      res.end('Hello World');
    },
    onError(err) { process.stderr.write(`ringnet-http: ${err.stack || err}\n`); },
  });
  await listenAndServe(server, port, host);
}

main().catch((err) => {
  process.stderr.write(`ringnet-http: ${err && err.stack || err}\n`);
  process.exit(1);
});
