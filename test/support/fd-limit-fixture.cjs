/**
 * Child process for the EMFILE test in test/hardening.test.ts, started under a
 * low open-file limit (bash `ulimit -n`):
 *   node test/support/fd-limit-fixture.cjs '<server options JSON>'
 * Runs a length-framed echo server on the BUILT library (dist/index.js) and
 * speaks JSON lines: prints {listening, port, fds}, then one {error, code} per
 * onError; answers each "probe" line on stdin with {probe, fds, cpuMs, stats}.
 * Exits when stdin closes.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
// Listing /proc/self/fd needs an fd itself: at the limit the count is unknown (null).
const openFds = () => {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const server = createServer(JSON.parse(process.argv[2] || '{}'), {
  onFrame: (conn, frame) => conn.send(frame),
  onError: (err, conn) => {
    if (conn === undefined) say({ error: true, code: err.code ?? err.message });
  },
});

server.listen({ host: '127.0.0.1', port: 0 }).then(({ port }) => {
  say({ listening: true, port, fds: openFds() });
});

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'probe') say({ probe: true, fds: openFds(), cpuMs: cpuMs(), stats: server.stats() });
});
process.stdin.on('end', () => {
  server.close({ timeout: 500 }).then(() => process.exit(0));
});
