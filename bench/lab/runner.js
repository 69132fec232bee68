'use strict';
// Runs a plan: rounds x cells x targets, each server in its own process, started fresh for each
// round. Targets alternate in counterbalanced order (A B C in odd rounds, C B A in even ones) so
// that drift of the machine does not favour whoever runs first. Cells of workloads that can be
// measured repeatedly against one server (echo, goim, websocket, http) are, with plan.slices
// > 1, measured in slices: every target's server is started, then the generator alternates
// between them in short windows, A B C C B A A B C ..., and a target's round is the sum of
// its slices (lab/slices.js). With enough CPUs the generator runs on the last CPU and the
// server on the others (taskset). With plan.windowMs > 0, echo and goim cells are measured by
// one long-lived generator in short windows instead (lab/windows.js). --until-stable then adds rounds of the cells whose ratios
// still spread more than 5%, up to the plan's round cap and wall-time bound; what it reached is
// recorded in results.stability.
const os = require('node:os');
const proc = require('../lib/proc');
const { startServer, stopProcess } = require('../lib/spawn');
const { resolveTarget } = require('../targets');
const { findWorkload, portWorkloads } = require('../workloads');
const { machineFacts } = require('./facts');
const { progressBar } = require('./progress');
const { estimateSeconds, cellSlices } = require('./plan');
const { summarizeResults } = require('./summary');
const { settled, roundsNeeded } = require('./noise');
const { combineSlices, slotOrder, SLICE_WARMUP_SEC } = require('./slices');
const { windowed, windowsPerRound, runWindowedCell } = require('./windows');
const { runnerAffinity, parker, steerIrqs } = require('./isolation');
const { onCleanup } = require('../lib/cleanup');

/** CPU sets for generator and server: { generator: '1', server: '0' } on 2 CPUs, or null. */
function cpuPlan(pin, cpus = (os.availableParallelism ? os.availableParallelism() : os.cpus().length)) {
  if (pin === false || cpus < 2) return null;
  return { generator: String(cpus - 1), server: cpus === 2 ? '0' : `0-${cpus - 2}`, serverCpus: cpus - 1 };
}

/** The order of a cell's targets in a round: as planned in odd rounds, reversed in even ones. */
const roundOrder = (targets, round) => (round % 2 ? targets : [...targets].reverse());

