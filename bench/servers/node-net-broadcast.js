'use strict';
// node:net reference for bench/broadcast.js: the same goim push as
// ringnet-broadcast.js, done the usual way in JS: encode the packet once,
// then socket.write() it to every connection in a loop.
// Usage: node node-net-broadcast.js [port=0] [host=127.0.0.1] [JSON: {"expect": N}]
const net = require('node:net');
const { goimPush } = require('./push-packet');

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const { expect = 0 } = process.argv[4] ? JSON.parse(process.argv[4]) : {};
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const sockets = new Set();
const server = net.createServer({ noDelay: true }, (s) => {
  sockets.add(s);
  s.on('error', () => {});
  s.on('close', () => sockets.delete(s));
  s.resume(); // clients send nothing; never let a read buffer build up
  if (sockets.size === expect) out({ joined: sockets.size });
});
server.maxConnections = 20000;
server.listen({ port, host, backlog: 4096 }, () => {
  out({ ready: true, port: server.address().port, pid: process.pid });
});

let seq = 0;
process.on('SIGUSR2', () => {
  seq++;
  out({ pushed: seq, t: String(process.hrtime.bigint()) });
  const p = goimPush(seq);
  for (const s of sockets) s.write(p);
});

const stop = () => {
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
