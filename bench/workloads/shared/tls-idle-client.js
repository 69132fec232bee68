'use strict';
// The idle generator of TLS cells (the idle workload's `protocol: 'tls'`): opens `connections`
// TLS connections (node:tls, the lab's certificate not verified; `batch` handshakes at a
// time), each sending one length-prefixed frame and waiting for its echo, so the server has
// finished its side of the handshake and of a first record, then holding them idle. Prints
// what the native generator's --idle mode prints, {"established":N,"connectErrors":E}, once
// every connection is open or failed, and closes them all when its stdin ends.
// Why Node: the native generator links libcrypto only (no TLS client in its loop).
// Usage: node tls-idle-client.js '{"port":N,"connections":C}'
const tls = require('node:tls');

const cfg = JSON.parse(process.argv[2]);
const BATCH = cfg.batch || 200;
const FRAME = Buffer.from([0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
const sockets = [];
let started = 0;
let settled = 0;
let established = 0;
let connectErrors = 0;

function settle(ok) {
  settled++;
  if (ok) established++;
  else connectErrors++;
  if (settled === cfg.connections) process.stdout.write(JSON.stringify({ established, connectErrors }) + '\n');
  else next();
}

function next() {
  if (started >= cfg.connections) return;
  started++;
  let done = false;
  const once = (ok) => { if (!done) { done = true; settle(ok); } };
  const s = tls.connect({ port: cfg.port, host: '127.0.0.1', rejectUnauthorized: false }, () => s.write(FRAME));
  let got = 0;
  s.on('data', (d) => {
    got += d.length;
    if (got >= FRAME.length) once(true);
  });
  s.on('error', () => once(false));
  s.on('close', () => once(false));
  sockets.push(s);
}

for (let i = 0; i < Math.min(BATCH, cfg.connections); i++) next();
process.stdin.on('end', () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
});
process.stdin.resume();
