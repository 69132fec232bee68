'use strict';
// Reference TLS framed echo on node:tls: length framing (4-byte big-endian header), every frame sent back.
// Usage: node node-tls-echo.js [port=0] [host=127.0.0.1] [{"key":PATH,"cert":PATH}]
// Prints {"ready":true,"port":N,"pid":N} once listening; exits on SIGTERM/SIGINT.
const fs = require('node:fs');
const tls = require('node:tls');

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const { key, cert } = JSON.parse(process.argv[4] || '{}');

const server = tls.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (s) => {
  let buf = Buffer.alloc(0);
  s.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    let off = 0;
    const out = [];
    while (buf.length - off >= 4) {
      const n = buf.readUInt32BE(off);
      if (buf.length - off < 4 + n) break;
      out.push(buf.subarray(off, off + 4 + n));
      off += 4 + n;
    }
    if (out.length) s.write(out.length === 1 ? out[0] : Buffer.concat(out));
    buf = buf.subarray(off);
  });
  s.on('error', () => {});
});
server.listen(port, host, () => {
  process.stdout.write(JSON.stringify({ ready: true, port: server.address().port, pid: process.pid }) + '\n');
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