async function runPlan(plan, { progress = false, log = (s) => process.stderr.write(s + '\n') } = {}) {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const machine = machineFacts();
  for (const w of new Set(plan.cells.map((c) => c.workload))) findWorkload(w).prepare();
  const pins = cpuPlan(plan.pin);
  if (plan.pin === true && !pins) log('--pin: fewer than 2 CPUs, generator and server share them');
  // In pinned cells the lab itself (and any helper it starts) runs on the generator's CPU.
  const self = runnerAffinity();
  const irqs = plan.steerIrqs && pins ? steerIrqs(pins.generator) : null;
  const forgetIrqs = irqs ? onCleanup(() => irqs.restore()) : () => {};   // also when interrupted
  if (plan.steerIrqs && !(irqs && irqs.moved.length)) log('--steer-irqs: no IRQ could be moved (needs root and 2+ CPUs)');
  const isolation = { runner: pins ? pins.generator : null, park: plan.park, irqsMoved: irqs ? irqs.moved : [] };

  const available = {};
  for (const spec of plan.cells.flatMap((c) => c.targets)) {
    if (!(spec.label in available)) available[spec.label] = resolveTarget(spec, portWorkloads()).available();
  }
  for (const [t, ok] of Object.entries(available)) if (ok !== true) log(`skipping ${t}: ${ok}`);

  const perRound = (cells) => cells.reduce((n, c) => n + c.targets.length, 0);
  const bar = progressBar(perRound(plan.cells) * plan.rounds, estimateSeconds(plan), { tty: progress });
  const ctx = { warmup: plan.warmup, duration: plan.duration, generatorThreads: plan.generatorThreads };
  const runs = [];
  const cellSeconds = {};   // the last round's wall time of each cell (the --until-stable estimate)
  const results = () => ({
    schema: 'ringnet-bench/1', name: plan.name, startedAt, elapsedSec: (performance.now() - t0) / 1000,
    machine, loadAverageAtEnd: proc.loadAverage(), pinning: pins, isolation, plan, runs,
  });
  let round = 0;
  const runRound = async (cells, total) => {
    round++;
    for (const cell of cells) {
      const c0 = performance.now();
      const cpus = pins && (cell.workers ?? 1) <= pins.serverCpus ? pins : null;
      self.pin(cpus && cpus.generator);
      const cellCtx = { ...ctx, generatorCpus: cpus && cpus.generator };
      const order = roundOrder(cell.targets, round);
      const slices = cellSlices(plan, cell);
      const inWindows = windowed(plan, cell);
      if (inWindows || slices > 1) {
        let recs;
        if (inWindows) {
          // One generator for the whole cell, windows of plan.windowMs (lab/windows.js).
          bar.start(`round ${round}/${total} ${cell.id} (${order.length} targets x ${windowsPerRound(plan)} windows)`);
          recs = await runWindowedCell(cell, order, plan, cellCtx, {
            launch: (spec) => launch(spec, cell, cpus && cpus.server, available[spec.label]),
            facts: (s) => serverFacts(s, cpus && cpus.server, cellCtx),
            stop: stopProcess,
          });
        } else {
          bar.start(`round ${round}/${total} ${cell.id} (${order.length} targets x ${slices} slices)`);
          const park = parker(plan.park, { serverCpus: cpus && cpus.server, generatorCpus: cpus && cpus.generator });
          recs = await runSlicedCell(cell, order, slices, cellCtx, cpus && cpus.server, available, park);
        }
        for (const spec of order) {
          const run = { round, cell: cell.id, target: spec.label, ...recs[spec.label] };
          runs.push(run);
          bar.tick(`round ${round}/${total} ${cell.id} ${spec.label}${run.skipped ? ' (skipped)' : run.error ? ' FAILED' : ''}`);
        }
      } else {
        for (const spec of order) {
          const what = `round ${round}/${total} ${cell.id} ${spec.label}`;
          bar.start(what);
          const run = { round, cell: cell.id, target: spec.label };
          Object.assign(run, await runOne(spec, cell, cellCtx, cpus && cpus.server, available[spec.label]));
          runs.push(run);
          bar.tick(`${what}${run.skipped ? ' (skipped)' : run.error ? ' FAILED' : ''}`);
        }
      }
      cellSeconds[cell.id] = (performance.now() - c0) / 1000;
    }
  };
  // Planned rounds, then (--until-stable) added rounds of the unsettled cells.
  const runAll = async () => {
    for (let r = 1; r <= plan.rounds; r++) await runRound(plan.cells, plan.rounds);
    if (!plan.untilStable) return undefined;
    let open = unsettledCells(results());
    let stoppedBy = open.cells.length ? 'max-rounds' : 'stable';
    while (open.cells.length && round < plan.maxRounds) {
      // The wall-time bound: stop before a round that would end past it (its estimate: the
      // same cells' last round).
      const next = open.cells.reduce((s, c) => s + (cellSeconds[c.id] || 0), 0);
      if (plan.maxMinutes && (performance.now() - t0) / 1000 + next > plan.maxMinutes * 60) {
        stoppedBy = 'max-minutes';
        break;
      }
      bar.add(perRound(open.cells));
      await runRound(open.cells, `${plan.maxRounds} max`);
      open = unsettledCells(results());
      if (!open.cells.length) stoppedBy = 'stable';
    }
    return { rounds: round, maxRounds: plan.maxRounds, maxMinutes: plan.maxMinutes || null, stoppedBy,
      elapsedSec: (performance.now() - t0) / 1000, stable: open.cells.length === 0, unsettled: open.ratios };
  };
  let stability;
  try {
    stability = await runAll();
  } finally {
    self.restore();
    if (irqs) irqs.restore();
    forgetIrqs();
  }
  bar.end();
  return { ...results(), ...(stability ? { stability } : {}) };
}

/**
 * Cells with a CPU-per-operation (or bytes-per-connection) ratio not yet settled (lab/noise.js:
 * neither its spread nor its 95% interval's width is at most 5%).
 */
function unsettledCells(results) {
  const summary = summarizeResults(results);
  const ratios = summary.ratios.filter((r) => r.kind !== 'variant').map((r) => {
    const f = r.figures.serverCpuUsPerOp || r.figures.bytesPerConn;
    return { cell: r.cell, ratio: `${r.a} ÷ ${r.b}`, spread: f ? f.spread : null,
      ciWidth: f && f.ci ? f.ci.width : null, roundsNeeded: roundsNeeded(f), ok: settled(f) };
  }).filter((r) => !r.ok);
  const ids = new Set(ratios.map((r) => r.cell));
  return { cells: results.plan.cells.filter((c) => ids.has(c.id)), ratios: ratios.map(({ ok, ...r }) => r) };
}

