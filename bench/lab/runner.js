'use strict';
// Runs a plan: rounds x cells x targets, targets interleaved (A B A B ...) so that drift of the
// shared machine hits all alike; each server in its own process, started fresh for each run.
const proc = require('../lib/proc');
const { startServer, stopProcess } = require('../lib/spawn');
const { findTarget } = require('../targets');
const { findWorkload } = require('../workloads');
const { machineFacts } = require('./facts');
const { progressBar } = require('./progress');
const { estimateSeconds } = require('./plan');

async function runPlan(plan, { progress = false, log = (s) => process.stderr.write(s + '\n') } = {}) {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const machine = machineFacts();
  for (const w of new Set(plan.cells.map((c) => c.workload))) findWorkload(w).prepare();

  const available = {};
  for (const t of new Set(plan.cells.flatMap((c) => c.targets.map((x) => x.name)))) available[t] = findTarget(t).available();
  for (const [t, ok] of Object.entries(available)) if (ok !== true) log(`skipping ${t}: ${ok}`);

  const total = plan.cells.reduce((n, c) => n + c.targets.length, 0) * plan.rounds;
  const bar = progressBar(total, estimateSeconds(plan), { tty: progress });
  const ctx = { warmup: plan.warmup, duration: plan.duration, generatorThreads: plan.generatorThreads, pin: plan.pin };
  const runs = [];
  for (let round = 1; round <= plan.rounds; round++) {
    for (const cell of plan.cells) {
      for (const spec of cell.targets) {
        const what = `round ${round}/${plan.rounds} ${cell.id} ${spec.label}`;
        bar.start(what);
        const run = { round, cell: cell.id, target: spec.label };
        Object.assign(run, await runOne(spec, cell, ctx, available[spec.name]));
        runs.push(run);
        bar.tick(`${what}${run.skipped ? ' (skipped)' : run.error ? ' FAILED' : ''}`);
      }
    }
  }
  bar.end();
  return {
    schema: 'ringnet-bench/1',
    name: plan.name,
    startedAt,
    elapsedSec: (performance.now() - t0) / 1000,
    machine,
    loadAverageAtEnd: proc.loadAverage(),
    plan,
    runs,
  };
}

async function runOne(spec, cell, ctx, availability) {
  if (availability !== true) return { skipped: availability };
  const workload = findWorkload(cell.workload);
  const why = workload.unavailable ? workload.unavailable(cell) : null;
  if (why) return { skipped: why };
  const target = findTarget(spec.name);
  const server = target.server(cell, spec.options);
  if (server.skip) return { skipped: server.skip };
  let handle;
  try {
    handle = await startServer(server.args);
  } catch (e) {
    return { error: `server did not start: ${e.message.split('\n').slice(0, 3).join(' ')}` };
  }
  try {
    const r = await workload.run(handle, target, cell, ctx);
    const serverLog = handle.stderr().trim();
    return { ...r, serverFileLimit: proc.fileLimit(handle.pid), serverLog: serverLog ? serverLog.slice(0, 2000) : undefined };
  } catch (e) {
    return { error: e.message };
  } finally {
    await stopProcess(handle.child);
  }
}

module.exports = { runPlan };
