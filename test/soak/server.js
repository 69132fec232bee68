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

const server = createServer(options, {
  onFrame(conn, frame) {
    conn.send(frame);
  },
  onClose(conn, reason) {
    closeReasons[reason] = (closeReasons[reason] || 0) + 1;
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
  process.stdout.write(`${JSON.stringify({ stats: true, connections: s.connections, framesIn: s.framesIn, framesOut: s.framesOut, bytesIn: s.bytesIn, bytesOut: s.bytesOut, errors, closeReasons })}\n`);
});
process.stdin.on('end', () => {
  server.close({ timeout: 2000 }).then(() => process.exit(0));
});
