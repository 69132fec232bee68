'use strict';
// A 95% confidence interval for a ratio measured once per round: what --until-stable waits for.
// The spread (max - min over median) can only grow as rounds are added, so more rounds
// can never settle a noisy ratio by it; the width of a confidence interval of the ratio's
// centre shrinks as 1/sqrt(rounds) and says what a user wants to know ("io_uring / epoll is
// 0.92, and with 95% confidence between 0.90 and 0.94").
//
// The interval is Yuen's, for the 20%-trimmed mean (Wilcox, "Introduction to Robust Estimation
// and Hypothesis Testing"): the same one-in-five trimming at each end as the spread, so one
// disturbed round moves it little, with a standard error from the winsorized variance and
// Student's t with h - 1 degrees of freedom (h = rounds kept). It is taken on log ratios, so
// a ratio and its inverse get the same interval, inverted: a ratio is a product, not a sum.

const TRIM = 0.2;

/** Student's t 0.975 quantile for 1..30 degrees of freedom (tables); beyond, Cornish-Fisher. */
const T975 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
  2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042];
function t975(df) {
  if (df < 1) return NaN;
  if (df < T975.length) return T975[Math.floor(df)];
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

/**
 * The 95% interval of the trimmed mean of positive per-round ratios `xs`:
 * { centre, lo, hi, width: (hi - lo) / centre, df } or null with fewer than 3 usable rounds
 * (two rounds give t = 12.7: no interval worth printing).
 */
function ratioInterval(xs) {
  const v = xs.filter((x) => Number.isFinite(x) && x > 0).map(Math.log).sort((a, b) => a - b);
  const n = v.length;
  if (n < 3) return null;
  const g = Math.floor(TRIM * n);
  const h = n - 2 * g;
  const kept = v.slice(g, n - g);
  const mean = kept.reduce((a, x) => a + x, 0) / h;
  const wins = v.map((x) => Math.min(Math.max(x, v[g]), v[n - g - 1]));
  const wMean = wins.reduce((a, x) => a + x, 0) / n;
  const wVar = wins.reduce((a, x) => a + (x - wMean) ** 2, 0) / (n - 1);
  const se = Math.sqrt(((n - 1) * wVar) / (h * (h - 1)));
  const half = t975(h - 1) * se;
  const centre = Math.exp(mean);
  const lo = Math.exp(mean - half);
  const hi = Math.exp(mean + half);
  return { centre, lo, hi, width: (hi - lo) / centre, df: h - 1 };
}

module.exports = { ratioInterval, t975, TRIM };
