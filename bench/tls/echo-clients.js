'use strict';
// TLS framed echo load: C node:tls connections to 127.0.0.1:PORT, each keeping W frames of
// S bytes (length framing, 4-byte header) in flight; counts echoed frames for D seconds after
// all are connected. Prints {"frames":N,"seconds":T} and exits.
// Usage: node echo-clients.js PORT [C=50] [W=4] [S=64] [D=5]
const tls = require('node:tls');

const [port, conns = 50, window = 4, size = 64, seconds = 5] = process.argv.slice(2).map(Number);
const frame = Buffer.alloc(4 + size, 0x61);
frame.writeUInt32BE(size, 0);
let counting = false;
let frames = 0;
let connected = 0;
const sockets = [];

function open() {
  const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
    if (++connected === conns) start();
  });
  let pending = 0;
  s.on('data', (d) => {
    pending += d.length;
    let n = 0;
    while (pending >= frame.length) { pending -= frame.length; n++; }
    if (counting) frames += n;
    if (n) s.write(n === 1 ? frame : Buffer.concat(Array(n).fill(frame)));
  });
  s.on('error', (e) => { process.stderr.write(`echo-clients: ${e.message}\n`); process.exit(1); });
  sockets.push(s);
}

function start() {
  for (const s of sockets) s.write(Buffer.concat(Array(window).fill(frame)));
  setTimeout(() => {
    counting = true;
    const t0 = process.hrtime.bigint();
    process.stdout.write(JSON.stringify({ counting: true }) + '\n');
    setTimeout(() => {
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      process.stdout.write(JSON.stringify({ frames, seconds: secs }) + '\n');
      process.exit(0);
    }, seconds * 1000);
  }, 500); // warm-up
}
for (let i = 0; i < conns; i++) open();
