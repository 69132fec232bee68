'use strict';
// From the raw runs of a results file to what tables and charts show: per cell and target the
// median [min-max] of each figure over rounds, per-worker balance, and ratios paired round by
// round (same round = adjacent in time, so drift of the shared machine hits both alike), each
// with its spread and verdict (lab/noise.js), and the user's expectations.
const { summarize } = require('../lib/stats');
const { ratioStats, comparisonVerdict, expectationVerdict, OTHER_LOAD_LIMIT, WAIT_LIMIT, STEAL_LIMIT } = require('./noise');
const { speedSlope, speedAdjustedRatio } = require('./adjust');

const FIGURES = ['opsPerSec', 'p50Us', 'p99Us', 'p999Us', 'serverCpuUsPerOp', 'serverCores', 'genCores', 'otherCores', 'stealCores',
  'rssBytes', 'loadAvg1', 'serverWaitShare', 'serverCpuOthers', 'bytesPerConn', 'reconnectsPerSec', 'busiestAcceptShare', 'busiestCpuShare'];
// serverCpuUsPerOp's ratio is the verdict statistic: speed-adjusted where every round has the
// probe (lab/adjust.js; `statistic` says which, `raw` keeps the plain ratio beside it).
// serverCpuUsPerOpGenAdj: a second, clearly labelled CPU/op figure (genCorrected()), never a verdict.
const RATIO_FIGURES = ['serverCpuUsPerOp', 'serverCpuUsPerOpGenAdj', 'opsPerSec', 'p99Us', 'bytesPerConn'];

