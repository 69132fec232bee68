'use strict';
// HTTP benchmark: ringnet's HTTP hello world vs node:http's, same machine, same run.
//
// Load generators: autocannon (programmatic, in this process) and wrk when it is installed
// (`apt-get install wrk`), 100 connections, without pipelining and with 16 pipelined requests.
// (autocannon pipelines by keeping 16 requests in flight, sending one as each answer arrives;
// wrk's bench/wrk/pipeline.lua writes 16 at once and the next 16 when all came back.)
// For each round, scenario and tool, every target runs in turn (A B A B ...): its server
// starts in a child process, the generator warms it up, then the server's CPU time
// (utime+stime from /proc/<pid>/stat) is sampled around the measured run. Server CPU per
// request = delta CPU / requests: on a 2-core machine where generator and server compete,
// that (and its ratio to node:http in the same round) is the figure that holds between runs.
// Any error, timeout or non-2xx response is reported and fails the run.
//
// Usage: node bench/http.js [--quick] [--duration S] [--warmup S] [--rounds N]
//          [--only p1,p16] [--tools autocannon,wrk] [--targets ringnet-epoll,node:http]
//          [--connections N] [--json FILE]
// Targets: ringnet-epoll (default), node:http (reference, default), ringnet-io_uring,
// ringnet-epoll-threads; or ad hoc as ringnet:<json server options>, or ringnet@DIR[:<json>]
// to run another checkout's build (DIR/bench/servers/ringnet-http.js: before/after a change).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { usage: showUsage } = require('./lib/usage');
const proc = require('./lib/proc');
const { startServer, stopProcess } = require('./lib/spawn');
const { summarize, num, spread, table } = require('./lib/stats');

const HERE = __dirname;
const DIST = path.join(HERE, '..', 'dist', 'index.js');
const WRK_SCRIPT = path.join(HERE, 'wrk', 'pipeline.lua');

// `goal`: the ceiling for ringnet's server CPU per request over node:http's.
const SCENARIOS = [
  { name: 'p1', pipelining: 1, goal: 0.45 },
  { name: 'p16', pipelining: 16, goal: 0.10 },
];

const TARGETS = [
  { name: 'ringnet-epoll', server: 'ringnet-http.js', options: { backend: 'epoll' }, ringnet: true, byDefault: true },
  { name: 'node:http', server: 'node-http.js', reference: true, byDefault: true },
  { name: 'ringnet-io_uring', server: 'ringnet-http.js', options: { backend: 'io_uring' }, ringnet: true },
  { name: 'ringnet-epoll-threads', server: 'ringnet-http.js', options: { backend: 'epoll', inlineWorker: false }, ringnet: true },
];

