'use strict';
// The TLS echo generator: `connections` TLS connections (node:tls, the lab's certificate not
// verified), each keeping `depth` length-prefixed frames of `payload` bytes in flight; every
// echo is checked byte for byte against the frame sent (each frame of a connection differs).
// Speaks the lab's phased protocol (bench/lib/phased_child.js): {"phase":"measure"} and
// {"phase":"done"} on stderr around the measured window, the result as one JSON line on stdout.
// Why Node and not the native generator: the native one links libcrypto only; a TLS client in
// its epoll loop is a larger change than this workload needs to measure the servers' CPU per
// echo, which is what it reports (its own CPU is "gen cores": near 1.0, it is the limit).
// Usage: node tls-echo-client.js '{"port":N,"connections":C,"depth":D,"payload":P,"warmup":S,"duration":S}'
const tls = require('node:tls');

const cfg = JSON.parse(process.argv[2]);
const MAX_SAMPLES = 200000;          // latency samples kept (every k-th beyond that)
const conns = [];
let measuring = false;
let frames = 0;
let errors = 0;
let mismatches = 0;
let connectErrors = 0;
let samples = [];
let seen = 0;

function frameFor(id, seq) {
  const f = Buffer.allocUnsafe(4 + cfg.payload);
  f.writeUInt32BE(cfg.payload, 0);
  for (let i = 0; i < cfg.payload; i++) f[4 + i] = (id * 31 + seq * 7 + i) & 0xff;
  return f;
}

function open(id) {
  return new Promise((resolve) => {
    const c = { id, seq: 0, inFlight: [], buf: Buffer.alloc(0), socket: null };
    const s = tls.connect({ port: cfg.port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      s.setNoDelay(true);
      for (let i = 0; i < cfg.depth; i++) send(c);
      resolve(c);
    });
    c.socket = s;
    s.on('data', (d) => receive(c, d));
    s.on('error', () => { if (c.inFlight) errors++; resolve(null); });
    s.on('close', () => { if (c.inFlight && !stopping) errors++; });
  });
}

function send(c) {
  const f = frameFor(c.id, c.seq++);
  c.inFlight.push({ f, t: process.hrtime.bigint() });
  c.socket.write(f);
}

function receive(c, d) {
  c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
  let off = 0;
  while (c.buf.length - off >= 4) {
    const len = c.buf.readUInt32BE(off);
    if (c.buf.length - off - 4 < len) break;
    const got = c.buf.subarray(off, off + 4 + len);
    const want = c.inFlight.shift();
    if (!want || !want.f.equals(got)) {
      mismatches++;
      process.stderr.write('tls-echo-client: echoed frame differs from the frame sent\n');
      c.socket.destroy();
      return;
    }
    if (measuring) {
      frames++;
      const us = Number(process.hrtime.bigint() - want.t) / 1e3;
      if (samples.length < MAX_SAMPLES) samples.push(us);
      else if (++seen % 4 === 0) samples[seen % MAX_SAMPLES] = us;
    }
    off += 4 + len;
    if (!stopping) send(c);
  }
  c.buf = c.buf.subarray(off);
}

let stopping = false;
const pct = (v, p) => (v.length ? v[Math.min(v.length - 1, Math.floor(v.length * p))] : undefined);
const cpuSec = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

async function main() {
  // Handshakes a hundred at a time: a burst of 1000 would time out on a small machine.
  for (let i = 0; i < cfg.connections; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, cfg.connections - i) }, (_, k) => open(i + k)));
    for (const c of batch) if (c) conns.push(c); else connectErrors++;
  }
  await new Promise((r) => setTimeout(r, cfg.warmup * 1000));
  process.stderr.write('{"phase":"measure"}\n');
  const cpu0 = cpuSec();
  const t0 = process.hrtime.bigint();
  measuring = true;
  await new Promise((r) => setTimeout(r, cfg.duration * 1000));
  measuring = false;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const genCpuSec = cpuSec() - cpu0;
  process.stderr.write('{"phase":"done"}\n');
  stopping = true;
  samples.sort((a, b) => a - b);
  const result = { protocol: 'tls-echo', connections: conns.length, frames, seconds, framesPerSec: frames / seconds, genCpuSec,
    p50Us: pct(samples, 0.5), p99Us: pct(samples, 0.99), p999Us: pct(samples, 0.999), maxUs: samples[samples.length - 1],
    errors, mismatches, connectErrors };
  process.stdout.write(JSON.stringify(result) + '\n');
  for (const c of conns) c.socket.destroy();
  process.exitCode = errors || mismatches || connectErrors || !frames ? 1 : 0;
}

main().catch((e) => { process.stderr.write(`tls-echo-client: ${e.stack || e}\n`); process.exit(1); });
