'use strict';
// Opens N TLS connections to 127.0.0.1:PORT (a few hundred handshakes at a time), each
// completing one request so the server has finished its side, then keeps them idle.
// Usage: node idle-clients.js PORT N  -- prints {"open":N} when all are up; exits on SIGTERM.
const tls = require('node:tls');

const port = Number(process.argv[2]);
const total = Number(process.argv[3]);
const sockets = [];
let started = 0;
let open = 0;

function one() {
  if (started >= total) return;
  started++;
  const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  s.once('data', () => {
    sockets.push(s);
    if (++open === total) process.stdout.write(JSON.stringify({ open }) + '\n');
    one();
  });
  s.on('error', (e) => { process.stderr.write(`idle-clients: ${e.message}\n`); process.exit(1); });
}
for (let i = 0; i < 200; i++) one();
process.on('SIGTERM', () => process.exit(0));
