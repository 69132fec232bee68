'use strict';
// Echo benchmark: ringnet vs node:net on a length-prefixed echo, same machine, same run.
//
// For each scenario and round, every target runs in turn (A B A B ...): its server starts in
// a child process, the native load generator (bench/bin/loadgen) drives it, and the server's
// CPU time (utime+stime from /proc/<pid>/stat) is sampled when the generator's warm-up ends
// and when its measured window closes. Server CPU per frame = delta CPU / frames: on a 2-core
// machine where generator and server compete, that (and its ratio to node:net in the same
// run) is the figure that holds between runs; frames/s is reported too. Then idle memory:
// server RSS growth per connection with 10,000 idle connections.
//
// Usage: node bench/echo.js [--quick] [--duration S] [--warmup S] [--rounds N]
//          [--only c100-d1,c100-d16,c1000-d1,idle] [--targets ringnet-epoll,node:net]
//          [--threads N] [--idle-connections N] [--pin] [--json FILE]
// A target may also be written ad hoc as ringnet:<json options>, e.g. 'ringnet:{"workers":2}'.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const proc = require('./lib/proc');
const { onLines, tryJson, startServer, stopProcess } = require('./lib/spawn');
const { summarize, num, spread, table } = require('./lib/stats');

const HERE = __dirname;
const LOADGEN = path.join(HERE, 'bin', 'loadgen');
const DIST = path.join(HERE, '..', 'dist', 'index.js');

// Scenarios: `goal` is the ceiling for ringnet CPU/frame over node:net's.
const SCENARIOS = [
  { name: 'c100-d1', connections: 100, depth: 1, payload: 64, goal: 0.70 },
  { name: 'c100-d16', connections: 100, depth: 16, payload: 64, goal: 0.60 },
  { name: 'c1000-d1', connections: 1000, depth: 1, payload: 64, goal: 0.70 },
];
const IDLE_GOAL = 512; // bytes per idle connection, ringnet

// Targets: one line each. `reference` is the baseline of the ratios; `byDefault` runs without
// --targets; `options` is passed to the server script as a JSON argument.
const TARGETS = [
  { name: 'ringnet-epoll', server: 'ringnet-echo.js', options: { backend: 'epoll', workers: 1 }, ringnet: true, byDefault: true },
  { name: 'node:net', server: 'node-net-echo.js', reference: true, byDefault: true },
  { name: 'ringnet-io_uring', server: 'ringnet-echo.js', options: { backend: 'io_uring', workers: 1 }, ringnet: true },
  { name: 'ringnet-epoll-w2', server: 'ringnet-echo.js', options: { backend: 'epoll', workers: 2 }, ringnet: true },
  { name: 'ringnet-epoll-inline', server: 'ringnet-echo.js', options: { backend: 'epoll', inlineWorker: true }, ringnet: true },
];

