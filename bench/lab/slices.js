'use strict';
// Rounds measured in slices (plan.slices > 1): instead of one long window per target, the
// generator alternates between the targets' servers in short windows, in the order
// A B C C B A A B C ... Why: on a small VM the speed of a whole run (both CPUs: the generator's
// CPU per operation moves with the server's, correlation 0.86 over a quiet 5-round default
// run) changes from one few-second run to the next; a round made of several short windows per
// target, spread over the same stretch of time in mirrored order, lets every target see the
// same mix of fast and slow moments. A target's round is the sum of its slices: CPU seconds,
// operations and window time add up (CPU per operation = total CPU / total operations, as if
// it were one window), latency percentiles are the median of the slices'.

/** Short warm-up of every slice after a server's first (the generator's new connections). */
const SLICE_WARMUP_SEC = 0.25;

/** [[pass, spec], ...]: `slices` passes over the targets, every other pass reversed. */
function slotOrder(order, slices) {
  const slots = [];
  for (let k = 0; k < slices; k++) for (const spec of k % 2 ? [...order].reverse() : order) slots.push([k, spec]);
  return slots;
}

const finite = (xs) => xs.filter(Number.isFinite);
const maxOf = (xs) => (finite(xs).length ? Math.max(...finite(xs)) : NaN);
const sum = (xs) => finite(xs).reduce((a, x) => a + x, 0);
function median(xs) {
  const v = finite(xs).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** The slices of one target in one round -> one run record (plus `slices`: each window's figures). */
function combineSlices(slices) {
  const ok = slices.filter((s) => !s.error && Number.isFinite(s.ops) && s.windowSec > 0);
  if (!ok.length) return { error: (slices.find((s) => s.error) || {}).error || 'no slice was measured', slices: slices.map(brief) };
  const windowSec = sum(ok.map((s) => s.windowSec));
  const ops = sum(ok.map((s) => s.ops));
  const serverCpuSec = sum(ok.map((s) => s.serverCpuSec));
  const genCpuSec = sum(ok.map((s) => s.genCpuSec));
  const weighted = (k) => sum(ok.map((s) => s[k] * s.windowSec)) / windowSec;
  const last = ok[ok.length - 1];
  const threadCpu = {};
  for (const s of ok) for (const [n, v] of Object.entries(s.threadCpu || {})) threadCpu[n] = (threadCpu[n] || 0) + v;
  return {
    ...ok[0],                      // workload-specific fields (wire, latency resolution, ...)
    windowSec,
    serverCpuSec,
    serverCores: serverCpuSec / windowSec,
    serverCpuUsPerOp: ops > 0 ? (serverCpuSec * 1e6) / ops : NaN,
    serverCpuSource: ok.every((s) => s.serverCpuSource === 'schedstat') ? 'schedstat' : 'ticks',
    serverWaitShare: weighted('serverWaitShare'),
    // From the unclamped windows (lab/sampler.js), clamped once; older files: the clamped ones.
    serverCpuOthers: Math.max(0, weighted(ok.every((s) => Number.isFinite(s.serverCpuOthersSigned)) ? 'serverCpuOthersSigned' : 'serverCpuOthers')),
    genCpuSec,
    genCores: genCpuSec / windowSec,
    otherCores: weighted('otherCores'),
    stealCores: weighted('stealCores'),
    probeUs: weighted('probeUs'),
    rssBytes: maxOf(ok.map((s) => s.rssBytes)),
    loadAvg1: last.loadAvg1,
    threadCpu,
    workers: sumWorkers(ok.map((s) => s.workers)),
    ops,
    opsPerSec: ops / windowSec,
    p50Us: median(ok.map((s) => s.p50Us)),
    p99Us: median(ok.map((s) => s.p99Us)),
    p999Us: median(ok.map((s) => s.p999Us)),
    maxUs: maxOf(ok.map((s) => s.maxUs)),
    errors: sum(slices.map((s) => s.errors)),
    ...(ok[0].heartbeats !== undefined ? { heartbeats: sum(ok.map((s) => s.heartbeats)) } : {}),
    ...(ok[0].reconnectsPerSec !== undefined ? { reconnectsPerSec: weighted('reconnectsPerSec') } : {}),
    generatorLog: undefined,
    slices: slices.map(brief),
  };
}

/** What the results file keeps of each slice. */
function brief(s) {
  const keep = ['atSec', 'windowSec', 'ops', 'serverCpuSec', 'serverCpuUsPerOp', 'genCpuSec', 'otherCores', 'stealCores', 'serverWaitShare', 'serverCpuOthers', 'serverCpuOthersSigned', 'probeUs', 'p99Us', 'errors', 'error'];
  const o = {};
  for (const k of keep) if (s[k] !== undefined) o[k] = s[k];
  return o;
}

/** Per-worker counters of the slices added up (connections: the last slice's). */
function sumWorkers(list) {
  const withWorkers = list.filter(Array.isArray);
  if (!withWorkers.length) return undefined;
  return withWorkers[0].map((w, i) => {
    const all = withWorkers.map((l) => l[i] || {});
    const cpu = all.map((x) => x.cpuSec);
    return { worker: w.worker, accepted: sum(all.map((x) => x.accepted)), connections: all[all.length - 1].connections,
      framesIn: sum(all.map((x) => x.framesIn)), cpuSec: cpu.every((x) => typeof x === 'number') ? sum(cpu) : null };
  });
}

module.exports = { combineSlices, slotOrder, SLICE_WARMUP_SEC };
