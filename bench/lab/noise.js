'use strict';
// When a ratio is a verdict and when it is noise. A ratio is taken per round (both targets
// adjacent in time). Two figures say how well it is known:
// - its spread, (max - min) / median over the rounds kept (issue 13's figure). From 5 rounds on,
//   the most extreme round at each end (one per 5 rounds) is dropped first, so that one
//   disturbed round of a shared machine does not decide;
// - its 95% confidence interval (lab/confidence.js: Yuen's interval of the 20%-trimmed mean of
//   the log ratios), whose width shrinks as rounds are added, where the spread only grows.
// A ratio is *settled* when its spread is at most 5% (the rounds agree) or its interval is at
// most 5% of the ratio wide (the ratio is known to about +-2.5%); --until-stable waits for that.
// A comparison is a verdict only by a rule that settled it, on one side of 1.0 (an expectation:
// of its threshold) by that rule's own range: every kept round and the interval, or the whole
// interval.
// Anything else is "within noise": never a win or a loss.
const { ratioInterval, t975, TRIM } = require('./confidence');

const NOISE_LIMIT = 0.05;
/** Busy cores outside server and generator above which a run is flagged as disturbed. */
const OTHER_LOAD_LIMIT = 0.2;
/** Cores of the window the hypervisor ran someone else on (steal) above which a run is flagged. */
const STEAL_LIMIT = 0.05;   // above the 10 ms ticks' quantization: 2 ticks in a 0.75 s window are 0.027
/** Share of a window the server waited for its (pinned) CPU above which a run is flagged. */
const WAIT_LIMIT = 0.02;

/**
 * The per-round ratios -> { median, min, max, n, rounds, spread, ci } over the kept rounds, or
 * null; ci = { centre, lo, hi, width, df } from every round (null under 3 rounds).
 */
function ratioStats(xs) {
  const all = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!all.length) return null;
  const drop = all.length >= 5 ? Math.floor(all.length / 5) : 0;
  const v = all.slice(drop, all.length - drop);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  const min = v[0];
  const max = v[v.length - 1];
  return { median, min, max, n: v.length, rounds: all.length, spread: median > 0 ? (max - min) / median : Infinity, ci: ratioInterval(all) };
}

const spreadSettled = (r) => Boolean(r) && r.n >= 2 && r.spread <= NOISE_LIMIT;
const intervalSettled = (r) => Boolean(r && r.ci) && r.ci.width <= NOISE_LIMIT;

/** Is this ratio settled (what --until-stable waits for): the rounds agree, or the interval is narrow. */
const settled = (r) => spreadSettled(r) || intervalSettled(r);

/**
 * The ranges that may decide a side: the kept rounds' when they agree, the interval's when it
 * is narrow. Rounds that agree decide only where the interval (3 rounds on) lies on the same
 * side too: three rounds can fall within 5% of each other by chance, all on one side of 1.0,
 * and the A/A check (a server against itself, test/bench-aa.test.ts) caught that calling a
 * server faster than itself.
 */
function decidingRanges(r) {
  const out = [];
  if (spreadSettled(r)) out.push(r.ci ? [Math.min(r.min, r.ci.lo), Math.max(r.max, r.ci.hi)] : [r.min, r.max]);
  if (intervalSettled(r)) out.push([r.ci.lo, r.ci.hi]);
  return out;
}

/** 'lower' | 'higher' (a settled range wholly below / above 1) | 'within noise' | 'no data'. */
function comparisonVerdict(r) {
  if (!r) return 'no data';
  for (const [lo, hi] of decidingRanges(r)) {
    if (hi < 1) return 'lower';
    if (lo > 1) return 'higher';
  }
  return 'within noise';
}

const HOLDS = { '<=': (x, v) => x <= v, '<': (x, v) => x < v, '>=': (x, v) => x >= v, '>': (x, v) => x > v };

/** 'met' | 'missed' | 'within noise' | 'no data' for a ratio against `op value`. */
function expectationVerdict(r, op, value) {
  if (!r) return 'no data';
  for (const [lo, hi] of decidingRanges(r)) {
    const a = HOLDS[op](lo, value);
    if (a === HOLDS[op](hi, value)) return a ? 'met' : 'missed';
  }
  return 'within noise';
}

/**
 * Rounds the interval would need to be NOISE_LIMIT wide at the noise seen so far (its width
 * goes as t(df) / sqrt(rounds)), or null; what the report prints beside an unsettled ratio.
 * A projection from the rounds so far, not a promise: capped at 999.
 */
function roundsNeeded(r) {
  if (!r || !r.ci || !(r.ci.width > 0)) return null;
  if (r.ci.width <= NOISE_LIMIT) return r.rounds;
  const t = t975(r.ci.df);
  for (let n = r.rounds + 1; n < 1000; n++) {
    const df = n - 2 * Math.floor(TRIM * n) - 1;
    if (r.ci.width * (t975(df) / t) * Math.sqrt(r.rounds / n) <= NOISE_LIMIT) return n;
  }
  return 999;
}

module.exports = { NOISE_LIMIT, OTHER_LOAD_LIMIT, WAIT_LIMIT, STEAL_LIMIT, ratioStats, comparisonVerdict, expectationVerdict, settled, roundsNeeded };
