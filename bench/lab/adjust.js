'use strict';
// The speed-adjusted CPU-per-operation ratio: a control variate (regression adjustment) for the
// machine's speed, with the lab's probe (lab/probe.js) as the covariate.
//
// Per round, d = log(A's CPU/op ÷ B's) and c = log(A's probe time ÷ B's): how much slower the
// machine was in A's windows than in B's. The adjusted log ratio is d − θ·c, θ being the
// slope of log CPU/op on log probe time *within* each target (every window of every target of
// the cell, each target centred on its own mean, pooled), so the target's own level never
// enters θ. Why that is sound: the probe's work is fixed, so its time depends on the machine
// and not on the target; then E[c] = 0, the adjustment moves no expected ratio, and it only
// takes out of each round the part of d that the speed difference explains. Its 95% interval
// adds θ's own uncertainty (its standard error times the mean c) to Yuen's interval of the
// adjusted rounds. If the probe does depend on the target after all (the server slowing the
// generator's CPU through a shared core or cache), c's mean is away from 0: then the plain
// ratio decides, and the report says why.
//
// Not the generator's CPU per operation as the covariate, although it follows the server's
// (r = 0.75-0.97 per window): it depends on the target (on docs/bench/default-quiet.json the
// generator cost 0.12-0.99 of its cost against the reference, by target), so with it d − θ·c
// estimates the ratio at an equal generator cost, not the ratio; and centring it on each
// target's own mean makes the adjustment sum to zero over the rounds, leaving the estimate
// where it was while the interval shrinks as if it were better known: a false precision the
// A/A check catches (bench/tools/verdict-candidates.js).
const { ratioStats } = require('./noise');
const { t975 } = require('./confidence');

/** Least windows (pooled over the cell's targets) and rounds before θ is estimated at all. */
const MIN_WINDOWS = 8;
const MIN_ROUNDS = 3;

const logOk = (x) => Number.isFinite(x) && x > 0;
const mean = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;

/** The windows of a run: its slices, or the run itself when it was one window. */
const windowsOf = (run) => (Array.isArray(run.slices) && run.slices.length ? run.slices : [run]);

/**
 * θ and its standard error from the windows of a cell's runs ({ target, slices | probeUs,
 * serverCpuUsPerOp }): the pooled within-target slope of log CPU/op on log probe time; null
 * with too few windows or no spread of the probe.
 */
function speedSlope(runs) {
  const byTarget = new Map();
  for (const r of runs) {
    for (const w of windowsOf(r)) {
      if (!logOk(w.probeUs) || !logOk(w.serverCpuUsPerOp)) continue;
      if (!byTarget.has(r.target)) byTarget.set(r.target, []);
      byTarget.get(r.target).push([Math.log(w.probeUs), Math.log(w.serverCpuUsPerOp)]);
    }
  }
  let sxx = 0;
  let sxy = 0;
  let n = 0;
  const centred = [];
  for (const pts of byTarget.values()) {
    const mx = mean(pts.map((p) => p[0]));
    const my = mean(pts.map((p) => p[1]));
    for (const [x, y] of pts) centred.push([x - mx, y - my]);
  }
  for (const [x, y] of centred) { sxx += x * x; sxy += x * y; n++; }
  const df = n - byTarget.size - 1;
  if (n < MIN_WINDOWS || df < 2 || !(sxx > 0)) return null;
  const theta = sxy / sxx;
  const s2 = centred.reduce((a, [x, y]) => a + (y - theta * x) ** 2, 0) / df;
  return { theta, se: Math.sqrt(s2 / sxx), windows: n, df };
}

/**
 * The speed-adjusted ratio of A over B from round-paired runs [{ a, b }] (run records with
 * probeUs and serverCpuUsPerOp) and the cell's slope (speedSlope): ratioStats of the adjusted
 * per-round ratios, its interval widened by θ's uncertainty, plus { theta, thetaSe,
 * probeRatio, probeTargetBound }; or { unusable: why } when the plain ratio has to decide.
 */
function speedAdjustedRatio(pairs, slope) {
  if (!slope) return { unusable: 'too few windows with a probe' };
  // Only a probe that explains the windows' CPU/op adjusts: θ above 0 by its own interval (a
  // slower machine costs more per operation; a negative slope is not the machine's speed),
  // decided on the within-target scatter, whatever the ratio; else it would add θ's noise
  // and take nothing out.
  if (!(slope.theta > t975(slope.df) * slope.se)) {
    return { unusable: `the probe does not explain the windows' CPU/op (θ ${slope.theta.toFixed(2)} ± ${(t975(slope.df) * slope.se).toFixed(2)})` };
  }
  const rows = pairs.filter(({ a, b }) => [a.probeUs, b.probeUs, a.serverCpuUsPerOp, b.serverCpuUsPerOp].every(logOk))
    .map(({ a, b }) => ({ d: Math.log(a.serverCpuUsPerOp / b.serverCpuUsPerOp), c: Math.log(a.probeUs / b.probeUs) }));
  if (rows.length < MIN_ROUNDS || rows.length < pairs.length) return { unusable: 'a round without a probe' };
  const n = rows.length;
  const cs = rows.map((r) => r.c);
  const cMean = mean(cs);
  const cSe = Math.sqrt(cs.reduce((a, c) => a + (c - cMean) ** 2, 0) / (n - 1) / n);
  // The probe must not tell the targets apart: if its mean ratio is off 1 beyond its own noise,
  // the server reaches the probe's CPU and the adjustment would carry that into the ratio.
  const probeTargetBound = t975(n - 1) * cSe;
  if (Math.abs(cMean) > probeTargetBound && Math.abs(slope.theta * cMean) > 0.005) {
    return { unusable: `the probe differs between the targets (${Math.exp(cMean).toFixed(3)}x)`, probeRatio: Math.exp(cMean) };
  }
  const stats = ratioStats(rows.map((r) => Math.exp(r.d - slope.theta * r.c)));
  if (stats.ci) {
    const half = Math.log(stats.ci.hi / stats.ci.centre);
    const extra = t975(slope.df) * slope.se * Math.abs(cMean);
    const h = Math.sqrt(half * half + extra * extra);
    const lo = stats.ci.centre * Math.exp(-h);
    const hi = stats.ci.centre * Math.exp(h);
    stats.ci = { ...stats.ci, lo, hi, width: (hi - lo) / stats.ci.centre };
  }
  return { ...stats, theta: slope.theta, thetaSe: slope.se, probeRatio: Math.exp(cMean) };
}

module.exports = { speedSlope, speedAdjustedRatio, windowsOf, MIN_WINDOWS, MIN_ROUNDS };