/** Starts the server of one target for one cell: { handle, target } or { skipped } / { error }. */
async function launch(spec, cell, serverCpus, availability) {
  if (availability !== true) return { skipped: availability };
  const workload = findWorkload(cell.workload);
  const why = workload.unavailable ? workload.unavailable(cell) : null;
  if (why) return { skipped: why };
  const target = resolveTarget(spec, portWorkloads());
  let server;
  try {
    server = await target.server(cell, spec.options);
  } catch (e) {
    return { error: `cannot prepare the server: ${e.message}` };
  }
  if (server.skip) return { skipped: server.skip };
  try {
    const handle = await startServer(server, { cpus: serverCpus, timeoutMs: target.byo ? 30000 : 20000 });
    handle.answersStats = Boolean(server.stats);
    handle.cpus = serverCpus || null;   // the sampler reads how busy these were (others on the server's CPU)
    return { handle, target };
  } catch (e) {
    return { error: `server did not start: ${e.message.split('\n').slice(0, 3).join(' ')}` };
  }
}

/** One measured window of `workload` against a started server; errors become { error }. */
async function measure(workload, started, cell, ctx) {
  const { handle, target } = started;
  try {
    const r = await workload.run(handle, target, cell, ctx);
    if (!r.error && handle.child.exitCode !== null) r.error = `server exited during the run (code ${handle.child.exitCode})`;
    return r;
  } catch (e) {
    return { error: e.message };
  }
}

/** What every run record of a started server carries besides its figures. */
function serverFacts(started, serverCpus, ctx) {
  const serverLog = started.handle.stderr().trim();
  return { pinned: serverCpus ? { server: serverCpus, generator: ctx.generatorCpus } : undefined,
    serverFileLimit: proc.fileLimit(started.handle.pid), serverLog: serverLog ? serverLog.slice(0, 2000) : undefined };
}

async function runOne(spec, cell, ctx, serverCpus, availability) {
  const started = await launch(spec, cell, serverCpus, availability);
  if (!started.handle) return started;
  try {
    const r = await measure(findWorkload(cell.workload), started, cell, ctx);
    return { ...r, ...serverFacts(started, serverCpus, ctx) };
  } finally {
    await stopProcess(started.handle.child);
  }
}

/**
 * One round of a cell in slices: every target's server starts (and stays up), then the
 * generator measures `slices` short windows of each, in the order A B C C B A A B C ... (the
 * first window of each server after the plan's warm-up, the others after a short one for the
 * new connections). Returns { label: run record } (lab/slices.js adds the slices up).
 */
async function runSlicedCell(cell, order, slices, ctx, serverCpus, available, park) {
  const workload = findWorkload(cell.workload);
  const started = {};
  const out = {};
  const c0 = performance.now();
  try {
    for (const spec of order) {
      const s = await launch(spec, cell, serverCpus, available[spec.label]);
      if (s.handle) {
        started[spec.label] = { ...s, slices: [] };
        park.park(s.handle);   // off the server CPU until its own slice
      } else out[spec.label] = s;
    }
    const sliceSec = ctx.duration / slices;
    for (const [k, spec] of slotOrder(order, slices)) {
      const s = started[spec.label];
      if (!s || s.error) continue;
      for (const other of Object.values(started)) if (other !== s) park.park(other.handle);
      park.unpark(s.handle);
      const atSec = (performance.now() - c0) / 1000;
      const r = await measure(workload, s, cell, { ...ctx, duration: sliceSec, warmup: k === 0 ? ctx.warmup : workload.sliceWarmupSec ?? SLICE_WARMUP_SEC });
      r.atSec = atSec;   // when the slice started, from the cell's first server start
      if (r.error) s.error = r.error;
      s.slices.push(r);
    }
    for (const [label, s] of Object.entries(started)) {
      out[label] = { ...combineSlices(s.slices), ...(s.error ? { error: s.error } : {}), ...serverFacts(s, serverCpus, ctx), parked: park.mode };
    }
  } finally {
    park.releaseAll();   // a stopped server would not see SIGTERM
    await Promise.all(Object.values(started).map((s) => stopProcess(s.handle.child)));
  }
  return out;
}

module.exports = { runPlan, cpuPlan, roundOrder, unsettledCells };