function parseArgs(argv) {
  const o = { duration: 8, warmup: 2, rounds: 3, connections: 100, only: null, tools: null, targets: null, json: null };
  const quick = { duration: 3, warmup: 1, rounds: 1 };
  const given = {};
  for (let i = 0; i < argv.length; i++) {
    let [k, v] = argv[i].split(/=(.*)/s);
    const val = () => (v !== undefined ? v : argv[++i]);
    switch (k) {
      case '--quick': Object.assign(o, quick); break;
      case '--duration': case '--warmup': case '--rounds': case '--connections': {
        const key = k.slice(2);
        given[key] = Number(val());
        if (!(given[key] > 0)) usage(`bad value for ${k}`);
        break;
      }
      case '--only': o.only = val().split(','); break;
      case '--tools': o.tools = val().split(','); break;
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

function pickTargets(names) {
  if (!names) return TARGETS.filter((t) => t.byDefault);
  return names.map((n) => {
    const t = TARGETS.find((x) => x.name === n);
    if (t) return t;
    if (n.startsWith('ringnet:')) return { name: n, server: 'ringnet-http.js', options: JSON.parse(n.slice(8)), ringnet: true };
    const at = /^ringnet@([^:{]+)(?::(\{.*\}))?$/.exec(n);
    if (at) {
      const server = path.resolve(at[1], 'bench', 'servers', 'ringnet-http.js');
      if (!fs.existsSync(server)) usage(`target ${n}: ${server} not found`);
      return { name: n, server, options: at[2] ? JSON.parse(at[2]) : {}, ringnet: true };
    }
    usage(`unknown target ${n} (known: ${TARGETS.map((x) => x.name).join(', ')})`);
  });
}

function haveWrk() {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return !r.error;
}

// ---------------------------------------------------------------- generators

function autocannonRun(port, sc, seconds, opt) {
  const autocannon = require('autocannon');
  return new Promise((resolve, reject) => {
    autocannon({ url: `http://127.0.0.1:${port}/`, connections: opt.connections, pipelining: sc.pipelining,
      duration: seconds }, (err, r) => (err ? reject(err) : resolve({
      requests: r.requests.total, reqPerSec: r.requests.total / (r.duration || seconds),
      errors: r.errors + r.timeouts, non2xx: r.non2xx, p50Ms: r.latency.p50, p99Ms: r.latency.p99,
    })));
  });
}

function wrkRun(port, sc, seconds, opt) {
  return new Promise((resolve) => {
    const args = ['-t1', `-c${opt.connections}`, `-d${seconds}s`, '--latency', '-s', WRK_SCRIPT,
      `http://127.0.0.1:${port}/`, '--', String(sc.pipelining)];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => {
      const m = /(\d+) requests in ([\d.]+)(m?s)/.exec(out);
      const requests = m ? Number(m[1]) : 0;
      const secs = m ? Number(m[2]) / (m[3] === 'ms' ? 1000 : 1) : seconds;
      const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
      const lat = (p) => {
        const x = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
        // wrk prints 0.00us when a pipelined run recorded no latency sample: unknown, not 0.
        if (!x || Number(x[1]) === 0) return NaN;
        return Number(x[1]) * ({ us: 0.001, ms: 1, s: 1000 })[x[2]];
      };
      resolve({ requests, reqPerSec: requests / secs,
        errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0, non2xx: non2xx ? Number(non2xx[1]) : 0,
        p50Ms: lat(50), p99Ms: lat(99), error: code !== 0 || !m ? `wrk exit ${code}: ${out.trim().slice(0, 300)}` : undefined });
    });
  });
}

const TOOLS = { autocannon: autocannonRun, wrk: wrkRun };

/** Warm-up, then the measured run with the server's CPU sampled around it. */
async function measure(server, tool, sc, opt) {
  const run = TOOLS[tool];
  await run(server.port, sc, opt.warmup, opt);
  const cpu0 = proc.cpuSeconds(server.pid);
  const sys0 = proc.systemBusySeconds();
  const t0 = performance.now();
  const r = await run(server.port, sc, opt.duration, opt);
  const win = (performance.now() - t0) / 1000;
  const cpu = proc.cpuSeconds(server.pid) - cpu0;
  const busy = proc.systemBusySeconds() - sys0;
  return { ...r, serverCpuSec: cpu, serverCpuUsPerReq: cpu * 1e6 / r.requests, serverCores: cpu / win,
    machineBusyCores: busy / win };
}

// ---------------------------------------------------------------- main

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const targets = pickTargets(opt.targets);
  const scenarios = SCENARIOS.filter((s) => !opt.only || opt.only.includes(s.name));
  let tools = opt.tools || ['autocannon', 'wrk'];
  for (const t of tools) if (!TOOLS[t]) usage(`unknown tool ${t}`);
  if (tools.includes('wrk') && !haveWrk()) {
    console.log('wrk is not installed (apt-get install wrk): autocannon only');
    tools = tools.filter((t) => t !== 'wrk');
  }
  if (!fs.existsSync(DIST)) {
    console.error('dist/index.js missing: run `npm run build` first');
    process.exit(1);
  }
  console.log(`http benchmark: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0].model}), ` +
    `kernel ${os.release()}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`${opt.connections} connections, warmup ${opt.warmup}s, duration ${opt.duration}s, rounds ${opt.rounds}; ` +
    `tools: ${tools.join(', ')}; targets: ${targets.map((t) => t.name).join(', ')}\n`);

  const runs = [];
  for (let round = 1; round <= opt.rounds; round++) {
    for (const sc of scenarios) {
      for (const tool of tools) {
        for (const t of targets) {
          let r;
          try {
            // Server scripts take [port] [host] [options JSON] (bench/servers/*.js).
            const script = path.resolve(HERE, 'servers', t.server);
            const server = await startServer([script, '0', '127.0.0.1', JSON.stringify(t.options ?? {})]);
            try {
              r = await measure(server, tool, sc, opt);
            } finally {
              await stopProcess(server.child);
            }
          } catch (e) {
            r = { error: String(e.message || e) };
          }
          Object.assign(r, { scenario: sc.name, tool, target: t.name, round });
          if (!r.error && (r.errors > 0 || r.non2xx > 0)) r.error = `${r.errors} errors, ${r.non2xx} non-2xx`;
          runs.push(r);
          console.log(`round ${round} ${sc.name.padEnd(4)} ${tool.padEnd(10)} ${t.name.padEnd(22)} ` + (r.error && !r.requests ? `ERROR ${r.error}` :
            `${num(r.reqPerSec)} req/s, server ${num(r.serverCpuUsPerReq, 3)} µs/req (${num(r.serverCores)} cores), ` +
            `p50 ${num(r.p50Ms)} ms, p99 ${num(r.p99Ms)} ms, errors ${r.errors}, non-2xx ${r.non2xx}, ` +
            `machine busy ${num(r.machineBusyCores)} cores`));
          await proc.sleep(200);
        }
      }
    }
  }
  const summary = report(scenarios, tools, targets, runs, opt);
  const file = opt.json || path.join(HERE, 'results', `http-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), options: opt,
    env: { node: process.version, kernel: os.release(), cpus: os.cpus().length, cpuModel: os.cpus()[0].model },
    scenarios, tools, targets, runs, summary }, null, 2) + '\n');
  console.log(`\nraw results: ${path.relative(process.cwd(), file)}`);
  process.exitCode = runs.some((r) => r.error) ? 1 : 0;
}

