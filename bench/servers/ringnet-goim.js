'use strict';
// ringnet server for the lab's goim workload: auth accepted (op 8 natively), heartbeats (op 2)
// answered natively with op 3, every message (op 4) answered by the handler with op 5, the same
// seq and the same body: the handler of the goim framing's README example.
// Usage: node ringnet-goim.js [port=0] [host=127.0.0.1] [server options as JSON]
// Prints {"ready":true,"port":N,"pid":N} once listening; exits on SIGTERM/SIGINT.
const { listenAndServe } = require('../lib/serve-ready');
const path = require('node:path');
const { createServer, GOIM_OP } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const extra = process.argv[4] ? JSON.parse(process.argv[4]) : {};

async function main() {
  const server = createServer({ framing: { type: 'goim' }, maxConnections: 20000, server: { backlog: 4096 }, ...extra }, {
    onAuth: () => true,
    onFrame(conn, f) {
      if (f.op === GOIM_OP.MESSAGE) conn.send({ op: GOIM_OP.MESSAGE_REPLY, seq: f.seq, body: f.body });
    },
    onError(err) { process.stderr.write(`ringnet-goim: ${err.message}\n`); },
  });
  await listenAndServe(server, port, host);
}

main().catch((err) => {
  process.stderr.write(`ringnet-goim: ${err && err.stack || err}\n`);
  process.exit(1);
});
