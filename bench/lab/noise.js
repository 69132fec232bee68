'use strict';
// When a ratio is a verdict and when it is noise. A ratio is taken per round (both targets
// adjacent in time); its spread is (max - min) / median over the rounds kept. From 5 rounds on,
// the most extreme round at each end (one per 5 rounds) is dropped first, so that one disturbed
// round of a shared machine does not decide and more rounds (--until-stable) can settle a ratio.
// A comparison whose spread exceeds 5% or whose range covers 1.0 is "within noise": never a
// win or a loss. An expectation is met or missed only when every kept round agrees.

const NOISE_LIMIT = 0.05;
/** Busy cores outside server and generator above which a run is flagged as disturbed. */
const OTHER_LOAD_LIMIT = 0.2;
/** Share of a window the server waited for its (pinned) CPU above which a run is flagged. */
const WAIT_LIMIT = 0.02;

/** The per-round ratios -> { median, min, max, n, rounds, spread } over the kept rounds, or null. */
function ratioStats(xs) {
  const all = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!all.length) return null;
  const drop = all.length >= 5 ? Math.floor(all.length / 5) : 0;
  const v = all.slice(drop, all.length - drop);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  const min = v[0];
  const max = v[v.length - 1];
  return { median, min, max, n: v.length, rounds: all.length, spread: median > 0 ? (max - min) / median : Infinity };
}

/** 'lower' | 'higher' (a ÷ b below / above 1 in every kept round, spread ≤ 5%) | 'within noise' | 'no data'. */
function comparisonVerdict(r) {
  if (!r) return 'no data';
  if (r.n < 2 || r.spread > NOISE_LIMIT || (r.min <= 1 && r.max >= 1)) return 'within noise';
  return r.max < 1 ? 'lower' : 'higher';
}

const HOLDS = { '<=': (x, v) => x <= v, '<': (x, v) => x < v, '>=': (x, v) => x >= v, '>': (x, v) => x > v };

/** 'met' | 'missed' | 'within noise' | 'no data' for a ratio against `op value`. */
function expectationVerdict(r, op, value) {
  if (!r) return 'no data';
  const lo = HOLDS[op](r.min, value);
  const hi = HOLDS[op](r.max, value);
  if (r.n < 2 || r.spread > NOISE_LIMIT || lo !== hi) return 'within noise';
  return lo ? 'met' : 'missed';
}

/** Is this spread settled (what --until-stable waits for)? */
const settled = (r) => Boolean(r) && r.n >= 2 && r.spread <= NOISE_LIMIT;

module.exports = { NOISE_LIMIT, OTHER_LOAD_LIMIT, WAIT_LIMIT, ratioStats, comparisonVerdict, expectationVerdict, settled };
