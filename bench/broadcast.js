'use strict';
// Broadcast benchmark (goim's Comet push): one 64-byte goim packet pushed to 10,000
// connected clients. ringnet does it with one server.broadcast() call (encoded once, fanned
// out natively by every worker); the node:net reference encodes once and write()s to every
// socket in a JS loop.
//
// For each round, every target runs in turn (A B A B ...): its server starts in a child
// process, the native client (bench/bin/broadcast-client) opens the connections, and once
// the server holds them all it gets --pushes pushes (SIGUSR2 each), one at a time. Reported:
//   latency  - from the server's "pushed" timestamp to the moment the client saw the packet
//              on the last of its connections (both CLOCK_MONOTONIC, same machine);
//   CPU      - server utime+stime (/proc/<pid>/stat) over the pushes / packets delivered.
// The machine has 2 cores shared with the client (and possibly other work): read ratios
// between targets of one run, not absolute numbers.
//
// Usage: node bench/broadcast.js [--quick] [--connections N] [--pushes N] [--rounds N]
//          [--targets ringnet-epoll,ringnet-io_uring,ringnet-epoll-w2,node:net] [--json FILE]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { usage: showUsage } = require('./lib/usage');
const proc = require('./lib/proc');
const { onLines, tryJson, startServer, stopProcess } = require('./lib/spawn');
const { summarize, num, spread, table } = require('./lib/stats');

const HERE = __dirname;
const CLIENT = path.join(HERE, 'bin', 'broadcast-client');

const TARGETS = [
  { name: 'ringnet-epoll', server: 'ringnet-broadcast.js', options: { backend: 'epoll' }, byDefault: true },
  { name: 'ringnet-io_uring', server: 'ringnet-broadcast.js', options: { backend: 'io_uring' }, byDefault: true },
  { name: 'ringnet-epoll-w2', server: 'ringnet-broadcast.js', options: { backend: 'epoll', workers: 2, inlineWorker: false } },
  { name: 'node:net', server: 'node-net-broadcast.js', options: {}, reference: true, byDefault: true },
];