function parseArgs(argv) {
  const o = { duration: 8, warmup: 2, rounds: 3, threads: 1, idleConnections: 10000, pin: false,
    only: null, targets: null, json: null };
  const quick = { duration: 3, warmup: 1, rounds: 1 };
  const given = {};
  for (let i = 0; i < argv.length; i++) {
    let [k, v] = argv[i].split(/=(.*)/s);
    const val = () => (v !== undefined ? v : argv[++i]);
    switch (k) {
      case '--quick': Object.assign(o, quick); break;
      case '--pin': o.pin = true; break;
      case '--duration': case '--warmup': case '--rounds': case '--threads':
      case '--idle-connections': {
        const key = k.slice(2).replace(/-(\w)/g, (_, c) => c.toUpperCase());
        given[key] = Number(val());
        if (!(given[key] > 0)) usage(`bad value for ${k}`);
        break;
      }
      case '--only': o.only = val().split(','); break;
      case '--targets': o.targets = val().split(','); break;
      case '--json': o.json = val(); break;
      case '--help': case '-h': usage(); break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  return Object.assign(o, given); // explicit values win over --quick
}

function usage(msg) {
  const lines = fs.readFileSync(__filename, 'utf8').split('\n').slice(1);   // the header comment
  const text = lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).join('\n');
  if (msg) console.error(`echo.js: ${msg}`);
  console.error(text.replace(/^\/\/ ?/gm, ''));
  process.exit(msg ? 2 : 0);
}

function pickTargets(names) {
  if (!names) return TARGETS.filter((t) => t.byDefault);
  return names.map((n) => {
    const t = TARGETS.find((x) => x.name === n);
    if (t) return t;
    if (n.startsWith('ringnet:')) {           // ad-hoc variant
      return { name: n, server: 'ringnet-echo.js', options: JSON.parse(n.slice(8)), ringnet: true };
    }
    usage(`unknown target ${n} (known: ${TARGETS.map((x) => x.name).join(', ')})`);
  });
}

/** Rebuilds bench/bin/loadgen when it is missing or older than any of its sources. */
function ensureLoadgen() {
  const dir = path.join(HERE, 'loadgen');
  const newest = Math.max(...fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs));
  const built = fs.existsSync(LOADGEN) ? fs.statSync(LOADGEN).mtimeMs : 0;
  if (built >= newest) return;
  console.error('building bench/bin/loadgen ...');
  const r = spawnSync('sh', [path.join(dir, 'build.sh')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('loadgen build failed');
}

function loadgenCommand(args, opt) {
  return opt.pin ? ['taskset', ['-c', '1', LOADGEN, ...args]] : [LOADGEN, args];
}

/** One measured run: the generator against a started server; samples the server's CPU. */
function runLoad(server, sc, opt) {
  const args = ['--host', '127.0.0.1', '--port', String(server.port),
    '--connections', String(sc.connections), '--depth', String(sc.depth),
    '--payload', String(sc.payload), '--duration', String(opt.duration),
    '--warmup', String(opt.warmup), '--threads', String(opt.threads)];
  const [cmd, argv] = loadgenCommand(args, opt);
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const s = { cpu0: NaN, cpu1: NaN, t0: 0, t1: 0, out: '', diag: [] };
    onLines(child.stderr, (line) => {
      const msg = tryJson(line);
      if (msg && msg.phase === 'measure') {
        s.cpu0 = proc.cpuSeconds(server.pid); s.t0 = performance.now(); s.sys0 = proc.systemBusySeconds();
      } else if (msg && msg.phase === 'done') {
        s.cpu1 = proc.cpuSeconds(server.pid); s.t1 = performance.now(); s.sys1 = proc.systemBusySeconds();
      }
      else if (!msg) s.diag.push(line);
    });
    onLines(child.stdout, (line) => { if (line.trim()) s.out = line; });
    const limit = setTimeout(() => child.kill('SIGKILL'), (opt.warmup + opt.duration + 120) * 1000);
    child.on('exit', (code) => {
      clearTimeout(limit);
      const r = tryJson(s.out) || {};
      const serverCpuSec = s.cpu1 - s.cpu0;
      const win = (s.t1 - s.t0) / 1000;
      // Machine-wide busy time not spent by server or generator: other load that skews the run.
      const otherCores = (s.sys1 - s.sys0 - serverCpuSec - r.genCpuSec) / win;
      resolve({ ...r, exitCode: code, serverCpuSec, serverCpuUsPerFrame: serverCpuSec * 1e6 / r.frames,
        serverCores: serverCpuSec / win, otherCores, sampledWindowSec: win,
        loadgenStderr: s.diag.join('\n') || undefined,
        error: code !== 0 || !r.frames ? `loadgen exit ${code}: ${s.diag.join(' ') || s.out}` : undefined });
    });
  });
}

/** Opens n idle connections, waits until the server holds them, closes them again. */
async function idleWarmup(server, n, opt) {
  const fd0 = proc.fdCount(server.pid);
  const [cmd, argv] = loadgenCommand(['--host', '127.0.0.1', '--port', String(server.port),
    '--connections', String(n), '--idle'], opt);
  const gen = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'ignore'] });
  const genExit = new Promise((r) => gen.on('exit', r));
  await new Promise((resolve) => {
    onLines(gen.stdout, (l) => { if (tryJson(l)) resolve(); });
    genExit.then(resolve);
  });
  const deadline = Date.now() + 20000;
  while (proc.fdCount(server.pid) - fd0 < n && Date.now() < deadline) await proc.sleep(50);
  gen.stdin.end();
  await Promise.race([genExit, proc.sleep(10000)]);
  if (gen.exitCode === null) gen.kill('SIGKILL');
  while (proc.fdCount(server.pid) > fd0 && Date.now() < deadline + 10000) await proc.sleep(50);
}

