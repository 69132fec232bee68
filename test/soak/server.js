'use strict';
// Soak server for test/soak/run.js: a length-framed echo server on the BUILT
// library (dist/), options from argv[2] (JSON). Prints {"ready":true,"port":N,"pid":N};
// answers each "stats" line on stdin with one JSON line: server.stats(),
// onError count and first message, close reasons seen. Exits when stdin ends.
const path = require('node:path');
const readline = require('node:readline');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const options = { framing: { type: 'length' }, maxConnections: 12000, server: { backlog: 4096 }, ...JSON.parse(process.argv[2] || '{}') };
const errors = { count: 0, first: '' };
const closeReasons = {};
// Connections from 127.0.100.x are test/soak/faults.js's misbehaving clients:
// their close reasons are kept per address:port, and their frames counted
// apart, so the well-behaved majority is checked alone.
const FAULTY = '127.0.100.';
const faultCloses = {};
let faultFramesIn = 0;
let normalFramesIn = 0;  // frames handed to onFrame from the well-behaved connections

const server = createServer(options, {
  onFrame(conn, frame) {
    if (conn.remoteAddress.startsWith(FAULTY)) faultFramesIn++;
    else normalFramesIn++;
    conn.send(frame);
  },
  onClose(conn, reason) {
    // A list per address:port: a port is reused once its connection is gone.
    if (conn.remoteAddress.startsWith(FAULTY)) (faultCloses[`${conn.remoteAddress}:${conn.remotePort}`] ??= []).push(reason);
    else closeReasons[reason] = (closeReasons[reason] || 0) + 1;
  },
  onError(err) {
    errors.count++;
    if (!errors.first) errors.first = `${err.code || ''} ${err.message}`;
  },
});

server.listen({ host: '127.0.0.1', port: 0 }).then(({ port }) => {
  process.stdout.write(`${JSON.stringify({ ready: true, port, pid: process.pid })}\n`);
});

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const s = server.stats();
  process.stdout.write(`${JSON.stringify({ stats: true, connections: s.connections, framesIn: s.framesIn, framesOut: s.framesOut, bytesIn: s.bytesIn, bytesOut: s.bytesOut, errors, closeReasons, faultFramesIn, normalFramesIn, faultCloses })}\n`);
});
process.stdin.on('end', () => {
  server.close({ timeout: 2000 }).then(() => process.exit(0));
});
