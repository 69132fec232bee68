'use strict';
// Misbehaving clients for `npm run soak -- --faults` (test/soak/run.js starts
// this beside the well-behaved native client). Opens --rate connections per
// second for --duration seconds from 127.0.100.x (so the server can tell
// them apart), each one of these kinds, in turn:
//
//   rst         a frame (echoed), then a header announcing 100 bytes and
//               10 of them, then RST                                        -> 'reset' (or 'peer')
//   stop-read   never reads, writes 4 MiB of 64 KiB frames: the echoes pile
//               up past the server's maxOutbound (its SO_SNDBUF is fixed at
//               64 KiB in this mode, so the kernel cannot absorb them)      -> 'backpressure'
//   oversized   a header announcing 2 GiB (over maxFrameLength)             -> 'frame-too-large'
//   slowloris   one 20-byte frame trickled a byte every 100 ms; checks the
//               echo, then FIN (length framing has no per-frame deadline:
//               a slow but honest client is served)                         -> 'peer'
//   half-close  three frames then FIN, keeps reading: all three echoes
//               must arrive before the server's FIN                         -> 'peer'
//   vanish      connects and closes at once (FIN, no byte)                  -> 'peer' (or 'reset')
//
// Prints one JSON line at the end: {"faults":[{"key":"addr:port","kind","ok","detail"}...]},
// where ok is this side's check (echoes, the server's close seen).
const net = require('node:net');

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (i % 2 ? a : [...a, [v.replace(/^--/, ''), all[i + 1]]]), []));
const port = Number(args.port);
const rate = Number(args.rate ?? 20);
const duration = Number(args.duration ?? 30);
const KINDS = ['rst', 'stop-read', 'oversized', 'slowloris', 'half-close', 'vanish'];

function frame(payload) {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(payload.length);
  return Buffer.concat([h, payload]);
}

/** Reads length frames from a socket. */
function frameReader(socket) {
  const frames = [];
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      frames.push(buf.subarray(4, 4 + buf.readUInt32BE(0)));
      buf = buf.subarray(4 + buf.readUInt32BE(0));
    }
  });
  return frames;
}

let seq = 0;
function run(kind) {
  return new Promise((resolve) => {
    const localAddress = `127.0.100.${1 + (seq++ % 32)}`;
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    const result = { key: '', kind, ok: false, detail: '' };
    let settled = false;
    const finish = (ok, detail) => {
      if (settled) return;
      settled = true;
      result.ok = ok;
      result.detail = detail;
      clearTimeout(guard);
      socket.destroy();
      resolve(result);
    };
    const guard = setTimeout(() => finish(false, 'no outcome within 60 s'), 60_000);
    socket.on('error', () => {});
    socket.once('connect', () => {
      result.key = `${socket.localAddress}:${socket.localPort}`;
      switch (kind) {
        case 'rst': {
          // One whole frame first, echoed: the server has the connection open
          // (and its address: a connection reset before the server looked at
          // it has none), then half a frame and RST.
          const frames = frameReader(socket);
          socket.write(frame(Buffer.from('first')));
          const wait = setInterval(() => {
            if (frames.length === 0) return;
            clearInterval(wait);
            socket.write(frame(Buffer.alloc(100, 1)).subarray(0, 14), () => setTimeout(() => {
              socket.resetAndDestroy();
              finish(true, '');
            }, 20));
          }, 5);
          break;
        }
        case 'stop-read': {
          socket.pause();  // never reads (a paused socket also never sees the RST)
          const chunk = frame(Buffer.alloc(65532, 7));
          for (let i = 0; i < 64; i++) socket.write(chunk);
          // Once the server has reset the connection, a write fails: that is the outcome.
          const probe = setInterval(() => socket.write(Buffer.alloc(0)), 250);
          const done = () => {
            clearInterval(probe);
            finish(true, '');
          };
          socket.once('error', done);
          socket.once('close', done);
          break;
        }
        case 'oversized': {
          const h = Buffer.alloc(4);
          h.writeUInt32BE(0x80000000);
          socket.write(h);
          socket.resume();
          socket.once('close', () => finish(true, ''));
          break;
        }
        case 'slowloris': {
          const bytes = frame(Buffer.from('slow-and-honest-0123'));
          const frames = frameReader(socket);
          let i = 0;
          const tick = setInterval(() => {
            if (i < bytes.length) socket.write(bytes.subarray(i, ++i));
            else clearInterval(tick);
          }, 100);
          socket.once('close', () => {
            clearInterval(tick);
            const ok = frames.length === 1 && frames[0].toString() === 'slow-and-honest-0123';
            finish(ok, ok ? '' : `echoes ${frames.length}`);
          });
          const wait = setInterval(() => {
            if (frames.length === 1) {
              clearInterval(wait);
              socket.end();
            }
          }, 20);
          break;
        }
        case 'half-close': {
          const frames = frameReader(socket);
          socket.end(Buffer.concat([frame(Buffer.from('a')), frame(Buffer.from('bb')), frame(Buffer.from('ccc'))]));
          socket.once('end', () => {
            const got = frames.map(String).join(',');
            finish(got === 'a,bb,ccc', got === 'a,bb,ccc' ? '' : `echoes '${got}' before the server's FIN`);
          });
          break;
        }
        default:  // vanish
          socket.end();
          socket.resume();
          socket.once('close', () => finish(true, ''));
      }
    });
  });
}

(async () => {
  const pending = [];
  const began = Date.now();
  let n = 0;
  while (Date.now() - began < duration * 1000) {
    pending.push(run(KINDS[n++ % KINDS.length]));
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  const faults = await Promise.all(pending);
  process.stdout.write(`${JSON.stringify({ faults })}\n`);
})();
