'use strict';
// The packet every broadcast server of the lab pushes (goim's raw packet, op 9 = a room push):
//   packLen u32 | headerLen u16 | ver u16 | op u32 | seq u32 | body   (big-endian, 16-byte header)
// with seq = the push number and a 64-byte body. TCP servers write it as is; WebSocket servers
// send it as one binary message (goim over WebSocket); bench/broadcast/client.cc keys on seq.
const BODY = Buffer.alloc(64, 0x61);

/** The push packet for push number `seq`. */
function goimPush(seq) {
  const p = Buffer.allocUnsafe(16 + BODY.length);
  p.writeUInt32BE(p.length, 0);
  p.writeUInt16BE(16, 4);
  p.writeUInt16BE(1, 6);
  p.writeUInt32BE(9, 8);
  p.writeUInt32BE(seq, 12);
  BODY.copy(p, 16);
  return p;
}

module.exports = { goimPush, BODY };
