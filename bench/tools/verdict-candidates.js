'use strict';
// Which verdict statistic could settle a results file's CPU/op ratios, and which stays honest
// (issue 13). Recomputes, from the per-window data of a results file, every ratio's estimate and
// 95% interval under candidate statistics:
//   raw          the lab's plain ratio (Yuen's interval of the per-round log ratios);
//   windows      the same with each pass of a round (A's k-th window against B's) as a unit;
//   gen-centred  a control variate with the generator's CPU/op, each target centred on its own
//                mean (CUPED-style): d − θ·(c − mean c), θ pooled within targets;
//   gen-equal    the same without centring: the ratio at an equal generator cost per op;
//   probe        lab/adjust.js (the speed probe as the covariate), where the file has it.
// Then an A/A check from the same data: each target's windows of a round are split at random
// into two halves, "A" and "B" (the same server, the same moments); a statistic whose
// interval leaves out 1.00 more often than 5% of the splits manufactures verdicts.
// Usage: node bench/tools/verdict-candidates.js <results.json> [A/A splits, default 200]
const fs = require('node:fs');
const { ratioInterval, t975 } = require('../lab/confidence');
const { speedSlope, speedAdjustedRatio } = require('../lab/adjust');
const { NOISE_LIMIT } = require('../lab/noise');

const mean = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;
const ok = (x) => Number.isFinite(x) && x > 0;

/** One target's round from some of its windows: CPU/op, generator CPU/op, probe (time-weighted). */
function aggregate(windows) {
  const ops = windows.reduce((a, w) => a + w.ops, 0);
  const t = windows.reduce((a, w) => a + w.windowSec, 0);
  const probe = windows.every((w) => ok(w.probeUs)) ? windows.reduce((a, w) => a + w.probeUs * w.windowSec, 0) / t : NaN;
  return { ops, serverCpuUsPerOp: (windows.reduce((a, w) => a + w.serverCpuSec, 0) * 1e6) / ops,
    genPerOp: windows.reduce((a, w) => a + w.genCpuSec, 0) / ops, probeUs: probe, windows };
}

/** Pooled within-target slope of log CPU/op on log generator CPU/op over windows: { theta, se, df }. */
function genSlope(groups) {
  const pts = [];
  for (const ws of groups) {
    const xy = ws.filter((w) => ok(w.genCpuSec) && w.ops > 0).map((w) => [Math.log(w.genCpuSec / w.ops), Math.log(w.serverCpuUsPerOp)]);
    if (xy.length < 2) continue;
    const mx = mean(xy.map((p) => p[0]));
    const my = mean(xy.map((p) => p[1]));
    for (const [x, y] of xy) pts.push([x - mx, y - my]);
  }
  const sxx = pts.reduce((a, [x]) => a + x * x, 0);
  const theta = pts.reduce((a, [x, y]) => a + x * y, 0) / sxx;
  const df = pts.length - groups.length - 1;
  const s2 = pts.reduce((a, [x, y]) => a + (y - theta * x) ** 2, 0) / df;
  return { theta, se: Math.sqrt(s2 / sxx), df };
}

/** Yuen's interval of log ratios `ds`, widened by θ's error times |mean c| (control variates). */
function interval(ds, slope, cs) {
  const ci = ratioInterval(ds.map(Math.exp));
  if (!ci || !slope) return ci;
  const half = Math.log(ci.hi / ci.centre);
  const h = Math.hypot(half, t975(slope.df) * slope.se * Math.abs(mean(cs)));
  return { ...ci, lo: ci.centre * Math.exp(-h), hi: ci.centre * Math.exp(h), width: 2 * Math.sinh(h) };
}

/** Every candidate for A ÷ B from round-paired aggregates [{ a, b }] and the cell's windows by target. */
function candidates(pairs, groups) {
  const d = pairs.map(({ a, b }) => Math.log(a.serverCpuUsPerOp / b.serverCpuUsPerOp));
  const c = pairs.map(({ a, b }) => Math.log(a.genPerOp / b.genPerOp));
  const g = genSlope(groups);
  const cMean = mean(c);
  const out = {
    raw: ratioInterval(d.map(Math.exp)),
    windows: ratioInterval(pairs.flatMap(({ a, b }) => a.windows.map((w, k) => (b.windows[k] ? w.serverCpuUsPerOp / b.windows[k].serverCpuUsPerOp : NaN)))),
    'gen-centred': interval(d.map((x, i) => x - g.theta * (c[i] - cMean)), null, c),
    'gen-equal': interval(d.map((x, i) => x - g.theta * c[i]), g, c),
  };
  const slope = speedSlope(groups.map((ws, i) => ({ target: i, slices: ws })));
  const p = speedAdjustedRatio(pairs, slope);
  if (!p.unusable) out.probe = p.ci;
  return out;
}

