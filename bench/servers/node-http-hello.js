'use strict';
// node:http reference for the lab's HTTP workload: every request gets "hello world" (200,
// keep-alive). Usage: node node-http-hello.js [port=0] [host=127.0.0.1]
// Prints {"ready":true,"port":N,"pid":N} once listening; exits on SIGTERM/SIGINT.
const http = require('node:http');

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const BODY = Buffer.from('hello world');

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 60000;
server.listen(port, host, () => {
  process.stdout.write(JSON.stringify({ ready: true, port: server.address().port, pid: process.pid }) + '\n');
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
