'use strict';
// Broadcast fan-out (goim's Comet push): the native client (bench/bin/broadcast-client, sources
// in bench/broadcast/) holds `connections` connections; once the server holds them all, the lab
// sends `pushes` pushes (SIGUSR2 each, one at a time): the server pushes one goim packet with a
// `payload`-byte body to every connection (ringnet: one server.broadcast(); node:net: encode
// once, write() to every socket). Figures: the time from the server's "pushed" stamp until the
// last connection has the packet (CLOCK_MONOTONIC on both sides, as latency p50/p99 over the
// pushes) and server CPU per delivered message. The servers print {"joined":N} and
// {"pushed":SEQ,"t":NS}, so a bare-port server cannot serve it (portOnly: false).
// Cell parameter protocol 'websocket': the client upgrades every connection and each push is
// the same packet as one binary WebSocket message (ringnet: one server.broadcast() to WebSocket
// members; ws: its README's send() loop, the reference then).
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const proc = require('../lib/proc');
const { onLines, tryJson, pinned, messageLog } = require('../lib/spawn');
const { windowSampler } = require('../lab/sampler');
const { summarize } = require('../lib/stats');

const DIR = path.join(__dirname, '..', 'broadcast');
const CLIENT = path.join(__dirname, '..', 'bin', 'broadcast-client');

// The client's sources: its own and the WebSocket pieces it shares with bench/loadgen.
const SOURCES = [path.join(DIR, 'client.cc'), ...['ws_client.cc', 'ws_client.h'].map((f) => path.join(DIR, '..', 'loadgen', f))];

function ensureClient() {
  const newest = Math.max(...SOURCES.map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(CLIENT) && fs.statSync(CLIENT).mtimeMs >= newest) return;
  process.stderr.write('building bench/bin/broadcast-client ...\n');
  const r = spawnSync('sh', [path.join(DIR, 'build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('broadcast-client build failed (needs g++)');
}

/** One client process holding `n` connections to `port`: { child, exited, lines, diag() }. */
function startClient(port, n, cell, ctx) {
  const ws = cell.protocol === 'websocket' ? ['--protocol', 'ws'] : [];
  const [cmd, argv] = pinned(CLIENT, ['--host', '127.0.0.1', '--port', String(port), '--connections', String(n), ...ws], ctx.generatorCpus);
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise((r) => child.on('exit', r));
  let diag = '';
  child.stderr.on('data', (d) => { if (diag.length < 4000) diag += d; });
  const lines = messageLog();
  onLines(child.stdout, (l) => { const m = tryJson(l); if (m) lines.add(m); });
  return { child, exited, lines, diag: () => diag };
}

/**
 * The measured pushes against a server. A server that announces several `ports` (the cluster
 * workload's nodes) gets the connections spread over them, one client process per port, and a
 * push is delivered once every client has it on every connection.
 */
async function runPushes(server, target, cell, ctx) {
  const sampler = windowSampler(server, target);
  const ports = (server.ready && server.ready.ports) || [server.port];
  const share = (i) => Math.floor(cell.connections / ports.length) + (i < cell.connections % ports.length ? 1 : 0);
  const clients = ports.map((port, i) => startClient(port, share(i), cell, ctx));
  const latenciesUs = [];
  const res = { errors: 0 };
  try {
    for (const c of clients) {
      const m = await c.lines.wait((x) => x.connected !== undefined, 120_000, 'client connections');
      if (m.failed) throw new Error(`${m.failed} of ${cell.connections} connections failed`);
    }
    await server.waitMessage((m) => m.joined === cell.connections, 60_000, 'the server to hold every connection');
    await proc.sleep(Math.max(300, ctx.warmup * 1000));   // connection set-up work settles first
    const gen0 = clients.map((c) => proc.cpuSeconds(c.child.pid));
    await sampler.begin();
    for (let seq = 1; seq <= cell.pushes; seq++) {
      process.kill(server.pid, 'SIGUSR2');
      const pushed = await server.waitMessage((m) => m.pushed === seq, 30_000, `push ${seq}`);
      let last = 0n;
      for (const c of clients) {
        const done = await c.lines.wait((m) => m.complete === seq, 60_000, `delivery of push ${seq}`);
        if (done.lost) throw new Error(`${done.lost} connections lost`);
        if (BigInt(done.t) > last) last = BigInt(done.t);
      }
      latenciesUs.push(Number(last - BigInt(pushed.t)) / 1e3);
      await proc.sleep(20);
    }
    await sampler.end();
    const genCpuSec = clients.reduce((a, c, i) => a + proc.cpuSeconds(c.child.pid) - gen0[i], 0);
    const ops = cell.pushes * cell.connections;
    const figures = sampler.figures(genCpuSec, ops);
    const lat = summarize(latenciesUs);
    const sorted = [...latenciesUs].sort((a, b) => a - b);
    Object.assign(res, figures, {
      ops, opsPerSec: ops / figures.windowSec, genCpuSec,
      p50Us: lat.median, p99Us: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))], maxUs: lat.max,
    });
    if (server.messages.some((m) => m.dropped)) res.error = 'the server dropped a broadcast';
  } catch (e) {
    const diag = clients.map((c) => c.diag().trim()).filter(Boolean).join('; ');
    res.error = `${e.message}${diag ? `: ${diag.slice(0, 300)}` : ''}`;
  } finally {
    for (const c of clients) c.child.stdin.end();
    await Promise.race([Promise.all(clients.map((c) => c.exited)), proc.sleep(5000)]);
    for (const c of clients) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  }
  return res;
}

const broadcast = {
  name: 'broadcast',
  description: 'broadcast fan-out: one goim push to every connection, time until all have it, CPU per delivery',
  unit: 'deliveries',
  reference: 'node:net',
  referenceFor: (cell) => (cell.protocol === 'websocket' ? 'ws' : 'node:net'),
  portOnly: false,
  defaults: { connections: 10000, pushes: 20, payload: 64, protocol: 'tcp' },
  label: (cell) => `bcast-${cell.protocol === 'websocket' ? 'ws-' : ''}c${cell.connections}-n${cell.pushes}`,
  prepare: ensureClient,
  run: runPushes,
};

module.exports = broadcast;
module.exports.runPushes = runPushes;
module.exports.ensureClient = ensureClient;