function summarizeResults(results) {
  const { plan } = results;
  const runs = genCorrected(results.runs.map((r) => ({ ...r, ...balanceShares(r.workers) })));
  const disturbed = runs.filter((r) => r.otherCores > OTHER_LOAD_LIMIT).length;
  const stolen = runs.filter((r) => r.stealCores > STEAL_LIMIT).length;
  // Someone else on the server's CPU: its busy time beyond the server's own where the server was
  // pinned (the run-queue wait counts the server's own threads taking turns too).
  const waited = runs.filter((r) => (Number.isFinite(r.serverCpuOthers) ? r.serverCpuOthers : r.serverWaitShare) > WAIT_LIMIT).length;
  const ok = runs.filter((r) => !r.error && !r.skipped);
  const cells = plan.cells.map((cell) => {
    const targets = {};
    for (const t of cell.targets) {
      const mine = runs.filter((r) => r.cell === cell.id && r.target === t.label);
      const good = ok.filter((r) => r.cell === cell.id && r.target === t.label);
      const s = { runs: mine.length, failed: mine.filter((r) => r.error).length };
      const skipped = mine.find((r) => r.skipped);
      if (skipped) s.skipped = skipped.skipped;
      const firstError = mine.find((r) => r.error);
      if (firstError) s.error = firstError.error;
      for (const k of FIGURES) {
        const v = summarize(good.map((r) => r[k]));
        if (v) s[k] = v;
      }
      s.errors = mine.reduce((a, r) => a + (r.errors || 0), 0) + s.failed;
      s.workers = workerBalance(good);
      targets[t.label] = s;
    }
    return { id: cell.id, group: cell.group, variant: cell.variant, workload: cell.workload, baseline: cellBaseline(plan, cell), cell, targets };
  });

  const roundPairs = (cellA, targetA, cellB, targetB, figure) => {
    const pairs = [];
    for (const a of ok.filter((r) => r.cell === cellA && r.target === targetA)) {
      const b = ok.find((r) => r.cell === cellB && r.target === targetB && r.round === a.round);
      if (b && Number.isFinite(a[figure]) && Number.isFinite(b[figure]) && b[figure] !== 0) pairs.push({ a, b });
    }
    return pairs;
  };
  const slopes = new Map();   // per cell (pair of cells for variants): θ of the speed adjustment
  const slopeOf = (cellA, cellB) => {
    const k = `${cellA}\u0000${cellB}`;
    if (!slopes.has(k)) slopes.set(k, speedSlope(ok.filter((r) => r.cell === cellA || r.cell === cellB)));
    return slopes.get(k);
  };
  const pairedRatio = (cellA, targetA, cellB, targetB, figure) => {
    const pairs = roundPairs(cellA, targetA, cellB, targetB, figure);
    const raw = ratioStats(pairs.map(({ a, b }) => a[figure] / b[figure]));
    if (!raw || figure !== 'serverCpuUsPerOp') return raw;
    // CPU per operation: the speed-adjusted ratio decides where it is usable (lab/adjust.js).
    const adj = speedAdjustedRatio(pairs, slopeOf(cellA, cellB));
    const plain = { ...raw, verdict: comparisonVerdict(raw) };
    if (adj.unusable) return { ...raw, statistic: 'raw', notAdjusted: adj.unusable, raw: plain };
    const { theta, thetaSe, probeRatio, ...stats } = adj;
    return { ...stats, statistic: 'speed-adjusted', adjustment: { theta, thetaSe, probeRatio }, raw: plain };
  };
  const ratioSet = (cellA, targetA, cellB, targetB) => {
    const out = {};
    for (const f of RATIO_FIGURES) {
      const r = pairedRatio(cellA, targetA, cellB, targetB, f);
      if (r) out[f] = { ...r, verdict: comparisonVerdict(r) };
    }
    return out;
  };

  const ratios = [];
  for (const c of cells) {
    const labels = Object.keys(c.targets);
    if (c.baseline) {
      for (const t of labels.filter((x) => x !== c.baseline)) {
        ratios.push({ kind: 'baseline', cell: c.id, a: t, b: c.baseline, figures: ratioSet(c.id, t, c.id, c.baseline) });
      }
    }
    for (const [a, b] of plan.pairs || []) {
      if (labels.includes(a) && labels.includes(b)) ratios.push({ kind: 'pair', cell: c.id, a, b, figures: ratioSet(c.id, a, c.id, b) });
    }
    if (plan.compareVariants && c.variant && c.variant !== plan.compareVariants) {
      const ref = cells.find((x) => x.group === c.group && x.variant === plan.compareVariants);
      if (ref) {
        for (const t of labels.filter((x) => ref.targets[x])) {
          ratios.push({ kind: 'variant', cell: c.id, a: `${t} ${c.variant}`, b: `${t} ${plan.compareVariants}`, target: t,
            figures: ratioSet(c.id, t, ref.id, t) });
        }
      }
    }
  }

  const expectations = [];
  for (const e of plan.expectations || []) {
    for (const c of expectationCells(e, cells)) {
      const r = pairedRatio(c.id, e.a, c.id, e.b, e.figure);
      expectations.push({ ...e, cellId: c.id, ratio: r, verdict: expectationVerdict(r, e.op, e.value) });
    }
  }
  return { cells, ratios, expectations, disturbedRuns: disturbed, stolenRuns: stolen, waitedRuns: waited, totalRuns: runs.filter((r) => !r.skipped).length };
}

/**
 * Each run's server CPU per operation scaled by its generator's CPU per operation relative to
 * the median of that cell and target (serverCpuUsPerOpGenAdj): on the 2-core VM a whole run is
 * fast or slow on both CPUs at once (per-run correlation 0.86-0.99 of the two), and the
 * generator's cost is the control variate for that. It assumes the generator's cost per
 * operation tracks the machine, not the target, so it is shown beside the plain figure, never
 * used for a verdict (bench/README.md, "What makes a ratio spread").
 */
