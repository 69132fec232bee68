'use strict';
// Who runs on the server's CPU while the lab measures (issue 13): runs `ringnet bench ARGS...`
// under `perf sched record -a` (perf itself on the generator's CPU), then, for every slice
// (the lifetime of one generator process: loadgen, wrk, the broadcast client), splits the
// measured server's run-queue delay on the server CPU by who ran there meanwhile: the
// server's own other threads, the lab's runner, the other live servers of the cell, kernel
// threads, idle (wake-up latency), everyone else. Linux, root (or perf_event_paranoid <= 0).
// Usage: node bench/tools/server-cpu-who.js [--cpu 0] -- <ringnet bench arguments>
// e.g.   node bench/tools/server-cpu-who.js -- --workload echo --connections 100 --depth 1 \
//          --rounds 2 --duration 3 --slices 4 --progress=false --name who
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const proc = require('../lib/proc');

// The native generators and wrk (cells driven by a Node client are not told apart from servers).
const GENERATORS = /^(loadgen|wrk|broadcast-client)$/;

function parseArgs(argv) {
  const cut = argv.indexOf('--');
  const own = cut < 0 ? [] : argv.slice(0, cut);
  const lab = cut < 0 ? argv : argv.slice(cut + 1);
  const i = own.indexOf('--cpu');
  return { cpu: i >= 0 ? Number(own[i + 1]) : 0, lab };
}

/** Samples pid -> { ppid, comm } of every process until stop() (processes come and go). */
function processLog() {
  const seen = new Map();
  const sample = () => {
    for (const [pid, ppid] of proc.parentMap()) {
      if (seen.has(pid)) continue;
      let comm = '?';
      try { comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { /* gone */ }
      seen.set(pid, { ppid, comm });
    }
  };
  const timer = setInterval(sample, 200);
  sample();
  return { seen, stop: () => clearInterval(timer) };
}

/** perf sched timehist lines -> [{ t, cpu, comm, tid, pid, delay, run }] (seconds). */
function timehist(file) {
  const txt = execFileSync('perf', ['sched', 'timehist', '-i', file], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const ev = [];
  for (const l of txt.split('\n')) {
    const m = /^\s*([\d.]+)\s+\[(\d+)\]\s+(.+?)\[(\d+)(?:\/(\d+))?\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(l);
    if (m) ev.push({ t: +m[1], cpu: +m[2], comm: m[3], tid: +m[4], pid: +(m[5] || m[4]), delay: +m[7] / 1000, run: +m[8] / 1000 });
  }
  return ev;
}

function analyse(ev, procs, lab, cpu) {
  const under = (p) => { for (let i = 0; i < 30 && p > 1; i++) { if (p === lab) return true; p = (procs.get(p) || {}).ppid; } return false; };
  // Slices: lifetimes of the lab's generator processes (children of the lab, not servers: they run on other CPUs).
  const gens = new Map();
  for (const e of ev) {
    if (e.cpu === cpu || !under(e.pid) || e.pid === lab || !GENERATORS.test(e.comm)) continue;
    const g = gens.get(e.pid) || { a: Infinity, b: 0 };
    g.a = Math.min(g.a, e.t - e.run);
    g.b = Math.max(g.b, e.t);
    gens.set(e.pid, g);
  }
  const onCpu = ev.filter((e) => e.cpu === cpu);
  const who = {};
  let window = 0;
  let delay = 0;
  for (const g of gens.values()) {
    if (g.b - g.a < 0.3) continue;
    const inSlice = onCpu.filter((e) => e.t > g.a && e.t <= g.b);
    const busy = new Map();
    for (const e of inSlice) if (e.pid !== lab && under(e.pid)) busy.set(e.pid, (busy.get(e.pid) || 0) + e.run);
    const measured = [...busy].sort((x, y) => y[1] - x[1])[0];
    if (!measured) continue;
    window += g.b - g.a;
    for (const e of inSlice) {
      if (e.pid !== measured[0] || !(e.delay > 0)) continue;
      const a = e.t - e.run - e.delay;
      const b = e.t - e.run;
      delay += e.delay;
      for (const o of inSlice) {
        const overlap = Math.min(b, o.t) - Math.max(a, o.t - o.run);
        if (o === e || overlap <= 0) continue;
        const role = o.pid === 0 ? 'idle (wake-up latency)' : o.pid === measured[0] ? 'the measured server\'s other threads'
          : o.pid === lab ? 'the lab\'s runner' : under(o.pid) ? 'other processes of the lab (other servers, helpers)'
          : /^(ksoftirqd|kworker|rcu|migration|kcompactd|kdamond|irq\/)/.test(o.comm) ? `kernel: ${o.comm.replace(/[/:].*/, '')}`
          : `others: ${o.comm.split(/[/\s]/)[0]}`;
        who[role] = (who[role] || 0) + overlap;
      }
    }
  }
  return { slices: [...gens.values()].filter((g) => g.b - g.a >= 0.3).length, window, delay, who };
}

async function main() {
  const { cpu, lab: labArgs } = parseArgs(process.argv.slice(2));
  const cpus = os.availableParallelism();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-server-cpu-who-'));
  const data = path.join(dir, 'perf.data');
  const perf = spawn('taskset', ['-c', String(cpus - 1), 'perf', 'sched', 'record', '-a', '-o', data], { stdio: 'ignore' });
  await proc.sleep(1000);
  const procs = processLog();
  const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
  const lab = spawn(process.execPath, [cli, 'bench', ...labArgs], { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise((r) => lab.on('exit', r));
  procs.stop();
  perf.kill('SIGINT');
  await new Promise((r) => perf.on('exit', r));
  const r = analyse(timehist(data), procs.seen, lab.pid, cpu);
  fs.rmSync(dir, { recursive: true, force: true });
  const pct = (s) => `${((100 * s) / r.window).toFixed(2)}%`;
  console.log(`\n${r.slices} slices, ${r.window.toFixed(1)} s; the measured server's run-queue delay on CPU ${cpu} ` +
    `(summed over its threads): ${pct(r.delay)} of slice time; meanwhile on CPU ${cpu}:`);
  for (const [role, s] of Object.entries(r.who).sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${role.padEnd(52)} ${pct(s)}`);
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; lab exit status ${code}`);
  process.exitCode = code;
}

main().catch((e) => { console.error(e); process.exit(1); });