function parseArgs(argv) {
  const o = { connections: 10000, pushes: 20, rounds: 3, targets: null, json: null };
  const given = {};
  for (let i = 0; i < argv.length; i++) {
    let [k, v] = argv[i].split(/=(.*)/s);
    const val = () => (v !== undefined ? v : argv[++i]);
    switch (k) {
      case '--quick': Object.assign(o, { connections: 2000, pushes: 10, rounds: 1 }); break;
      case '--connections': case '--pushes': case '--rounds': {
        given[k.slice(2)] = Number(val());
        if (!(given[k.slice(2)] > 0)) usage(`bad value for ${k}`);
        break;
      }
      case '--targets': o.targets = val().split(','); break;
      case '--json': o.json = val(); break;
      case '--help': case '-h': usage(); break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  return Object.assign(o, given);
}

function usage(msg) {
  showUsage(__filename, msg);
}

function ensureClient() {
  const src = path.join(HERE, 'broadcast', 'client.cc');
  if (fs.existsSync(CLIENT) && fs.statSync(CLIENT).mtimeMs >= fs.statSync(src).mtimeMs) return;
  const r = spawnSync('sh', [path.join(HERE, 'broadcast', 'build.sh')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('broadcast-client build failed');
}

/** Resolves with the first parsed JSON line of `lines` satisfying pred, or rejects after ms. */
function waitLine(lines, pred, ms, what) {
  return new Promise((resolve, reject) => {
    const hit = lines.seen.find(pred);
    if (hit) return resolve(hit);
    const timer = setTimeout(() => {
      lines.waiters.delete(w);
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const w = (m) => {
      if (!pred(m)) return false;
      clearTimeout(timer);
      resolve(m);
      return true;
    };
    lines.waiters.add(w);
  });
}

function jsonLines(stream) {
  const lines = { seen: [], waiters: new Set() };
  onLines(stream, (l) => {
    const m = tryJson(l);
    if (!m) return;
    lines.seen.push(m);
    for (const w of lines.waiters) if (w(m)) lines.waiters.delete(w);
  });
  return lines;
}

async function runOne(target, opt) {
  const res = { target: target.name, latenciesMs: [], error: undefined };
  const server = await startServer(path.join(HERE, 'servers', target.server), { ...target.options, expect: opt.connections });
  const serverLines = jsonLines(server.child.stdout);
  const client = spawn(CLIENT, ['--host', '127.0.0.1', '--port', String(server.port), '--connections', String(opt.connections)],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const clientExit = new Promise((r) => client.on('exit', r));
  const clientLines = jsonLines(client.stdout);
  try {
    const c = await waitLine(clientLines, (m) => m.connected !== undefined, 120_000, 'client connections');
    if (c.failed) throw new Error(`${c.failed} connections failed`);
    await waitLine(serverLines, (m) => m.joined === opt.connections, 60_000, 'server to hold every connection');
    await proc.sleep(300); // let connection set-up work finish before measuring
    const cpu0 = proc.cpuSeconds(server.pid);
    const sys0 = proc.systemBusySeconds();
    const t0 = performance.now();
    for (let seq = 1; seq <= opt.pushes; seq++) {
      process.kill(server.pid, 'SIGUSR2');
      const pushed = await waitLine(serverLines, (m) => m.pushed === seq, 30_000, `push ${seq}`);
      const done = await waitLine(clientLines, (m) => m.complete === seq, 60_000, `delivery of push ${seq}`);
      if (done.lost) throw new Error(`${done.lost} connections lost`);
      res.latenciesMs.push(Number(BigInt(done.t) - BigInt(pushed.t)) / 1e6);
      await proc.sleep(20);
    }
    const cpu1 = proc.cpuSeconds(server.pid);
    const wall = (performance.now() - t0) / 1000;
    res.serverCpuSec = cpu1 - cpu0;
    res.cpuUsPerDelivery = (res.serverCpuSec * 1e6) / (opt.pushes * opt.connections);
    res.otherCores = (proc.systemBusySeconds() - sys0 - res.serverCpuSec) / wall; // client + rest of the machine
    if (serverLines.seen.some((m) => m.dropped)) res.error = 'server dropped a broadcast';
  } catch (e) {
    res.error = e.message;
  } finally {
    client.stdin.end();
    await Promise.race([clientExit, proc.sleep(5000)]);
    if (client.exitCode === null) client.kill('SIGKILL');
    await stopProcess(server.child);
  }
  return res;
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  let targets = opt.targets
    ? opt.targets.map((n) => TARGETS.find((t) => t.name === n) || usage(`unknown target ${n}`))
    : TARGETS.filter((t) => t.byDefault);
  const uring = spawnSync(process.execPath, ['-e',
    `process.stdout.write(String(require(${JSON.stringify(path.join(HERE, '..', 'dist', 'native.js'))}).native.backendAvailable(1)))`],
    { encoding: 'utf8' }).stdout;
  if (uring !== 'true') {
    console.log(`io_uring unavailable (${uring}): skipping io_uring targets`);
    targets = targets.filter((t) => t.options.backend !== 'io_uring');
  }
  ensureClient();
  console.log(`broadcast: ${opt.connections} connections, ${opt.pushes} pushes x ${opt.rounds} rounds, 64-byte body ` +
    `(80-byte goim packet); ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const results = [];
  for (let round = 1; round <= opt.rounds; round++) {
    for (const t of targets) {
      const r = await runOne(t, opt);
      r.round = round;
      results.push(r);
      console.log(`  round ${round} ${t.name}: ${r.error ? `ERROR ${r.error}` :
        `latency median ${num(summarize(r.latenciesMs).median)} ms, ${num(r.cpuUsPerDelivery, 3)} µs CPU/delivery, ` +
        `other load ${num(r.otherCores)} cores`}`);
    }
  }
  const ref = targets.find((t) => t.reference);
  const cpuOf = (name) => summarize(results.filter((r) => r.target === name && !r.error).map((r) => r.cpuUsPerDelivery));
  const refCpu = ref && cpuOf(ref.name);
  const rows = targets.map((t) => {
    const ok = results.filter((r) => r.target === t.name && !r.error);
    const lat = summarize(ok.flatMap((r) => r.latenciesMs));
    const cpu = cpuOf(t.name);
    return [t.name, `${ok.length}/${opt.rounds}`, spread(lat, 2, ' ms'), spread(cpu, 3, ' µs'),
      cpu && refCpu ? (cpu.median / refCpu.median).toFixed(2) : '-'];
  });
  console.log('\n' + table(['target', 'rounds ok', 'time to all clients', 'server CPU / delivered packet', 'CPU vs node:net'], rows));
  if (opt.json) fs.writeFileSync(opt.json, JSON.stringify({ opt, loadavg: os.loadavg(), results }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
