'use strict';
// node:net reference for the lab's goim workload: the same handler as ringnet-goim.js, written
// the way a careful Node developer would. Packets (packLen u32 | headerLen u16 | ver u16 | op u32
// | seq u32 | body, big-endian) are parsed in place in each chunk (a packet split across reads
// is joined once, when complete); the replies produced by one 'data' event go out in ONE write:
// op 7 (auth) -> op 8, op 2 (heartbeat) -> op 3, op 4 (message) -> op 5 with the same seq and
// body. The header is rewritten in place where a reply is the packet itself with another op.
// Usage: node node-net-goim.js [port=0] [host=127.0.0.1]
// Prints {"ready":true,"port":N,"pid":N} once listening; exits on SIGTERM/SIGINT.
const net = require('node:net');

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const MAX_PACKET = 64 * 1024;
const REPLY = { 2: 3, 4: 5, 7: 8 };

function onConnection(socket) {
  socket.setNoDelay(true);
  let authed = false;
  let rest = null;    // the start of a packet split across reads (rare)

  socket.on('data', (chunk) => {
    let buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    rest = null;
    let off = 0;
    let run = 0;      // replies that are the received bytes with another op: buf[run, off), one write
    let ok = true;
    while (buf.length - off >= 16) {
      const packLen = buf.readUInt32BE(off);
      const headerLen = buf.readUInt16BE(off + 4);
      if (packLen > MAX_PACKET || headerLen < 16 || packLen < headerLen) return void socket.destroy();
      if (buf.length - off < packLen) break;
      const op = buf.readUInt32BE(off + 8);
      const reply = REPLY[op];
      // goim's Comet: the first packet must be the auth, and only one auth.
      if (reply === undefined || (op === 7) === authed) return void socket.destroy();
      if (op === 7) authed = true;
      buf.writeUInt32BE(reply, off + 8);
      if (op !== 4 && packLen !== 16) {              // op 8 / op 3 carry no body: not in place
        if (off > run) ok = socket.write(buf.subarray(run, off)) && ok;
        buf.writeUInt32BE(16, off);
        ok = socket.write(Buffer.from(buf.subarray(off, off + 16))) && ok;
        run = off + packLen;
      }
      off += packLen;
    }
    if (off > run) ok = socket.write(buf.subarray(run, off)) && ok;
    if (!ok) socket.pause();
    if (off < buf.length) rest = Buffer.from(buf.subarray(off));
  });
  socket.on('drain', () => socket.resume());
  socket.on('error', () => {});                      // resets at teardown are expected
}

const server = net.createServer(onConnection);
server.listen({ port, host }, () => {
  process.stdout.write(JSON.stringify({ ready: true, port: server.address().port, pid: process.pid }) + '\n');
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
