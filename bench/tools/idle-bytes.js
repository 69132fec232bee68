'use strict';
// Where the bytes of one idle connection go (issue 11): runs a ringnet server in this process,
// opens N idle connections with the native generator (bench/bin/loadgen --idle; WebSocket: each
// upgrades first), and prints, per connection, the growth of
//   - the process's RSS (what the lab's idle workload reports),
//   - the V8 heap (used and committed, after a full GC),
//   - the rest of the RSS (RSS growth minus the resident V8 heap growth): native memory (malloc'd
//     connection state, the reactor's per-slot tables) plus page rounding,
//   - JS objects by constructor (two heap snapshots, self sizes: Connection, ServerWebSocket,
//     strings, arrays ...), the objects that grew by at least N/2 instances.
// The server is the lab's: `ringnet serve`'s length echo (tcp) or bench/servers/ringnet-websocket.js's
// handlers (websocket). Needs `npm run build` and the generator (`npm run bench -- --quick` builds it,
// or `sh bench/loadgen/build.sh`).
// (The snapshots are taken after the RSS figures, with the connections and after they closed.)
// Usage: node --expose-gc bench/tools/idle-bytes.js [--protocol tcp|websocket] [--backend epoll|io_uring]
//          [--connections 10000] [--workers 1] [--inline true|false] [--snapshot true|false]
//          [--sources N]   (clients from N hosts, 127.1.0.1 + i: each connection's own address)
//          [--settle MS]   (wait after the last open before measuring, default 300; the workers'
//                           malloc_trim after a burst runs within ~1 s of it: 1500 counts it)
const path = require('node:path');
const v8 = require('node:v8');
const { spawn } = require('node:child_process');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));
const { ensureLoadgen, BIN } = require('../workloads/shared/loadgen');

