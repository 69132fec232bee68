'use strict';
// Reference HTTPS hello world on node:https: the same response as node-http.js over TLS.
// Usage: node node-https.js [port=0] [host=127.0.0.1] [{"key":PATH,"cert":PATH,"keepAliveTimeout":MS}]
// (keepAliveTimeout 0: idle keep-alive connections are never closed; default node's 5000)
// Prints {"ready":true,"port":N,"pid":N} once listening; exits on SIGTERM/SIGINT.
const fs = require('node:fs');
const https = require('node:https');

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const { key, cert, keepAliveTimeout } = JSON.parse(process.argv[4] || '{}');

const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end('Hello World');
});
if (keepAliveTimeout !== undefined) server.keepAliveTimeout = keepAliveTimeout;
server.listen(port, host, () => {
  process.stdout.write(JSON.stringify({ ready: true, port: server.address().port, pid: process.pid }) + '\n');
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
