'use strict';
// Old vs new measuring design in the same conditions: runs of the slices design (a fresh
// generator per slice) and of the windows design (one generator per cell round, --window-ms)
// alternate block by block (slices first in odd blocks, windows first in even ones), on the
// same cells and targets, including an A/A pair; then each design's rounds are pooled and every
// pair's CPU/op ratio gets the lab's 95% interval (Yuen, bench/lab/confidence.js), with the
// wall time the design spent. A width shrinks as 1/sqrt(rounds), so width x sqrt(minutes) is
// what a design would reach in one minute: the figure to compare.
// Usage: node bench/tools/design-compare.js [--blocks 6] [--rounds 2] [--window-ms 250] [--out DIR]
//        node bench/tools/design-compare.js --analyze DIR
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ratioInterval } = require('../lab/confidence');
const proc = require('../lib/proc');

const ROOT = path.join(__dirname, '..', '..');
const AA = 'ringnet-epoll-again';
const PAIRS = [['ringnet-io_uring', 'ringnet-epoll'], [AA, 'ringnet-epoll']];

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}

/** The cells: echo c100-d1 and c100-d16, 64 B; epoll, io_uring and epoll again (A/A). */
function config(windowMs) {
  return {
    description: 'design comparison (bench/tools/design-compare.js)',
    warmup: 2, duration: 3, slices: 4, windowMs,
    pairs: PAIRS,
    matrix: [{ workload: 'echo', exactTargets: true, connections: [100], depth: [1, 16], payload: [64],
      targets: ['ringnet-epoll', 'ringnet-io_uring', { name: 'ringnet-at', label: AA, options: { root: ROOT } }] }],
  };
}

function run(out) {
  const blocks = Number(arg('blocks', 6));
  const rounds = Number(arg('rounds', 2));
  const windowMs = Number(arg('window-ms', 250));
  fs.mkdirSync(out, { recursive: true });
  const cfg = { slices: config(0), windows: config(windowMs) };
  for (const [d, c] of Object.entries(cfg)) fs.writeFileSync(path.join(out, `${d}.config.json`), JSON.stringify(c, null, 2));
  const log = [];
  for (let b = 1; b <= blocks; b++) {
    for (const design of b % 2 ? ['slices', 'windows'] : ['windows', 'slices']) {
      const name = `${design}-b${b}`;
      const load0 = proc.loadAverage().one;
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), 'bench', '--config', path.join(out, `${design}.config.json`),
        '--rounds', String(rounds), '--out', out, '--name', name], { stdio: ['ignore', 'ignore', 'pipe'] });
      const entry = { design, block: b, name, sec: (performance.now() - t0) / 1000, load0, load1: proc.loadAverage().one, status: r.status };
      log.push(entry);
      process.stderr.write(`${JSON.stringify(entry)}\n`);
      fs.writeFileSync(path.join(out, 'log.json'), JSON.stringify(log, null, 2));
    }
  }
}

const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function analyze(out) {
  const log = JSON.parse(fs.readFileSync(path.join(out, 'log.json'), 'utf8'));
  const lines = [];
  for (const design of ['slices', 'windows']) {
    const mine = log.filter((e) => e.design === design);
    const minutes = mine.reduce((s, e) => s + e.sec, 0) / 60;
    const loads = mine.flatMap((e) => [e.load0, e.load1]).sort((a, b) => a - b);
    const ratios = {};   // "cell a÷b" -> per-round ratios
    let rounds = 0;
    const cvs = [];      // per run: sd / mean of its windows' CPU/op
    for (const e of mine) {
      const res = JSON.parse(fs.readFileSync(path.join(out, `${e.name}.json`), 'utf8'));
      const byRound = new Map();
      for (const r of res.runs) {
        if (r.error || r.skipped) continue;
        const k = `${r.cell}|${r.round}`;
        if (!byRound.has(k)) byRound.set(k, {});
        byRound.get(k)[r.target] = r.serverCpuUsPerOp;
        const w = (r.slices || []).map((x) => x.serverCpuUsPerOp).filter(Number.isFinite);
        if (w.length > 1) {
          const m = w.reduce((a, x) => a + x, 0) / w.length;
          cvs.push(Math.sqrt(w.reduce((a, x) => a + (x - m) ** 2, 0) / (w.length - 1)) / m);
        }
      }
      rounds += res.plan.rounds;
      for (const [k, t] of byRound) {
        const cell = k.split('|')[0];
        for (const [a, b] of PAIRS) {
          const key = `${cell} ${a} ÷ ${b}`;
          (ratios[key] = ratios[key] || []).push(t[a] / t[b]);
        }
      }
    }
    cvs.sort((a, b) => a - b);
    lines.push(`${design}: ${mine.length} runs, ${rounds} rounds, ${fmt(minutes, 1)} min of wall time, load average ${fmt(loads[0], 2)}–${fmt(loads[loads.length - 1], 2)};`
      + ` windows' CPU/op scatter within a run (sd/mean) median ${fmt(100 * cvs[cvs.length >> 1], 1)}% [${fmt(100 * cvs[0], 1)}–${fmt(100 * cvs[cvs.length - 1], 1)}%]`);
    for (const [key, xs] of Object.entries(ratios)) {
      const ci = ratioInterval(xs);
      const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
      const per = ci ? ci.width * Math.sqrt(minutes) : NaN;
      lines.push(`  ${key}: n=${v.length} median ${fmt(v[v.length >> 1])} [${fmt(v[0])}–${fmt(v[v.length - 1])}]`
        + ` CI ${ci ? `${fmt(ci.lo)}–${fmt(ci.hi)} (${fmt(100 * ci.width, 1)}%)` : '-'}`
        + ` width×√min ${fmt(100 * per, 1)}%${ci && key.includes(AA) ? (ci.lo <= 1 && ci.hi >= 1 ? ' (A/A: 1.00 inside)' : ' (A/A: 1.00 OUTSIDE)') : ''}`);
    }
  }
  const text = lines.join('\n');
  fs.writeFileSync(path.join(out, 'summary.txt'), text + '\n');
  process.stdout.write(text + '\n');
}

const dir = arg('analyze');
if (dir) analyze(dir);
else {
  const out = arg('out', path.join(ROOT, 'bench', 'results', `design-compare-${Date.now()}`));
  run(out);
  analyze(out);
}
