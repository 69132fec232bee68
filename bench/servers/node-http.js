'use strict';
// Reference HTTP hello world on node:http, the way it is usually written: 200, text/plain,
// "Hello World", keep-alive (node's defaults: Date and Content-Length added by node).
// Usage: node node-http.js [port=0] [host=127.0.0.1]
// Prints {"ready":true,"port":N,"pid":N} once listening; exits on SIGTERM/SIGINT.
const http = require('node:http');

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';

const server = http.createServer((req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end('Hello World');
});
server.listen(port, host, () => {
  process.stdout.write(JSON.stringify({ ready: true, port: server.address().port, pid: process.pid }) + '\n');
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