/** Idle memory: server RSS growth per connection once n idle connections are accepted. */
async function runIdle(target, opt) {
  const server = await startServer(path.join(HERE, 'servers', target.server), target.options);
  const res = { target: target.name, connections: opt.idleConnections, serverFileLimit: proc.fileLimit(server.pid) };
  if (res.serverFileLimit < opt.idleConnections + 64) {
    console.log(`warning: ${target.name} server may run out of fds: RLIMIT_NOFILE soft limit ${res.serverFileLimit}`);
  }
  try {
    await proc.sleep(300);
    // Warm-up: one round of idle connections opened and closed first, so the
    // baseline already includes what any first connection costs once (code
    // paged in, JIT, pools) and the figure is the cost per extra connection.
    await idleWarmup(server, Math.min(1000, opt.idleConnections), opt);
    const before = await proc.stableRss(server.pid);
    const fd0 = proc.fdCount(server.pid);
    const [cmd, argv] = loadgenCommand(['--host', '127.0.0.1', '--port', String(server.port),
      '--connections', String(opt.idleConnections), '--idle'], opt);
    const gen = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const genExit = new Promise((r) => gen.on('exit', r));
    let genErr = '';
    gen.stderr.on('data', (d) => { genErr += d; });
    const t0 = performance.now();
    const est = await new Promise((resolve) => {
      onLines(gen.stdout, (l) => { const m = tryJson(l); if (m) resolve(m); });
      genExit.then(() => resolve({ error: `loadgen exited: ${genErr.trim()}` }));
    });
    res.connectSec = (performance.now() - t0) / 1000;
    res.established = est.established;
    res.connectErrors = est.connectErrors;
    if (est.established) {
      // Wait until the server has accepted them all (its fd count), then for a stable RSS.
      const deadline = Date.now() + 60000;
      while (proc.fdCount(server.pid) - fd0 < est.established && Date.now() < deadline) await proc.sleep(100);
      res.accepted = proc.fdCount(server.pid) - fd0;
      const after = await proc.stableRss(server.pid);
      Object.assign(res, { rssBefore: before.rss, rssAfter: after.rss, rssStable: before.stable && after.stable,
        bytesPerConn: (after.rss - before.rss) / est.established });
    } else {
      res.error = est.error || 'no connection established';
    }
    gen.stdin.end();                    // the generator closes its connections and exits
    await Promise.race([genExit, proc.sleep(10000)]);
    if (gen.exitCode === null) gen.kill('SIGKILL');
  } finally {
    await stopProcess(server.child);
  }
  return res;
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const targets = pickTargets(opt.targets);
  for (const n of opt.only || []) {
    if (n !== 'idle' && !SCENARIOS.some((s) => s.name === n)) usage(`unknown scenario ${n}`);
  }
  const scenarios = SCENARIOS.filter((s) => !opt.only || opt.only.includes(s.name));
  const doIdle = !opt.only || opt.only.includes('idle');
  ensureLoadgen();

  const skipped = {};
  if (!fs.existsSync(DIST)) {
    for (const t of targets) if (t.ringnet) skipped[t.name] = 'dist/index.js missing: run `npm run build` first';
  }
  const live = targets.filter((t) => !skipped[t.name]);
  for (const [n, why] of Object.entries(skipped)) console.log(`skipping ${n}: ${why}`);

  console.log(`echo benchmark: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0].model}), ` +
    `kernel ${os.release()}, CLK_TCK ${proc.clockTicks()}`);
  console.log(`warmup ${opt.warmup}s, duration ${opt.duration}s, rounds ${opt.rounds}, generator threads ` +
    `${opt.threads}${opt.pin ? ', generator pinned to CPU 1' : ''}; targets: ${live.map((t) => t.name).join(', ')}\n`);

  // Measured runs, targets interleaved within each round.
  const runs = [];
  for (let round = 1; round <= opt.rounds; round++) {
    for (const sc of scenarios) {
      for (const t of live) {
        let r;
        try {
          const server = await startServer(path.join(HERE, 'servers', t.server), t.options);
          try {
            r = await runLoad(server, sc, opt);
            r.serverFileLimit = proc.fileLimit(server.pid);
          } finally {
            await stopProcess(server.child);
          }
        } catch (e) {
          r = { error: String(e.message || e) };
        }
        Object.assign(r, { scenario: sc.name, target: t.name, round });
        runs.push(r);
        console.log(`round ${round} ${sc.name.padEnd(8)} ${t.name.padEnd(16)} ` + (r.error ? `ERROR ${r.error}` :
          `${num(r.framesPerSec)} frames/s, server ${num(r.serverCpuUsPerFrame, 3)} µs/frame ` +
          `(${num(r.serverCores)} cores), p50 ${num(r.p50Us)} µs, p99 ${num(r.p99Us)} µs, gen ${num(r.genCpuSec)} s, ` +
          `errors ${r.errors}` + (r.otherCores > 0.15 ? `  [other load ${num(r.otherCores)} cores]` : '')));
        await proc.sleep(200);
      }
    }
  }

  const idle = [];
  if (doIdle) {
    for (const t of live) {
      let r;
      try { r = await runIdle(t, opt); } catch (e) { r = { target: t.name, error: String(e.message || e) }; }
      idle.push(r);
      console.log(`idle ${t.name.padEnd(16)} ` + (r.error ? `ERROR ${r.error}` :
        `${r.established} connections (${r.accepted} accepted, ${r.connectErrors} connect errors, ` +
        `${num(r.connectSec)} s): ${num(r.bytesPerConn, 0)} bytes/conn`));
    }
  }

  const summary = report(scenarios, live, runs, idle, opt);
  const file = opt.json || path.join(HERE, 'results', `echo-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), options: opt,
    env: { node: process.version, kernel: os.release(), cpus: os.cpus().length, cpuModel: os.cpus()[0].model,
      clkTck: proc.clockTicks() },
    scenarios, targets: live, skipped, runs, idle, summary }, null, 2) + '\n');
  console.log(`\nraw results: ${path.relative(process.cwd(), file)}`);
  const failed = runs.some((r) => r.error) || idle.some((r) => r.error);
  process.exitCode = failed ? 1 : 0;
}

/** Prints the summary tables and returns them as data. */
function report(scenarios, targets, runs, idle, opt) {
  const ok = runs.filter((r) => !r.error);
  const pick = (sc, t, k) => summarize(ok.filter((r) => r.scenario === sc && r.target === t).map((r) => r[k]));
  const rows = [];
  const summary = { scenarios: {}, idle: {} };
  for (const sc of scenarios) {
    for (const t of targets) {
      const s = Object.fromEntries(['framesPerSec', 'p50Us', 'p99Us', 'serverCpuUsPerFrame', 'genCpuSec', 'otherCores']
        .map((k) => [k, pick(sc.name, t.name, k)]));
      const mine = runs.filter((r) => r.scenario === sc.name && r.target === t.name);
      s.errors = mine.reduce((a, r) => a + (r.errors || 0) + (r.connectErrors || 0) + (r.error ? 1 : 0), 0);
      (summary.scenarios[sc.name] ||= {})[t.name] = s;
      rows.push([sc.name, t.name, spread(s.framesPerSec), spread(s.p50Us, 1), spread(s.p99Us, 1),
        spread(s.serverCpuUsPerFrame, 3), spread(s.genCpuSec), String(s.errors), s.otherCores ? num(s.otherCores.max) : '-']);
    }
  }
  const n = opt.rounds > 1 ? `median [min–max] of ${opt.rounds} rounds` : '1 round';
  console.log(`\nEcho, 64-byte frames (${n}; CPU = server utime+stime per echoed frame)\n`);
  console.log(table(['scenario', 'target', 'frames/s', 'p50 µs', 'p99 µs', 'server CPU µs/frame',
    'gen CPU s', 'errors', 'other load'], rows));
  console.log('(other load: most cores busy outside server and generator during a window, from /proc/stat;' +
    ' above ~0.1 the machine was shared and frames/s is depressed)');

  // Ratios of CPU/frame to the reference, paired round by round (same run, adjacent in time).
  const ref = targets.find((t) => t.reference);
  if (ref) {
    const lines = [];
    for (const sc of scenarios) {
      for (const t of targets.filter((x) => x !== ref)) {
        const ratios = [];
        for (let round = 1; round <= opt.rounds; round++) {
          const a = ok.find((r) => r.scenario === sc.name && r.target === t.name && r.round === round);
          const b = ok.find((r) => r.scenario === sc.name && r.target === ref.name && r.round === round);
          if (a && b) ratios.push(a.serverCpuUsPerFrame / b.serverCpuUsPerFrame);
        }
        const s = summarize(ratios);
        const verdict = !s ? 'no data' : t.ringnet ? (s.median <= sc.goal ? 'meets' : 'MISSES') + ` target ≤${sc.goal.toFixed(2)}x` : '';
        summary.scenarios[sc.name][t.name].cpuRatio = s && { ...s, goal: sc.goal };
        lines.push([sc.name, t.name, spread(s, 2, 'x'), verdict]);
      }
    }
    if (lines.length) {
      console.log(`\nServer CPU per frame relative to ${ref.name} (same round)\n`);
      console.log(table(['scenario', 'target', 'ratio', 'issue target'], lines));
    }
  }

  if (idle.length) {
    console.log(`\nIdle memory: ${opt.idleConnections} idle connections, server RSS growth per connection\n`);
    console.log(table(['target', 'bytes/conn', 'RSS before', 'RSS after', 'accepted', 'note'], idle.map((r) => {
      summary.idle[r.target] = r.bytesPerConn;
      const t = targets.find((x) => x.name === r.target);
      const note = r.error ? `ERROR ${r.error}` : [t && t.ringnet ? (r.bytesPerConn <= IDLE_GOAL ? 'meets' : 'MISSES') +
        ` target ≤${IDLE_GOAL}` : '', r.rssStable ? '' : 'RSS not stable'].filter(Boolean).join('; ');
      return [r.target, num(r.bytesPerConn, 0), mb(r.rssBefore), mb(r.rssAfter), String(r.accepted ?? '-'), note];
    })));
  }
  return summary;
}

const mb = (b) => (Number.isFinite(b) ? (b / 1048576).toFixed(1) + ' MB' : '-');

main().catch((e) => {
  console.error(e && e.stack || e);
  process.exit(1);
});