function report(scenarios, tools, targets, runs, opt) {
  const ok = runs.filter((r) => !r.error);
  const rows = [];
  const summary = {};
  for (const sc of scenarios) {
    for (const tool of tools) {
      for (const t of targets) {
        const mine = ok.filter((r) => r.scenario === sc.name && r.tool === tool && r.target === t.name);
        const s = Object.fromEntries(['reqPerSec', 'serverCpuUsPerReq', 'p99Ms', 'machineBusyCores']
          .map((k) => [k, summarize(mine.map((r) => r[k]))]));
        const all = runs.filter((r) => r.scenario === sc.name && r.tool === tool && r.target === t.name);
        s.errors = all.reduce((a, r) => a + (r.errors || 0), 0);
        s.non2xx = all.reduce((a, r) => a + (r.non2xx || 0), 0);
        ((summary[sc.name] ||= {})[tool] ||= {})[t.name] = s;
        rows.push([`${sc.name} ${tool}`, t.name, spread(s.reqPerSec), spread(s.serverCpuUsPerReq, 3), spread(s.p99Ms),
          String(s.errors), String(s.non2xx)]);
      }
    }
  }
  const n = opt.rounds > 1 ? `median [min–max] of ${opt.rounds} rounds` : '1 round';
  console.log(`\nHTTP hello world, ${opt.connections} connections (${n}; CPU = server utime+stime per request)\n`);
  console.log(table(['scenario', 'target', 'req/s', 'server CPU µs/req', 'p99 ms', 'errors', 'non-2xx'], rows));

  const ref = targets.find((t) => t.reference);
  if (ref) {
    const lines = [];
    for (const sc of scenarios) {
      for (const tool of tools) {
        for (const t of targets.filter((x) => x !== ref)) {
          const ratios = [];
          for (let round = 1; round <= opt.rounds; round++) {
            const find = (name) => ok.find((r) => r.scenario === sc.name && r.tool === tool && r.target === name && r.round === round);
            const a = find(t.name);
            const b = find(ref.name);
            if (a && b) ratios.push(a.serverCpuUsPerReq / b.serverCpuUsPerReq);
          }
          const s = summarize(ratios);
          const verdict = !s ? 'no data' : (s.median <= sc.goal ? 'meets' : 'MISSES') + ` target ≤${sc.goal.toFixed(2)}x`;
          summary[sc.name][tool][t.name].cpuRatio = s && { ...s, goal: sc.goal };
          lines.push([`${sc.name} ${tool}`, t.name, spread(s, 3, 'x'), verdict]);
        }
      }
    }
    console.log(`\nServer CPU per request relative to ${ref.name} (same round)\n`);
    console.log(table(['scenario', 'target', 'ratio', 'issue target'], lines));
  }
  return summary;
}

main().catch((e) => {
  console.error(e && e.stack || e);
  process.exit(1);
});
