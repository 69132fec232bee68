'use strict';
// Runs a plan: rounds x cells x targets, targets interleaved (A B A B ...) so that drift of the
// shared machine hits all alike; each server in its own process, started fresh for each run.
// With enough CPUs the generator runs on the last CPU and the server on the others (taskset).
// --until-stable then adds rounds of the cells whose ratios still spread more than 5%, up to
// the plan's cap; what it reached is recorded in results.stability.
const os = require('node:os');
const proc = require('../lib/proc');
const { startServer, stopProcess } = require('../lib/spawn');
const { resolveTarget } = require('../targets');
const { findWorkload, portWorkloads } = require('../workloads');
const { machineFacts } = require('./facts');
const { progressBar } = require('./progress');
const { estimateSeconds } = require('./plan');
const { summarizeResults } = require('./summary');
const { settled } = require('./noise');

/** CPU sets for generator and server: { generator: '1', server: '0' } on 2 CPUs, or null. */
function cpuPlan(pin, cpus = (os.availableParallelism ? os.availableParallelism() : os.cpus().length)) {
  if (pin === false || cpus < 2) return null;
  return { generator: String(cpus - 1), server: cpus === 2 ? '0' : `0-${cpus - 2}`, serverCpus: cpus - 1 };
}

async function runPlan(plan, { progress = false, log = (s) => process.stderr.write(s + '\n') } = {}) {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const machine = machineFacts();
  for (const w of new Set(plan.cells.map((c) => c.workload))) findWorkload(w).prepare();
  const pins = cpuPlan(plan.pin);
  if (plan.pin === true && !pins) log('--pin: fewer than 2 CPUs, generator and server share them');

  const available = {};
  for (const spec of plan.cells.flatMap((c) => c.targets)) {
    if (!(spec.label in available)) available[spec.label] = resolveTarget(spec, portWorkloads()).available();
  }
  for (const [t, ok] of Object.entries(available)) if (ok !== true) log(`skipping ${t}: ${ok}`);

  const perRound = (cells) => cells.reduce((n, c) => n + c.targets.length, 0);
  const bar = progressBar(perRound(plan.cells) * plan.rounds, estimateSeconds(plan), { tty: progress });
  const ctx = { warmup: plan.warmup, duration: plan.duration, generatorThreads: plan.generatorThreads };
  const runs = [];
  const results = () => ({
    schema: 'ringnet-bench/1', name: plan.name, startedAt, elapsedSec: (performance.now() - t0) / 1000,
    machine, loadAverageAtEnd: proc.loadAverage(), pinning: pins, plan, runs,
  });
  let round = 0;
  const runRound = async (cells, total) => {
    round++;
    for (const cell of cells) {
      const cpus = pins && (cell.workers ?? 1) <= pins.serverCpus ? pins : null;
      for (const spec of cell.targets) {
        const what = `round ${round}/${total} ${cell.id} ${spec.label}`;
        bar.start(what);
        const run = { round, cell: cell.id, target: spec.label };
        Object.assign(run, await runOne(spec, cell, { ...ctx, generatorCpus: cpus && cpus.generator }, cpus && cpus.server, available[spec.label]));
        runs.push(run);
        bar.tick(`${what}${run.skipped ? ' (skipped)' : run.error ? ' FAILED' : ''}`);
      }
    }
  };
  for (let r = 1; r <= plan.rounds; r++) await runRound(plan.cells, plan.rounds);

  let stability;
  if (plan.untilStable) {
    let open = unsettledCells(results());
    while (open.cells.length && round < plan.maxRounds) {
      bar.add(perRound(open.cells));
      await runRound(open.cells, `${plan.maxRounds} max`);
      open = unsettledCells(results());
    }
    stability = { rounds: round, maxRounds: plan.maxRounds, stable: open.cells.length === 0, unsettled: open.ratios };
  }
  bar.end();
  return { ...results(), ...(stability ? { stability } : {}) };
}

/** Cells with a CPU-per-operation (or bytes-per-connection) ratio whose spread is above 5%. */
function unsettledCells(results) {
  const summary = summarizeResults(results);
  const ratios = summary.ratios.filter((r) => r.kind !== 'variant').map((r) => {
    const f = r.figures.serverCpuUsPerOp || r.figures.bytesPerConn;
    return { cell: r.cell, ratio: `${r.a} ÷ ${r.b}`, spread: f ? f.spread : null, ok: settled(f) };
  }).filter((r) => !r.ok);
  const ids = new Set(ratios.map((r) => r.cell));
  return { cells: results.plan.cells.filter((c) => ids.has(c.id)), ratios: ratios.map(({ ok, ...r }) => r) };
}

async function runOne(spec, cell, ctx, serverCpus, availability) {
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
  let handle;
  try {
    handle = await startServer(server, { cpus: serverCpus, timeoutMs: target.byo ? 30000 : 20000 });
    handle.answersStats = Boolean(server.stats);
  } catch (e) {
    return { error: `server did not start: ${e.message.split('\n').slice(0, 3).join(' ')}` };
  }
  try {
    const r = await workload.run(handle, target, cell, ctx);
    const serverLog = handle.stderr().trim();
    if (!r.error && handle.child.exitCode !== null) r.error = `server exited during the run (code ${handle.child.exitCode})`;
    return { ...r, pinned: serverCpus ? { server: serverCpus, generator: ctx.generatorCpus } : undefined,
      serverFileLimit: proc.fileLimit(handle.pid), serverLog: serverLog ? serverLog.slice(0, 2000) : undefined };
  } catch (e) {
    return { error: e.message };
  } finally {
    await stopProcess(handle.child);
  }
}

module.exports = { runPlan, cpuPlan };
