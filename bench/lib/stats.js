'use strict';
// Small statistics and table-formatting helpers for the benchmark report.

/** { median, min, max, n } of the finite numbers in `xs` (null if there are none). */
function summarize(xs) {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}

/** Number with `digits` significant decimals, k/M suffixes for big values. */
function num(x, digits = 2) {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 1e6) return (x / 1e6).toFixed(2) + 'M';
  if (a >= 1e4) return (x / 1e3).toFixed(1) + 'k';
  if (a >= 100) return x.toFixed(0);
  return x.toFixed(digits);
}

/** "median [min–max]", or just the median when there was a single sample. */
function spread(s, digits = 2, suffix = '') {
  if (!s) return '-';
  const m = num(s.median, digits) + suffix;
  return s.n > 1 ? `${m} [${num(s.min, digits)}–${num(s.max, digits)}]` : m;
}

/** Renders rows (arrays of strings) as an aligned text table; numbers-ish columns right-aligned. */
function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

module.exports = { summarize, num, spread, table };
