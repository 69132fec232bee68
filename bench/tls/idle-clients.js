'use strict';
// Opens N TLS connections to 127.0.0.1:PORT (a few hundred handshakes at a time), each
// completing one request so the server has finished its side, then keeps them idle.
// Usage: node idle-clients.js PORT N [HALF]  -- prints {"open":N} when all are up; exits on SIGTERM.
// With HALF: prints {"open":HALF} when that many are up and waits for SIGUSR1 before opening
// the rest (the bench reads the server's RSS at both points: the growth between them is the
// cost per connection without the server's fixed costs).
const tls = require('node:tls');

const port = Number(process.argv[2]);
const total = Number(process.argv[3]);
const half = Number(process.argv[4] || 0);
let paused = false;
const sockets = [];
let started = 0;
let open = 0;

function one() {
  if (started >= total || paused) return;
  started++;
  const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  s.once('data', () => {
    sockets.push(s);
    if (++open === total) process.stdout.write(JSON.stringify({ open }) + '\n');
    if (open === half) {
      paused = true;
      process.stdout.write(JSON.stringify({ open }) + '\n');
    }
    one();
  });
  s.on('error', (e) => { process.stderr.write(`idle-clients: ${e.message}\n`); process.exit(1); });
}
function burst() { for (let i = 0; i < 200; i++) one(); }
process.on('SIGUSR1', () => { paused = false; burst(); });
burst();
process.on('SIGTERM', () => process.exit(0));
