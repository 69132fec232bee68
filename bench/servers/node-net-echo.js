'use strict';
// Reference echo server on node:net: 4-byte big-endian length + payload, each complete frame
// written back with its header. Written the way a careful Node developer would:
//  - no Buffer.concat per chunk: complete frames are parsed in place in the chunk; only a frame
//    split across reads is accumulated, and joined once, when it is complete;
//  - all frames completed by one 'data' event go back in ONE socket.write; as an echo returns
//    each frame byte for byte, header included, complete frames that are contiguous in the
//    chunk are written as one zero-copy view of it;
//  - backpressure: pause reading while socket.write() reports a full buffer.
// Usage: node node-net-echo.js [port=0 | unix socket path] [host=127.0.0.1] [options JSON]
//   options: {"noDelay":true,"keepAlive":false,"writes":1}; writes 2 echoes each frame as two
//   writes (header, then payload): the small-write pattern of the lab's socket-flag experiment;
//   "tls": {"key": PATH, "cert": PATH} serves the same echo over node:tls (the lab's TLS echo).
// Prints {"ready":true,"port":N,"pid":N} once listening; exits on SIGTERM/SIGINT.
const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');

const where = process.argv[2] || '0';
const host = process.argv[3] || '127.0.0.1';
const options = { noDelay: true, keepAlive: false, writes: 1, ...(process.argv[4] ? JSON.parse(process.argv[4]) : {}) };
const MAX_FRAME = 16 * 1024 * 1024;

function onConnection(socket) {
  socket.setNoDelay(options.noDelay);
  if (options.keepAlive) socket.setKeepAlive(true);
  let parts = null;   // chunks holding the start of an incomplete frame (rare)
  let partsLen = 0;
  let need = 0;       // bytes needed to complete that frame (header included), 0 if unknown

  socket.on('data', (chunk) => {
    let buf = chunk;
    if (parts !== null) {
      parts.push(chunk);
      partsLen += chunk.length;
      if (need === 0 && partsLen >= 4) {                  // header just completed
        need = 4 + Buffer.concat(parts, 4).readUInt32BE(0);
        if (need > 4 + MAX_FRAME) return void socket.destroy();
      }
      if (need === 0 || partsLen < need) return;          // still incomplete: keep collecting
      buf = Buffer.concat(parts, partsLen);               // one join per split frame
      parts = null;
      partsLen = 0;
      need = 0;
    }
    // Walk the complete frames; they form the prefix buf[0, end).
    let end = 0;
    while (buf.length - end >= 4) {
      const len = buf.readUInt32BE(end);
      if (len > MAX_FRAME) return void socket.destroy();
      if (buf.length - end - 4 < len) break;
      end += 4 + len;
    }
    if (end > 0 && options.writes === 2) {
      if (!writeSplit(socket, buf, end)) socket.pause();
    } else if (end > 0 && !socket.write(end === buf.length ? buf : buf.subarray(0, end))) {
      socket.pause();
    }
    if (end < buf.length) {                               // keep the partial frame
      parts = [buf.subarray(end)];
      partsLen = buf.length - end;
      need = partsLen >= 4 ? 4 + buf.readUInt32BE(end) : 0;  // length already checked above
    }
  });
  socket.on('drain', () => socket.resume());
  socket.on('error', () => {});                            // resets at teardown are expected
}

/** Each frame of buf[0, end) as two writes, header then payload. */
function writeSplit(socket, buf, end) {
  let ok = true;
  for (let off = 0; off < end;) {
    const len = buf.readUInt32BE(off);
    ok = socket.write(buf.subarray(off, off + 4)) && ok;
    ok = socket.write(buf.subarray(off + 4, off + 4 + len)) && ok;
    off += 4 + len;
  }
  return ok;
}

const server = options.tls
  ? tls.createServer({ key: fs.readFileSync(options.tls.key), cert: fs.readFileSync(options.tls.cert) }, onConnection)
  : net.createServer(onConnection);
server.on('tlsClientError', () => {});                    // a client giving up mid-handshake
const unixPath = /^\d+$/.test(where) ? null : where;
server.listen(unixPath ? { path: unixPath } : { port: Number(where), host }, () => {
  const at = unixPath ? { path: unixPath } : { port: server.address().port };
  process.stdout.write(JSON.stringify({ ready: true, ...at, pid: process.pid }) + '\n');
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
