'use strict';
// The `ws` npm reference for the lab's WebSocket cells, written the way its README does: echo
// every message back as it came (binary stays binary); for broadcast (options.expect = N) the
// README's broadcast loop, `client.send()` to every open client, of the same goim packet the
// TCP broadcast servers push (op 9, seq = push number, 64-byte body) as one binary message.
// permessage-deflate off (ws's server default), like ringnet's.
// Usage: node ws-websocket.js [port=0] [host=127.0.0.1] [JSON: {"expect": N, "path": "/"}]
// stdout: {"ready":true,"port":N,"pid":N}; broadcast: {"joined":N}, {"pushed":SEQ,"t":NS}.
const { WebSocketServer, WebSocket } = require('ws');
const { goimPush } = require('./push-packet');

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const { expect = 0 } = process.argv[4] ? JSON.parse(process.argv[4]) : {};
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const wss = new WebSocketServer({ port, host, backlog: 4096, perMessageDeflate: false, maxPayload: 1 << 20 }, () => {
  out({ ready: true, port: wss.address().port, pid: process.pid });
});
let joined = 0;
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('close', () => { joined--; });
  if (++joined === expect) out({ joined });
});

let seq = 0;
process.on('SIGUSR2', () => {
  seq++;
  out({ pushed: seq, t: String(process.hrtime.bigint()) });
  const p = goimPush(seq);
  for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(p, { binary: true });
});

const stop = () => {
  for (const client of wss.clients) client.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
