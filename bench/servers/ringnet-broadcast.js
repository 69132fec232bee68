'use strict';
// ringnet broadcast server (goim framing): every connection joins room "all";
// each SIGUSR2 pushes one packet (op 9, seq = push number, 64-byte body) with
// one server.broadcast() call, fanned out natively.
// Usage: node ringnet-broadcast.js [port=0] [host=127.0.0.1] [JSON: server options + "expect": N]
// stdout: {"ready":true,"port":N,"pid":N}, {"joined":N} once N connections are in the
// room, {"pushed":SEQ,"t":NS} (CLOCK_MONOTONIC ns) just before each broadcast.
const path = require('node:path');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const { expect = 0, ...extra } = process.argv[4] ? JSON.parse(process.argv[4]) : {};
const BODY = Buffer.alloc(64, 0x61);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

async function main() {
  let joined = 0;
  const server = createServer({
    framing: { type: 'goim' },
    maxConnections: 20000,
    connection: { noDelay: true },
    server: { backlog: 4096 },
    ...extra,
  }, {
    onOpen(conn) {
      conn.join('all');
      if (++joined === expect) out({ joined });
    },
    onClose() { joined--; },
  });
  const addr = await server.listen({ port, host });
  out({ ready: true, port: addr.port, pid: process.pid });
  let seq = 0;
  process.on('SIGUSR2', () => {
    seq++;
    out({ pushed: seq, t: String(process.hrtime.bigint()) });
    if (!server.broadcast('all', { op: 9, seq, body: BODY })) out({ dropped: seq });
  });
  const stop = async () => {
    const timer = setTimeout(() => process.exit(0), 2000);
    try { await server.close({ timeout: 500 }); } finally { clearTimeout(timer); process.exit(0); }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`ringnet-broadcast: ${err && err.stack || err}\n`);
  process.exit(1);
});