function genCorrected(runs) {
  const genPerOp = (r) => (r.genCpuSec > 0 && r.ops > 0 ? r.genCpuSec / r.ops : NaN);
  const medians = new Map();
  for (const r of runs) {
    if (r.error || r.skipped || !Number.isFinite(genPerOp(r))) continue;
    const k = `${r.cell}\u0000${r.target}`;
    if (!medians.has(k)) medians.set(k, []);
    medians.get(k).push(genPerOp(r));
  }
  for (const [k, xs] of medians) medians.set(k, summarize(xs).median);
  return runs.map((r) => {
    const m = medians.get(`${r.cell}\u0000${r.target}`);
    const g = genPerOp(r);
    return m > 0 && g > 0 && Number.isFinite(r.serverCpuUsPerOp) ? { ...r, serverCpuUsPerOpGenAdj: (r.serverCpuUsPerOp * m) / g } : r;
  });
}

/**
 * The exit status of a results file: 0 = every run measured and every expectation met; 1 = a run
 * failed (a server did not start or exited, a generator saw errors); 3 = an expectation was
 * missed; 4 = an expectation is within noise or has no data (undecided).
 */
function exitStatus(results) {
  if (results.runs.some((r) => r.error)) return 1;
  const verdicts = summarizeResults(results).expectations.map((e) => e.verdict);
  if (verdicts.includes('missed')) return 3;
  if (verdicts.some((v) => v !== 'met')) return 4;
  return 0;
}

/** Cells an expectation applies to: both targets ran there, and the id starts with its @CELL. */
function expectationCells(e, cells) {
  return cells.filter((c) => c.targets[e.a] && c.targets[e.b] && (!e.cell || c.id.startsWith(e.cell)));
}

/** The target a cell's ratios are taken against: --baseline, the plan's, or the workload's reference. */
function cellBaseline(plan, cell) {
  const labels = cell.targets.map((t) => t.label);
  return [plan.baseline, cell.reference].find((b) => b && labels.includes(b)) || null;
}

/**
 * The busiest worker's share of accepted connections and of worker CPU in one run. Taken per
 * run, because which worker is favoured can change between runs: per-worker medians over
 * rounds would hide that.
 */
function balanceShares(workers) {
  if (!Array.isArray(workers) || workers.length < 2) return {};
  const share = (k) => {
    const xs = workers.map((w) => w[k]);
    if (xs.some((x) => typeof x !== 'number')) return undefined;
    const total = xs.reduce((a, x) => a + x, 0);
    return total > 0 ? Math.max(...xs) / total : undefined;
  };
  return { busiestAcceptShare: share('accepted'), busiestCpuShare: share('cpuSec') };
}

/**
 * Per worker: median over rounds of connections accepted, frames and CPU seconds in the window;
 * and each worker's percent share by rank (busiest worker first, ranked per run), which charts use so that a
 * favoured worker shows even when it is a different one in each round.
 */
function workerBalance(runs) {
  const withWorkers = runs.filter((r) => Array.isArray(r.workers) && r.workers.length > 1);
  if (!withWorkers.length) return undefined;
  const n = Math.max(...withWorkers.map((r) => r.workers.length));
  const col = (rows, k) => summarize(rows.map((w) => w && w[k]).filter((x) => typeof x === 'number'));
  const byIndex = Array.from({ length: n }, (_, i) => {
    const rows = withWorkers.map((r) => r.workers[i]);
    return { worker: i, accepted: col(rows, 'accepted'), framesIn: col(rows, 'framesIn'), cpuSec: col(rows, 'cpuSec') };
  });
  // Percent of the run's total per worker, sorted busiest first, then the median per rank.
  const rank = (k) => Array.from({ length: n }, (_, i) => summarize(withWorkers.map((r) => {
    const xs = r.workers.map((w) => w[k]);
    const total = xs.reduce((a, x) => a + (typeof x === 'number' ? x : NaN), 0);
    return total > 0 ? (xs.sort((a, b) => b - a)[i] * 100) / total : NaN;
  })));
  return Object.assign(byIndex, { ranked: { accepted: rank('accepted'), cpuSec: rank('cpuSec') } });
}

module.exports = { summarizeResults, exitStatus, expectationCells, FIGURES, RATIO_FIGURES };