function parseArgs(argv) {
  const o = { protocol: 'tcp', backend: 'epoll', connections: 10000, workers: 1, inline: true, snapshot: true, sources: 0, settle: 300 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown flag ${argv[i]}`);
    const v = argv[i + 1];
    o[key] = typeof o[key] === 'number' ? Number(v) : typeof o[key] === 'boolean' ? v !== 'false' : v;
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function settle() {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  global.gc();
  global.gc();
}

function memory() {
  settle();
  const m = process.memoryUsage();
  const spaces = {};
  for (const sp of v8.getHeapSpaceStatistics()) spaces[sp.space_name] = { used: sp.space_used_size, physical: sp.physical_space_size };
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, spaces };
}

/** Self bytes and counts of heap objects by "type:name" (one snapshot). */
async function heapByConstructor() {
  settle();
  const chunks = [];
  for await (const c of v8.getHeapSnapshot()) chunks.push(c);
  const snap = JSON.parse(chunks.join(''));
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const out = new Map();
  const { nodes, strings } = snap;
  for (let i = 0; i < nodes.length; i += f.length) {
    const type = types[nodes[i + iType]];
    // Strings are named by their text: group them by kind only.
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '' : strings[nodes[i + iName]];
    const key = `${type}:${name}`;
    const e = out.get(key) || { count: 0, bytes: 0 };
    e.count++;
    e.bytes += nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}

function handlersFor(protocol) {
  if (protocol === 'websocket') {
    return { onMessage(ws, data, isBinary) { ws.send(data, isBinary); } };
  }
  return { onFrame(conn, frame) { conn.send(frame); } };
}

async function openIdle(port, n, protocol, sources = 0) {
  const args = ['--host', '127.0.0.1', '--port', String(port), '--connections', String(n), '--idle'];
  if (sources > 0) args.push('--sources', String(sources));
  if (protocol === 'websocket') args.push('--protocol', 'ws');
  const gen = spawn(BIN, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    gen.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
    });
    gen.on('exit', (code) => reject(new Error(`loadgen exited ${code}`)));
  });
  return { gen, established: line.established || 0 };
}

async function closeIdle(gen) {
  const exited = new Promise((r) => gen.on('exit', r));
  gen.stdin.end();
  await Promise.race([exited, sleep(10000)]);
}

async function waitOpen(server, n, settle = 300) {
  const deadline = Date.now() + 60000;
  while (server.connections().length < n && Date.now() < deadline) await sleep(50);
  await sleep(settle);  // the last opens' batches handled (and, given time, the workers' trim)
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  ensureLoadgen();
  const framing = o.protocol === 'websocket' ? { type: 'websocket' } : { type: 'length' };
  const server = createServer({
    framing, backend: o.backend, workers: o.workers, inlineWorker: o.inline,
    maxConnections: 20000, server: { backlog: 4096 },
  }, handlersFor(o.protocol));
  const { port } = await server.listen({ port: 0, host: '127.0.0.1' });

  // Warm-up round (code paged in, pools, JIT), as the lab's idle workload does.
  const warm = await openIdle(port, Math.min(1000, o.connections), o.protocol);
  await waitOpen(server, warm.established);
  await closeIdle(warm.gen);
  while (server.connections().length > 0) await sleep(50);
  await sleep(300);

  const before = memory();
  const idle = await openIdle(port, o.connections, o.protocol, o.sources);
  await waitOpen(server, idle.established, o.settle);
  const n = server.connections().length;
  const trims = server.stats().workers.reduce((a, w) => a + (w.memoryTrims || 0), 0);
  const trimNs = server.stats().workers.reduce((a, w) => a + (w.memoryTrimNs || 0), 0);
  const after = memory();
  // Snapshots after the RSS figures (a snapshot grows the heap): with the connections, then
  // once they are closed again.
  const heapAfter = o.snapshot ? await heapByConstructor() : undefined;
  await closeIdle(idle.gen);
  while (server.connections().length > 0) await sleep(50);
  await sleep(300);
  const heapBefore = o.snapshot ? await heapByConstructor() : undefined;

  const per = (a, b) => ((after[a] - before[a]) / n).toFixed(0);
  console.log(`${o.protocol} ${o.backend} workers=${o.workers} inline=${o.inline}${o.sources ? ` sources=${o.sources}` : ''}: ${n} idle connections`);
  console.log(`  RSS                      ${per('rss', 'rss')} B per connection`);
  console.log(`  malloc_trim              ${trims} since start, ${(trimNs / 1e6).toFixed(2)} ms in all`);
  console.log(`  V8 heap used             ${per('heapUsed')} B`);
  console.log(`  V8 heap committed        ${per('heapTotal')} B`);
  let v8Resident = 0;
  for (const [name, a] of Object.entries(after.spaces)) v8Resident += a.physical - (before.spaces[name] || { physical: 0 }).physical;
  console.log(`  V8 heap resident         ${(v8Resident / n).toFixed(0)} B`);
  console.log(`  rest of RSS (native)     ${(((after.rss - before.rss) - v8Resident) / n).toFixed(0)} B`);
  console.log('  V8 spaces (used / resident growth per connection):');
  for (const [name, a] of Object.entries(after.spaces)) {
    const b = before.spaces[name] || { used: 0, physical: 0 };
    const du = (a.used - b.used) / n, dp = (a.physical - b.physical) / n;
    if (Math.abs(du) >= 1 || Math.abs(dp) >= 1) console.log(`    ${name.padEnd(24)} ${du.toFixed(0).padStart(6)} / ${dp.toFixed(0).padStart(6)} B`);
  }
  if (heapAfter) {
    console.log('  JS objects that grew by >= N/2 (self size, per connection):');
    const rows = [];
    for (const [key, e] of heapAfter) {
      const b = heapBefore.get(key) || { count: 0, bytes: 0 };
      const count = e.count - b.count;
      if (count >= n / 2) rows.push([key, count, (e.bytes - b.bytes) / n]);
    }
    rows.sort((x, y) => y[2] - x[2]);
    for (const [key, count, bytes] of rows) {
      console.log(`    ${key.padEnd(40)} ${String(count).padStart(7)} objects  ${bytes.toFixed(1).padStart(6)} B`);
    }
  }
  await server.close({ timeout: 1000 });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
