'use strict';
// ringnet TLS framed echo: length framing (4-byte big-endian header) over TLS, every frame sent back.
// Usage: node ringnet-tls-echo.js [port=0] [host=127.0.0.1] [{"backend":"epoll","tls":{"key":PATH,"cert":PATH}}]
// Prints {"ready":true,"port":N,"pid":N} once listening; exits on SIGTERM/SIGINT.
const path = require('node:path');
const { listenAndServe } = require('../lib/serve-ready');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const extra = process.argv[4] ? JSON.parse(process.argv[4]) : {};

const server = createServer({ framing: { type: 'length' }, backend: 'epoll', workers: 1, ...extra }, {
  onFrame(c, frame) { c.send(frame); },
  onError(err) { process.stderr.write(`ringnet-tls-echo: ${err.stack || err}\n`); },
});
listenAndServe(server, port, host).catch((err) => {
  process.stderr.write(`ringnet-tls-echo: ${err && err.stack || err}\n`);
  process.exit(1);
});
