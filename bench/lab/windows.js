'use strict';
// Windows mode (plan.windowMs > 0): a cell's round measured by ONE generator process that keeps
// connections to every target's server open and drives one server at a time for windowMs,
// in mirrored passes A B C C B A A B C ... (bench/loadgen/mux.cc). Why: the per-window scatter
// of CPU per operation is the pair's own work (batching, wake-ups; bench/README.md, "Speed-
// adjusted CPU/op"), so what narrows a ratio's interval is more independent windows per minute,
// and in slices mode each window is a fresh generator with its own start, connections and
// warm-up. The generator drains a server at the end of its window (no new messages, the ones
// in flight answered), so between its windows a server is idle: its CPU time read just before
// and just after a window is what that window's echoes cost, whatever the lab's own timing.
// A target's round is the sum of its windows (lab/slices.js), each window kept as a slice.
const { spawn } = require('node:child_process');
const { onLines, tryJson } = require('../lib/spawn');
const { findWorkload } = require('../workloads');
const { command } = require('../workloads/shared/loadgen');
const { windowSampler } = require('./sampler');
const { combineSlices, slotOrder } = require('./slices');

const proc = require('../lib/proc');

const READY_TIMEOUT_MS = 120000;   // 1000 connections to each of 4 servers on a loaded machine
const WINDOW_GRACE_MS = 15000;     // beyond the window: the generator's drain limit is 10 s

// The server's process tree is scanned again every this many of its windows (a brought-along
// server may fork); in between the last scan is used (a scan takes ~7 ms, a window 100-250 ms).
const TREE_RESCAN_WINDOWS = 8;

/** Whether a cell of this plan runs in windows mode: the plan asks and the workload can. */
function windowed(plan, cell) {
  const w = findWorkload(cell.workload);
  return Boolean(plan.windowMs > 0 && w && w.generatorArgs && w.windowable && w.windowable(cell));
}

/** Windows per target and round: the plan's measured seconds in windows of windowMs. */
const windowsPerRound = (plan) => Math.max(1, Math.round((plan.duration * 1000) / plan.windowMs));

/** The generator in windows mode: start(ports) -> ready; window(k, ms) -> result; quit(). */
function muxGenerator(args, ctx) {
  const [cmd, argv] = command(args, ctx);
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = [];
  const lines = [];
  const diag = [];
  let exited = null;
  const settleAll = () => { while (waiting.length) waiting.shift()(null); };
  onLines(child.stdout, (line) => {
    const msg = tryJson(line);
    if (!msg) return;
    if (waiting.length) waiting.shift()(msg); else lines.push(msg);
  });
  onLines(child.stderr, (line) => { if (!tryJson(line) && line.trim() && diag.length < 50) diag.push(line); });
  child.on('exit', (code, signal) => { exited = signal || code; settleAll(); });
  child.stdin.on('error', () => {});   // a generator that died: its exit says why
  const next = (ms) => new Promise((resolve) => {
    if (lines.length) return resolve(lines.shift());
    if (exited !== null) return resolve(null);
    const timer = setTimeout(() => { waiting.splice(waiting.indexOf(done), 1); resolve(null); }, ms);
    const done = (m) => { clearTimeout(timer); resolve(m); };
    waiting.push(done);
  });
  const why = (what) => `loadgen ${what}${exited !== null ? ` (exit ${exited})` : ''}: ${diag.join(' ').slice(0, 500) || 'no output'}`;
  return {
    ready: () => next(READY_TIMEOUT_MS),
    async window(k, ms) {
      if (exited !== null) return { error: why('exited') };
      child.stdin.write(`run ${k} ${ms}\n`);
      return (await next(ms + WINDOW_GRACE_MS)) || { error: why('gave no result for a window') };
    },
    why,
    async quit() {
      if (exited === null) {
        child.stdin.end('quit\n');
        const gone = new Promise((r) => child.once('exit', r));
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(t);
      }
    },
  };
}

/** One window's record: the sampler's server figures over the generator's own window. */
function windowRecord(figures, r, atSec) {
  return {
    ...figures,
    windowSec: r.seconds,
    ops: r.frames,
    opsPerSec: r.frames / r.seconds,
    p50Us: r.p50Us, p99Us: r.p99Us, p999Us: r.p999Us, maxUs: r.maxUs,
    genCpuSec: r.genCpuSec,
    heartbeats: r.heartbeats,
    errors: (r.errors || 0) + (r.mismatches || 0),
    atSec,
  };
}

/**
 * One round of a cell in windows mode. `launch(spec)` starts a target's server ({ handle,
 * target } or { skipped } / { error }); `facts(started)` adds what every run record carries.
 * Returns { label: run record }.
 */
async function runWindowedCell(cell, order, plan, ctx, { launch, facts, stop }) {
  const workload = findWorkload(cell.workload);
  const started = [];
  const out = {};
  const c0 = performance.now();
  let gen = null;
  try {
    for (const spec of order) {
      const s = await launch(spec);
      if (s.handle) started.push({ ...s, spec, windows: [] });
      else out[spec.label] = s;
    }
    if (!started.length) return out;
    const args = [...workload.generatorArgs(cell), '--host', '127.0.0.1', '--ports', started.map((s) => s.handle.port).join(','),
      '--threads', String(ctx.generatorThreads || 1)];
    gen = muxGenerator(args, ctx);
    const ready = await gen.ready();
    if (!ready || !ready.ready) {
      const error = ready && ready.error ? `loadgen: ${ready.error}` : gen.why('never became ready');
      for (const s of started) out[s.spec.label] = { error };
      return out;
    }
    // Warm-up, unmeasured, in windows of the same order: one long warm-up per server in turn
    // left the first server idle for the others' warm-ups, and a round's first target cost ~2.5%
    // more per echo than its last (A/A, 12 rounds; bench/README.md, "Windows from one generator").
    const index = new Map(started.map((s, k) => [s, k]));
    const warmups = Math.ceil((ctx.warmup * 1000) / plan.windowMs);
    if (ctx.warmup > 0) {
      for (const [, s] of slotOrder(started, warmups)) {
        const r = await gen.window(index.get(s), (ctx.warmup * 1000) / warmups);
        if ((r.error || r.errors) && !s.error) s.error = r.error || `errors during the warm-up (${r.errors})`;
      }
    }
    for (const [, s] of slotOrder(started, windowsPerRound(plan))) {
      if (s.error) continue;
      // No "stats" request: it would make the server work inside the window.
      if (!s.tree || s.windows.length % TREE_RESCAN_WINDOWS === 0) s.tree = proc.processTree(s.handle.pid);
      const sampler = windowSampler(s.handle, { ...s.target, stats: false }, { treeOf: () => s.tree });
      const atSec = (performance.now() - c0) / 1000;
      await sampler.begin();
      const r = await gen.window(index.get(s), plan.windowMs);
      await sampler.end();
      if (r.error) {
        s.error = r.error;
        continue;
      }
      if (s.handle.child.exitCode !== null) s.error = `server exited during the run (code ${s.handle.child.exitCode})`;
      s.windows.push(windowRecord(sampler.figures(r.genCpuSec, r.frames), r, atSec));
    }
    for (const s of started) {
      out[s.spec.label] = { ...combineSlices(s.windows), ...(s.error ? { error: s.error } : {}), ...facts(s), design: 'windows', windowMs: plan.windowMs };
    }
  } finally {
    if (gen) await gen.quit();
    await Promise.all(started.map((s) => stop(s.handle.child)));
  }
  return out;
}

module.exports = { windowed, windowsPerRound, runWindowedCell };
