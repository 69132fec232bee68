'use strict';
// Where a results file's spread comes from (issue 13): per cell and target, how the rounds and
// the slices (windows) of a round scatter in server CPU per operation, and what that scatter
// goes with: the generator's CPU per operation in the same window (the whole VM faster or
// slower), the lab's speed probe (lab/probe.js), the server's run-queue wait, other load, steal, the window's place in the round
// (its first window follows the warm-up); then, per cell, whether adjacent windows (different
// targets, next in time) share their speed, which is what interleaving relies on; and per ratio
// its spread, 95% interval and the rounds that interval would need to be 5% wide.
// Usage: node bench/tools/spread-analysis.js bench/results/<name>.json
const fs = require('node:fs');
const { summarizeResults } = require('../lab/summary');
const { roundsNeeded } = require('../lab/noise');

const finite = (xs) => xs.filter(Number.isFinite);
const mean = (xs) => finite(xs).reduce((a, x) => a + x, 0) / finite(xs).length;
function median(xs) {
  const v = finite(xs).sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
function corr(xs, ys) {
  const ok = xs.map((x, i) => [x, ys[i]]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (ok.length < 3) return NaN;
  const mx = mean(ok.map((p) => p[0]));
  const my = mean(ok.map((p) => p[1]));
  let sxy = 0, sx = 0, sy = 0;
  for (const [x, y] of ok) { sxy += (x - mx) * (y - my); sx += (x - mx) ** 2; sy += (y - my) ** 2; }
  return sxy / Math.sqrt(sx * sy);
}
const rms = (xs) => Math.sqrt(mean(xs.map((x) => x * x)));
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const pct = (x, d = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(d)}%` : '-');
const genPerOp = (s) => (s.genCpuSec > 0 && s.ops > 0 ? s.genCpuSec / s.ops : NaN);

/** One line per cell and target: round and window scatter and what it goes with. */
function targetLines(runs) {
  const lines = [];
  for (const cell of [...new Set(runs.map((r) => r.cell))]) {
    for (const target of [...new Set(runs.filter((r) => r.cell === cell).map((r) => r.target))]) {
      const mine = runs.filter((r) => r.cell === cell && r.target === target);
      const m = median(mine.map((r) => r.serverCpuUsPerOp));
      const dev = mine.map((r) => r.serverCpuUsPerOp / m - 1);
      let line = `${cell.padEnd(18)} ${target.padEnd(18)} CPU/op ${f(m).padStart(6)} µs  rounds ±${pct(rms(dev))} ` +
        `[${dev.map((d) => (d * 100).toFixed(0)).join(' ')}]`;
      const slices = mine.flatMap((r) => (r.slices || []).map((s, k) => ({ ...s, k })));
      if (slices.length) {
        const sm = median(slices.map((s) => s.serverCpuUsPerOp));
        const sd = slices.map((s) => s.serverCpuUsPerOp / sm - 1);
        const byK = [...new Set(slices.map((s) => s.k))].sort().map((k) => pct(mean(sd.filter((_, i) => slices[i].k === k)), 0));
        line += `  windows ±${pct(rms(sd))}, mean by place in the round ${byK.join(' ')}; r with gen CPU/op ${f(corr(sd, slices.map(genPerOp)))}, ` +
          `cpu wait ${f(corr(sd, slices.map((s) => s.serverWaitShare)))}, other load ${f(corr(sd, slices.map((s) => s.otherCores)))}` +
          (slices.some((s) => s.probeUs > 0) ? `, speed probe ${f(corr(sd, slices.map((s) => s.probeUs)))} (probe ±${pct(rms(slices.map((s) => s.probeUs / median(slices.map((x) => x.probeUs)) - 1)))})` : '');
      } else {
        line += `  one window of ${f(median(mine.map((r) => r.windowSec)))} s; r with gen CPU/op ${f(corr(dev, mine.map(genPerOp)))}`;
      }
      const steal = median(mine.map((r) => r.stealCores));
      lines.push(line + (Number.isFinite(steal) ? `, steal ${f(steal, 3)} cores` : ''));
    }
  }
  return lines;
}

/** Per sliced cell: correlation of two windows next in time (different targets) in CPU/op and gen CPU/op. */
function adjacencyLines(runs) {
  const lines = [];
  for (const cell of [...new Set(runs.filter((r) => r.slices).map((r) => r.cell))]) {
    const mine = runs.filter((r) => r.cell === cell && r.slices);
    const norm = {};
    for (const t of new Set(mine.map((r) => r.target))) {
      const sl = mine.filter((r) => r.target === t).flatMap((r) => r.slices);
      norm[t] = { cpu: median(sl.map((s) => s.serverCpuUsPerOp)), gen: median(sl.map(genPerOp)) };
    }
    const a = [], b = [], ga = [], gb = [];
    for (const round of new Set(mine.map((r) => r.round))) {
      const sl = mine.filter((r) => r.round === round).flatMap((r) => r.slices.map((s) => ({ ...s, t: r.target }))).sort((x, y) => x.atSec - y.atSec);
      for (let i = 1; i < sl.length; i++) {
        if (sl[i].t === sl[i - 1].t) continue;
        a.push(sl[i - 1].serverCpuUsPerOp / norm[sl[i - 1].t].cpu); b.push(sl[i].serverCpuUsPerOp / norm[sl[i].t].cpu);
        ga.push(genPerOp(sl[i - 1]) / norm[sl[i - 1].t].gen); gb.push(genPerOp(sl[i]) / norm[sl[i].t].gen);
      }
    }
    lines.push(`${cell.padEnd(18)} adjacent windows of two targets: r(server CPU/op) ${f(corr(a, b))}, r(gen CPU/op) ${f(corr(ga, gb))} (${a.length} pairs)`);
  }
  return lines;
}

/** Per ratio: spread, 95% interval, and the rounds that interval would need at this noise. */
function ratioLines(results) {
  return summarizeResults(results).ratios.filter((r) => r.figures.serverCpuUsPerOp).map((r) => {
    const x = r.figures.serverCpuUsPerOp;
    return `${r.cell.padEnd(18)} ${`${r.a} ÷ ${r.b}`.padEnd(36)} ${f(x.median, 3)}  spread ${pct(x.spread).padStart(6)}  ` +
      `95% CI ${x.ci ? `${f(x.ci.lo, 3)}–${f(x.ci.hi, 3)} (${pct(x.ci.width)})` : '-'}  rounds for a 5% CI ~${roundsNeeded(x) ?? '-'}  ${x.verdict} (${x.statistic || 'raw'})`;
  });
}

function main(file) {
  if (!file) {
    process.stderr.write('usage: node bench/tools/spread-analysis.js <results.json>\n');
    process.exit(2);
  }
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  const runs = results.runs.filter((r) => !r.error && !r.skipped && Number.isFinite(r.serverCpuUsPerOp));
  const out = ['# per cell and target: deviation from the median CPU/op (rounds, then windows)', ...targetLines(runs), '',
    '# interleaving: do windows next in time share their speed?', ...adjacencyLines(runs), '',
    '# ratios', ...ratioLines(results)];
  process.stdout.write(out.join('\n') + '\n');
}

if (require.main === module) main(process.argv[2]);

module.exports = { targetLines, adjacencyLines, ratioLines };