/** Per cell: per target and round, its windows (slices, or the run as one window). */
function cellWindows(results) {
  const cells = new Map();
  for (const r of results.runs) {
    if (r.error || r.skipped || !(r.ops > 0)) continue;
    const ws = (r.slices && r.slices.length ? r.slices : [r]).filter((w) => w.ops > 0 && ok(w.serverCpuUsPerOp));
    if (!ws.length) continue;
    if (!cells.has(r.cell)) cells.set(r.cell, new Map());
    const t = cells.get(r.cell);
    if (!t.has(r.target)) t.set(r.target, new Map());
    t.get(r.target).set(r.round, ws);
  }
  return cells;
}

const NAMES = ['raw', 'windows', 'gen-centred', 'gen-equal', 'probe'];
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');

/** The ratios of the file (every pair of targets of a cell that the plan compares) under each candidate. */
function ratioLines(results, cells) {
  const { summarizeResults } = require('../lab/summary');
  const lines = [];
  const settled = Object.fromEntries(NAMES.map((n) => [n, 0]));
  let total = 0;
  for (const r of summarizeResults(results).ratios.filter((x) => x.kind !== 'variant' && x.figures.serverCpuUsPerOp)) {
    const byT = cells.get(r.cell);
    if (!byT || !byT.get(r.a) || !byT.get(r.b)) continue;
    const pairs = [...byT.get(r.a)].filter(([round]) => byT.get(r.b).has(round))
      .map(([round, ws]) => ({ a: aggregate(ws), b: aggregate(byT.get(r.b).get(round)) }));
    const groups = [...byT.values()].flatMap((m) => [...m.values()].length ? [[...m.values()].flat()] : []);
    const cs = candidates(pairs, groups);
    total++;
    lines.push(`${r.cell.padEnd(17)} ${`${r.a} ÷ ${r.b}`.padEnd(34)} ` + NAMES.map((n) => {
      const ci = cs[n];
      if (!ci) return `${n} -`;
      if (ci.width <= NOISE_LIMIT) settled[n]++;
      return `${n} ${ci.centre.toFixed(3)} (${pct(ci.width)})`;
    }).join('  '));
  }
  lines.push('', `settled (95% CI at most ${NOISE_LIMIT * 100}% wide), of ${total}: ` + NAMES.map((n) => `${n} ${settled[n]}`).join(', '));
  return lines;
}

/** A/A: random halves of each target's windows per round; how often each candidate's interval leaves out 1.00. */
function aaLines(cells, splits, seed = 1) {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const miss = Object.fromEntries(NAMES.map((n) => [n, 0]));
  const widths = Object.fromEntries(NAMES.map((n) => [n, []]));
  let n = 0;
  for (const byT of cells.values()) {
    for (const rounds of byT.values()) {
      const usable = [...rounds.values()].filter((ws) => ws.length >= 2);
      if (usable.length < 3) continue;
      for (let k = 0; k < splits; k++) {
        const pairs = usable.map((ws) => {
          const order = ws.map((w) => [rand(), w]).sort((x, y) => x[0] - y[0]).map((p) => p[1]);
          const h = order.length >> 1;
          return { a: aggregate(order.slice(0, h)), b: aggregate(order.slice(h, 2 * h)) };
        });
        const groups = [pairs.flatMap((p) => p.a.windows), pairs.flatMap((p) => p.b.windows)];
        const cs = candidates(pairs, groups);
        n++;
        for (const name of NAMES) {
          const ci = cs[name];
          if (!ci) continue;
          widths[name].push(ci.width);
          if (ci.lo > 1 || ci.hi < 1) miss[name]++;
        }
      }
    }
  }
  const median = (xs) => (xs.length ? xs.slice().sort((a, b) => a - b)[xs.length >> 1] : NaN);
  return [`A/A from the file (${n} random splits of one target's windows into two halves, per cell and target): ` +
    'share of splits whose 95% interval leaves out 1.00 (a manufactured verdict; 5% expected), median width',
  ...NAMES.filter((name) => widths[name].length).map((name) => `  ${name.padEnd(12)} ${pct(miss[name] / widths[name].length).padStart(6)}  width ${pct(median(widths[name]))}`)];
}

function main(file, splits = 200) {
  if (!file) {
    process.stderr.write('usage: node bench/tools/verdict-candidates.js <results.json> [A/A splits]\n');
    process.exit(2);
  }
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  const cells = cellWindows(results);
  process.stdout.write(['# every CPU/op ratio under each candidate statistic: centre (95% CI width)', ...ratioLines(results, cells), '',
    ...aaLines(cells, Number(splits))].join('\n') + '\n');
}

if (require.main === module) main(process.argv[2], process.argv[3]);

module.exports = { candidates, aggregate, cellWindows };
