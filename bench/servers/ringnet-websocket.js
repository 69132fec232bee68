'use strict';
// ringnet WebSocket server for the lab's WebSocket cells (framing 'websocket', upgrades accepted
// natively): every message is echoed as it came (`ws.send(data, isBinary)`, the handler).
// With "expect": N (broadcast) every WebSocket joins room "all" and each SIGUSR2 sends the
// lab's push packet (bench/servers/push-packet.js) as one binary message with one
// server.broadcast() call: framed once natively and shared by every member.
// Usage: node ringnet-websocket.js [port=0] [host=127.0.0.1] [JSON: server options + "expect": N]
// stdout: {"ready":true,"port":N,"pid":N}; broadcast: {"joined":N}, {"pushed":SEQ,"t":NS}.
const path = require('node:path');
const { listenAndServe } = require('../lib/serve-ready');
const { goimPush } = require('./push-packet');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const { expect = 0, ...extra } = process.argv[4] ? JSON.parse(process.argv[4]) : {};
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

async function main() {
  let joined = 0;
  const server = createServer({
    framing: { type: 'websocket' },
    maxConnections: 20000,
    server: { backlog: 4096 },
    ...extra,
  }, {
    onOpen(ws) {
      if (!expect) return;
      ws.join('all');
      if (++joined === expect) out({ joined });
    },
    onMessage(ws, data, isBinary) { ws.send(data, isBinary); },
    onClose() { if (expect) joined--; },
    onError(err) { process.stderr.write(`ringnet-websocket: ${err.message}\n`); },
  });
  await listenAndServe(server, port, host);
  let seq = 0;
  process.on('SIGUSR2', () => {
    seq++;
    out({ pushed: seq, t: String(process.hrtime.bigint()) });
    if (!server.broadcast('all', goimPush(seq))) out({ dropped: seq });
  });
}

main().catch((err) => {
  process.stderr.write(`ringnet-websocket: ${err && err.stack || err}\n`);
  process.exit(1);
});
